"""Q-profile confidence interval for tau², and the I² and H² intervals that follow from it.

References
----------
Viechtbauer W. Confidence intervals for the amount of heterogeneity in meta-analysis. Stat Med
2007;26:37-52. doi:10.1002/sim.2514
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
2010;36(3):1-48 (``confint.rma.uni``, ``type="QP"``, search bounds ``[0, max(100, 10 tau²)]``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from acuneuro.evidence._algebra import Arr, qe_generalised
from acuneuro.evidence._dist import chi2_isf, chi2_ppf
from acuneuro.evidence._estimators import solve_q

__all__ = ["HeterogeneityCI", "q_profile"]


@dataclass(frozen=True)
class HeterogeneityCI:
    """Bounds of tau², I² (percent) and H², each ``(lower, upper)`` with the batch shape."""

    tau2: tuple[Arr, Arr]
    I2: tuple[Arr, Arr]
    H2: tuple[Arr, Arr]


def q_profile(
    y: Arr,
    v: Arr,
    tau2_hat: Arr,
    vt: Arr,
    *,
    mask: Arr | None = None,
    X: Arr | None = None,
    level: float = 0.95,
) -> HeterogeneityCI:
    """Invert the generalised Q statistic: the tau² values where Q equals its chi² quantiles.

    ``vt`` is the typical within-study variance of the fit (``BatchFit.vt``); I² and H² bounds
    are ``100 t / (vt + t)`` and ``t / vt + 1`` at each tau² bound ``t``, as in metafor.
    """
    y = np.asarray(y, dtype=float)
    m = np.ones_like(y) if mask is None else np.asarray(mask, dtype=float)
    y = np.where(m > 0, y, 0.0)
    v = np.where(m > 0, np.asarray(v, dtype=float), 1.0)
    df = m.sum(axis=-1) - (1 if X is None else X.shape[-1])
    alpha = 1.0 - level
    crit_u = chi2_isf(alpha / 2, df)
    crit_l = chi2_ppf(alpha / 2, df)
    lo = np.zeros(y.shape[:-1])
    hi = np.maximum(100.0, 10.0 * np.asarray(tau2_hat, dtype=float))
    q_lo, _ = qe_generalised(lo, y, v, X, m)
    q_hi, _ = qe_generalised(hi, y, v, X, m)

    upper = np.where(q_hi > crit_l, hi, solve_q(y, v, X, m, crit_l, lo, hi))
    upper = np.where(q_lo < crit_l, lo, upper)
    lower = np.where(q_lo < crit_u, lo, solve_q(y, v, X, m, crit_u, lo, hi))
    lower = np.where(q_hi > crit_u, hi, lower)
    upper = np.where(q_hi > crit_u, hi, upper)

    def i2(t: Arr) -> Arr:
        return np.asarray(100 * t / (vt + t))

    def h2(t: Arr) -> Arr:
        return np.asarray(t / vt + 1)

    return HeterogeneityCI(
        tau2=(lower, upper), I2=(i2(lower), i2(upper)), H2=(h2(lower), h2(upper))
    )
