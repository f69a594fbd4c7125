"""Weighted least-squares algebra shared by every estimator, batched over leading axes.

Arrays follow one convention: ``y`` and ``v`` have shape ``(..., k)``, the design ``X`` has
shape ``(..., k, p)`` and the inclusion mask ``m`` has shape ``(..., k)`` with 1 for a study
in the fit and 0 for a study left out. A left-out study gets weight zero everywhere, so one
call fits many leave-one-out, cumulative, subgroup or bootstrap samples at once.

References
----------
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
2010;36(3):1-48. doi:10.18637/jss.v036.i03 (the projection matrix ``P`` and its use).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Arr", "Projection", "project", "qe_generalised", "quad"]

Arr = NDArray[Any]


@dataclass(frozen=True)
class Projection:
    """Weighted fit of ``y`` on ``X``: ``P = W - W X (X'WX)^-1 X'W`` and its by-products."""

    P: Arr  # (..., k, k)
    inv: Arr  # (X'WX)^-1, (..., p, p)
    beta: Arr  # (..., p)
    Py: Arr  # (..., k)
    y: Arr  # (..., k)

    @property
    def rss(self) -> Arr:
        """Weighted residual sum of squares ``y'Py``."""
        return quad(self.Py, self.y)

    @property
    def tr(self) -> Arr:
        """Trace of ``P``."""
        return np.asarray(np.trace(self.P, axis1=-2, axis2=-1))

    @property
    def tr_pp(self) -> Arr:
        """Trace of ``PP`` (``P`` is symmetric, so the sum of its squared entries)."""
        return np.asarray(np.sum(self.P * self.P, axis=(-2, -1)))


def quad(a: Arr, b: Arr) -> Arr:
    """Row-wise inner product over the last axis."""
    return np.asarray(np.einsum("...k,...k->...", a, b))


def project(y: Arr, X: Arr, w: Arr) -> Projection:
    """Weighted least squares of ``y`` on ``X`` with weights ``w`` (zero for a left-out study)."""
    wx = w[..., :, None] * X
    xtwx = np.swapaxes(X, -1, -2) @ wx
    inv = np.linalg.inv(xtwx)
    h = wx @ inv  # (..., k, p)
    k = w.shape[-1]
    P = w[..., :, None] * np.eye(k) - h @ np.swapaxes(wx, -1, -2)
    beta = np.einsum("...pq,...kq,...k->...p", inv, wx, y)
    Py = np.einsum("...ij,...j->...i", P, y)
    return Projection(P=P, inv=inv, beta=beta, Py=Py, y=y)


def qe_generalised(tau2: Arr, y: Arr, v: Arr, X: Arr, m: Arr) -> tuple[Arr, Arr]:
    """Generalised Q statistic ``y'P(tau2)y`` and its derivative in ``tau2``.

    The derivative is ``-y'P P y`` (d P / d tau2 = -P P for ``W = diag(1/(v + tau2))``).
    """
    proj = project(y, X, m / (v + tau2[..., None]))
    return proj.rss, -quad(proj.Py, proj.Py)
