"""Egger's regression test for funnel-plot asymmetry, as metafor's ``regtest`` (model "rma").

References
----------
Egger M, Davey Smith G, Schneider M, Minder C. Bias in meta-analysis detected by a simple,
graphical test. BMJ 1997;315:629-634.
Sterne JAC, Egger M. Regression methods to detect publication and other bias in meta-analysis.
In: Rothstein HR, Sutton AJ, Borenstein M, eds. Publication Bias in Meta-Analysis. Wiley, 2005.
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
2010;36(3):1-48 (``regtest``: the standard error as a moderator in the same model).
Sterne JAC, Sutton AJ, Ioannidis JPA, et al. Recommendations for examining and interpreting
funnel plot asymmetry in meta-analyses of randomised controlled trials. BMJ 2011;343:d4002
(the test has little power below ten studies).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from acuneuro.evidence._fit import fit_batch

__all__ = ["EggerTest", "egger_test"]


@dataclass(frozen=True)
class EggerTest:
    """Test of the ``sei`` coefficient and the limit estimate (the intercept, effect at se 0)."""

    stat: float  # z, or t with k - 2 df under Knapp-Hartung
    p: float
    df: int
    limit_estimate: float
    limit_ci: tuple[float, float]
    underpowered: bool  # fewer than 10 studies (Sterne 2011)


def egger_test(
    yi: ArrayLike, vi: ArrayLike, *, method: str = "REML", test: str = "z", level: float = 0.95
) -> EggerTest:
    """Fit ``yi ~ 1 + sqrt(vi)`` with the model's estimator and test; report the slope test."""
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim != 1 or y.shape != v.shape:
        raise ValueError("yi and vi must be one-dimensional and of equal length")
    if y.size < 3:
        raise ValueError("Egger's test needs at least 3 studies")
    X = np.column_stack([np.ones_like(y), np.sqrt(v)])
    fit = fit_batch(y, v, method=method, test=test, X=X, level=level)
    return EggerTest(
        stat=float(fit.stat[1]),
        p=float(fit.pval[1]),
        df=int(y.size - 2),
        limit_estimate=float(fit.beta[0]),
        limit_ci=(float(fit.ci_lb[0]), float(fit.ci_ub[0])),
        underpowered=y.size < 10,
    )
