"""Batched random- and common-effect meta-regression fits, as metafor's ``rma.uni``.

References
----------
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
2010;36(3):1-48. doi:10.18637/jss.v036.i03
Hartung J, Knapp G. On tests of the overall treatment effect in meta-analysis with normally
distributed responses. Stat Med 2001;20:1771-1782 (``test="knha"``).
Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis. Stat Med
2002;21:1539-1558 (I² and H²; metafor's generalisation with the typical within-study variance).
Cochran WG. The combination of estimates from different experiments. Biometrics
1954;10:101-129 (Q).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from acuneuro.evidence._algebra import Arr, project, quad
from acuneuro.evidence._dist import chi2_sf, norm_isf, norm_sf, t_isf, t_sf
from acuneuro.evidence._estimators import tau2_estimate

__all__ = ["BatchFit", "Test", "critical", "fit_batch"]

Test = Literal["z", "knha"]

# metafor sets the Knapp-Hartung factor to zero when the weighted RSS is numerically zero.
_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class BatchFit:
    """Every statistic of one or many fits; arrays carry the batch shape (coefficients last)."""

    method: str
    test: str
    level: float
    k: Arr
    p: int
    beta: Arr  # (..., p)
    se: Arr  # (..., p)
    stat: Arr  # (..., p): z or t value
    pval: Arr  # (..., p)
    ci_lb: Arr  # (..., p)
    ci_ub: Arr  # (..., p)
    tau2: Arr
    Q: Arr
    Q_p: Arr
    I2: Arr
    H2: Arr
    vt: Arr  # typical within-study variance, (k - p) / tr(P_EE)
    pi_lb: Arr  # prediction interval of the first coefficient
    pi_ub: Arr
    weights: Arr  # (..., k) percent weights


def critical(test: str, df: Arr, level: float) -> Arr:
    """Two-sided critical value: t with ``k - p`` df under Knapp-Hartung, else normal."""
    alpha = 1.0 - level
    if test == "knha":
        return np.asarray(t_isf(alpha / 2, df), dtype=float)
    return np.full(np.shape(df), norm_isf(alpha / 2))


def fit_batch(
    y: Arr,
    v: Arr,
    *,
    method: str = "REML",
    test: str = "z",
    mask: Arr | None = None,
    X: Arr | None = None,
    level: float = 0.95,
) -> BatchFit:
    """Fit ``y ~ X`` with sampling variances ``v`` for every batch row at once.

    ``method`` is one of EE, DL, REML, PM, ML, HE, SJ; ``test`` is ``"z"`` or ``"knha"``
    (Knapp-Hartung: variance scaled by ``RSS/(k - p)`` without truncation, t with ``k - p`` df).
    The prediction interval is metafor's ``predict``: ``b ± crit * sqrt(se² + tau²)`` with the
    same critical value as the confidence interval.
    """
    if test not in ("z", "knha"):
        raise ValueError(f"unknown test {test!r}; use z or knha")
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    if mask is None:
        m = np.ones_like(y)
    else:
        m = np.asarray(mask, dtype=float)
        y = np.where(m > 0, y, 0.0)  # a left-out study's values never reach a product as NaN
        v = np.where(m > 0, v, 1.0)
    X = None if X is None else np.asarray(X, dtype=float)
    k = m.sum(axis=-1)
    p = 1 if X is None else X.shape[-1]
    if k.min() <= p:
        raise ValueError(f"a fit needs more studies than coefficients (k > {p})")
    if (v <= 0).any():  # a left-out study's variance is 1 by now
        raise ValueError("sampling variances must be positive")

    tau2 = tau2_estimate(method, y, v, X, m)
    w = m / (v + tau2[..., None])
    df = k - p
    if X is None:
        # The same sums as ``project`` without its traces, which only the Q statistic needs.
        sw = w.sum(axis=-1)
        mu = quad(w, y) / sw
        beta, var = mu[..., None], 1 / sw
        if test == "knha":
            rss = quad(w * (y - mu[..., None]), y)
            var = var * np.where(rss <= _EPS, 0.0, rss / df)
        se = np.sqrt(var)[..., None]
    else:
        proj = project(y, X, w)
        beta, vb = proj.beta, proj.inv
        if test == "knha":
            rss = proj.rss
            vb = vb * np.where(rss <= _EPS, 0.0, rss / df)[..., None, None]
        se = np.sqrt(np.diagonal(vb, axis1=-2, axis2=-1))
    with np.errstate(all="ignore"):
        stat = beta / se
    crit = critical(test, df, level)[..., None]
    z = np.abs(stat)
    pval = 2 * t_sf(z, df[..., None]) if test == "knha" else 2 * norm_sf(z)

    fe = project(y, X, m / v)
    Q = np.maximum(0.0, fe.rss)
    Q_p = chi2_sf(Q, df)
    vt = df / fe.tr
    if method == "EE":
        # Q can be a denormal number when all effects agree; (Q - df) / Q then overflows to -inf,
        # which the truncation at zero turns into the right answer.
        with np.errstate(all="ignore"):
            I2 = np.where(Q > 0, np.maximum(0.0, 100 * (Q - df) / Q), 0.0)
        H2 = Q / df
    else:
        I2 = 100 * tau2 / (vt + tau2)
        H2 = tau2 / vt + 1
    half_pi = crit[..., 0] * np.sqrt(se[..., 0] ** 2 + tau2)
    return BatchFit(
        method=method,
        test=test,
        level=level,
        k=k,
        p=p,
        beta=beta,
        se=se,
        stat=stat,
        pval=pval,
        ci_lb=beta - crit * se,
        ci_ub=beta + crit * se,
        tau2=tau2,
        Q=Q,
        Q_p=Q_p,
        I2=I2,
        H2=H2,
        vt=vt,
        pi_lb=beta[..., 0] - half_pi,
        pi_ub=beta[..., 0] + half_pi,
        weights=100 * w / w.sum(axis=-1, keepdims=True),
    )
