"""Weighted least-squares algebra shared by every estimator, batched over leading axes.

Arrays follow one convention: ``y`` and ``v`` have shape ``(..., k)``, the design ``X`` has
shape ``(..., k, p)`` and the inclusion mask ``m`` has shape ``(..., k)`` with 1 for a study
in the fit and 0 for a study left out. A left-out study gets weight zero everywhere, so one
call fits many leave-one-out, cumulative, subgroup or bootstrap samples at once.

No fit builds the ``k x k`` matrix ``P``: memory stays linear in ``k`` (a 50,000-study table
once needed 20 GB for Egger's test). The intercept-only model (every pooled analysis) takes a
closed form; meta-regression (Egger's test) uses ``P = W - W X A X'W`` with the ``p x p``
matrix ``A = (X'WX)^-1``, so ``P z``, ``diag(P)``, ``tr(P)`` and ``tr(PP)`` are all
``O(k p^2)``.

References
----------
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
2010;36(3):1-48. doi:10.18637/jss.v036.i03 (the projection matrix ``P`` and its use).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Arr", "Projection", "lopsided", "project", "qe_generalised", "quad"]

Arr = NDArray[Any]


def quad(a: Arr, b: Arr) -> Arr:
    """Row-wise inner product over the last axis."""
    if a.ndim == 1 and b.ndim == 1:
        return np.asarray(np.dot(a, b))  # one analysis: dot skips einsum's parsing
    return np.asarray(np.einsum("...k,...k->...", a, b))


@dataclass(frozen=True)
class Projection:
    """Weighted fit of ``y`` on ``X``: ``P = W - W X (X'WX)^-1 X'W`` and its by-products.

    ``P`` itself is never formed; ``X`` is kept for ``apply`` (``None`` for intercept-only).
    """

    w: Arr  # (..., k)
    y: Arr  # (..., k)
    inv: Arr  # (X'WX)^-1, (..., p, p)
    beta: Arr  # (..., p)
    Py: Arr  # (..., k)
    tr: Arr  # trace of P
    X: Arr | None
    # Given for meta-regression; for the intercept-only model worked out when first asked (the
    # estimators that need them are few, and each costs prefix sums).
    given_diag: Arr | None = None
    given_tr_pp: Arr | None = None

    @cached_property
    def _rest(self) -> tuple[Arr, Arr, Arr]:
        """Intercept only: the weight shares ``q``, ``1 - q_i`` (``_others``), lopsided rows."""
        sw = self.w.sum(axis=-1)
        q = self.w / sw[..., None]
        flags = lopsided(q)
        return q, _others(q, flags), flags

    @cached_property
    def diag(self) -> Arr:
        """Diagonal of ``P``."""
        if self.given_diag is not None:
            return self.given_diag
        return np.asarray(self.w * self._rest[1])

    @cached_property
    def tr_pp(self) -> Arr:
        """Trace of ``PP``."""
        if self.given_tr_pp is not None:
            return self.given_tr_pp
        sw = self.w.sum(axis=-1)
        q, rest, flags = self._rest
        q2 = q * q
        return np.asarray(sw**2 * np.sum(q2 * (rest * rest + _others(q2, flags)), axis=-1))

    @property
    def rss(self) -> Arr:
        """Weighted residual sum of squares ``y'Py``."""
        return quad(self.Py, self.y)

    def apply(self, z: Arr) -> Arr:
        """``P z`` for ``z`` of shape ``(..., k)``."""
        if self.X is None:
            sw = self.w.sum(axis=-1, keepdims=True)
            return np.asarray(self.w * (z - quad(self.w, z)[..., None] / sw))
        return _apply(self.X, self.w, self.inv, z)


def _others(a: Arr, lopsided: Arr | None = None) -> Arr:
    """For each study, the sum of ``a`` over the other studies.

    ``sum(a) - a_i`` loses every digit when one study holds nearly all the weight (variances
    1 and 1e8), so rows flagged ``lopsided`` (one study holds over half the weight, see
    ``lopsided``) use prefix and suffix sums, which keep each term exact to rounding. In every
    other row the subtraction is safe: for ``a = q`` (weights summing to 1) every ``q_i <= 1/2``
    so ``1 - q_i >= 1/2``; for ``a = q²`` the sum over the others includes the largest ``q_j²``
    (or, for the largest itself, ``>= (1/2)² / (k - 1)`` against a total below 1/2), so the
    relative rounding error stays below ``2 k`` units in the last place. ``None`` flags all.
    """
    if lopsided is None or a.ndim == 1:
        if lopsided is None or bool(lopsided):
            return _prefix_others(a)
        return np.asarray(a.sum() - a)
    out = np.asarray(a.sum(axis=-1, keepdims=True) - a)
    if lopsided.any():
        out[lopsided] = _prefix_others(a[lopsided])
    return out


def lopsided(q: Arr) -> Arr:
    """Rows where one study's share ``q_i`` of the weight is over one half."""
    return np.asarray(q.max(axis=-1) > 0.5)


def _prefix_others(a: Arr) -> Arr:
    zero = np.zeros_like(a[..., :1])
    before = np.concatenate([zero, np.cumsum(a, axis=-1)[..., :-1]], axis=-1)
    after = np.concatenate([np.cumsum(a[..., ::-1], axis=-1)[..., ::-1][..., 1:], zero], axis=-1)
    return np.asarray(before + after)


def _intercept(y: Arr, w: Arr) -> Projection:
    # P = sw (diag(q) - q q') with q = w / sw: tr(P) = sw (1 - sum q²). While no study holds
    # over half the weight, sum q² <= max q <= 1/2, so the subtraction loses at most a few
    # units in the last place (``_others``); rows where one does take the sum of positive terms
    # sum w_i (1 - q_i) by prefix sums.
    sw = w.sum(axis=-1)
    mu = quad(w, y) / sw
    tr = np.asarray(sw - quad(w, w) / sw)
    lop = w.max(axis=-1) > 0.5 * sw
    if np.count_nonzero(lop):
        if tr.ndim == 0:
            tr = np.sum(w * _prefix_others(w / sw))
        else:
            wl = w[lop]
            tr[lop] = np.sum(wl * _prefix_others(wl / sw[lop][..., None]), axis=-1)
    return Projection(
        w=w,
        y=y,
        inv=(1 / sw)[..., None, None],
        beta=mu[..., None],
        Py=w * (y - mu[..., None]),
        tr=tr,
        X=None,
    )


def _apply(X: Arr, w: Arr, inv: Arr, z: Arr) -> Arr:
    """``P z = W z - W X A X'W z`` without ``P``."""
    xwz = np.einsum("...kp,...k->...p", X, w * z)
    return np.asarray(w * z - w * np.einsum("...kp,...pq,...q->...k", X, inv, xwz))


def project(y: Arr, X: Arr | None, w: Arr) -> Projection:
    """Weighted least squares of ``y`` on ``X`` (``None``: intercept only) with weights ``w``."""
    if X is None:
        return _intercept(y, w)
    wx = w[..., :, None] * X
    inv = np.linalg.inv(np.swapaxes(X, -1, -2) @ wx)
    beta = np.einsum("...pq,...kq,...k->...p", inv, wx, y)
    # h_i = x_i' A x_i: diag(P) = w - w^2 h; tr(PP) = sum w^2 - 2 sum w^3 h + tr((A B)^2)
    # with B = X'W^2X (expand (W - WXAX'W)^2 and cycle the traces).
    h = np.einsum("...kp,...pq,...kq->...k", X, inv, X)
    diag = w - w * w * h
    ab = inv @ (np.swapaxes(wx, -1, -2) @ wx)
    return Projection(
        w=w,
        y=y,
        inv=inv,
        beta=beta,
        Py=_apply(X, w, inv, y),
        tr=diag.sum(axis=-1),
        X=X,
        given_diag=diag,
        given_tr_pp=(np.sum(w * w, axis=-1) - 2 * np.sum(w**3 * h, axis=-1)
                     + np.trace(ab @ ab, axis1=-2, axis2=-1)),
    )


def qe_generalised(tau2: Arr, y: Arr, v: Arr, X: Arr | None, m: Arr) -> tuple[Arr, Arr]:
    """Generalised Q statistic ``y'P(tau2)y`` and its derivative in ``tau2``.

    The derivative is ``-y'P P y`` (d P / d tau2 = -P P for ``W = diag(1/(v + tau2))``).
    """
    w = m / (v + tau2[..., None])
    if X is None:
        # Only y'Py and its derivative are needed: the traces of ``_intercept`` (two prefix
        # sums per call) are skipped, which is most of a Q-profile or Paule-Mandel iteration.
        mu = quad(w, y) / w.sum(axis=-1)
        Py = w * (y - mu[..., None])
        return quad(Py, y), -quad(Py, Py)
    proj = project(y, X, w)
    return proj.rss, -quad(proj.Py, proj.Py)
