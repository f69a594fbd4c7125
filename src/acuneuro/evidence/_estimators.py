"""Estimators of the between-study variance tau², batched, as metafor's ``rma.uni`` computes them.

Every function takes ``y, v, X, m`` (see ``_algebra``) and returns tau² with the batch shape.
Values are truncated at zero, as metafor does with its default ``tau2.min = 0``.

References
----------
DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials 1986;7:177-188.
Hedges LV. A random effects model for effect sizes. Psychol Bull 1983;93:388-395 (HE).
Paule RC, Mandel J. Consensus values and weighting factors. J Res Natl Bur Stand
1982;87:377-385 (PM).
Sidik K, Jonkman JN. Simple heterogeneity variance estimation for meta-analysis. J R Stat Soc C
2005;54:367-384 (SJ).
Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the random-effects
model. J Educ Behav Stat 2005;30:261-293 (ML and REML by Fisher scoring).
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
2010;36(3):1-48.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np

from acuneuro.evidence._algebra import Arr, project, qe_generalised, quad
from acuneuro.evidence._scoring import scoring_intercept

__all__ = ["ESTIMATORS", "Method", "solve_q", "tau2_estimate"]

Method = Literal["EE", "DL", "REML", "PM", "ML", "HE", "SJ"]

_TOL = 1e-12
_MAXITER = 500
_DOUBLINGS = 60  # upper end of the fallback's bracket: at most 2**60 times the start
_SCORING_STEPS = 100
# metafor's defaults for its ll0check: control$tol (eps^0.25) and control$threshold (1e-5).
_LL0_TOL = float(np.finfo(float).eps) ** 0.25
_LL0_THRESHOLD = 1e-5
_LOG_2PI = math.log(2 * math.pi)


def _dims(X: Arr | None, m: Arr) -> tuple[Arr, int]:
    return m.sum(axis=-1), 1 if X is None else X.shape[-1]


def _ee(y: Arr, v: Arr, X: Arr | None, m: Arr) -> Arr:
    return np.zeros(y.shape[:-1])


def _dl(y: Arr, v: Arr, X: Arr | None, m: Arr) -> Arr:
    """DerSimonian-Laird: ``(Q - (k - p)) / tr(P)`` with fixed-effect weights ``1/v``."""
    k, p = _dims(X, m)
    proj = project(y, X, m / v)
    return np.asarray(np.maximum(0.0, (proj.rss - (k - p)) / proj.tr))


def _he(y: Arr, v: Arr, X: Arr | None, m: Arr) -> Arr:
    """Hedges (method of moments, unweighted): ``(RSS_ols - tr(P_ols V)) / (k - p)``."""
    k, p = _dims(X, m)
    if X is None:
        # Unit weights: diag(P) is (k - 1) / k for every study in the fit, so no projection.
        r = m * (y - (quad(m, y) / k)[..., None])
        return np.asarray((quad(r, y) - quad(m, v) * (k - 1) / k) / (k - 1))
    proj = project(y, X, m)
    tr_pv = np.sum(proj.diag * v, axis=-1)
    return np.asarray((proj.rss - tr_pv) / (k - p))


def _sj(y: Arr, v: Arr, X: Arr | None, m: Arr) -> Arr:
    """Sidik-Jonkman: one step from the population variance of ``y`` as metafor does."""
    k, p = _dims(X, m)
    mean = np.sum(m * y, axis=-1) / k
    tau2_0 = np.sum(m * (y - mean[..., None]) ** 2, axis=-1) / k
    proj = project(y, X, m / (v + tau2_0[..., None]))
    return np.asarray(np.maximum(0.0, tau2_0 * proj.rss / (k - p)))


def _tau2_max(y: Arr, m: Arr) -> Arr:
    """Upper search bound of metafor: ``max(100, 10 * mad(y)^2)``."""
    masked = np.where(m > 0, y, np.nan)
    med = np.nanmedian(masked, axis=-1)
    mad = 1.4826 * np.nanmedian(np.abs(masked - med[..., None]), axis=-1)
    return np.asarray(np.maximum(100.0, 10.0 * mad**2))


def _bracketed_root(fn: Callable[[Arr], tuple[Arr, Arr]], lo: Arr, hi: Arr) -> Arr:
    """Root of a function positive at ``lo`` and negative at ``hi``, row by row.

    Safeguarded Newton: a step that leaves the current bracket becomes a bisection, so the
    iteration cannot oscillate or diverge.
    """
    if np.ndim(lo) == 0:
        return np.asarray(_scalar_root(fn, float(lo), float(hi)))
    a, b = lo.astype(float).copy(), hi.astype(float).copy()
    x = a.copy()
    for _ in range(_MAXITER):
        f, df = fn(x)
        a = np.where(f > 0, x, a)
        b = np.where(f <= 0, x, b)
        with np.errstate(all="ignore"):
            new = x - f / df
        # A row that hit its root exactly stays there: its Newton step of zero lands on the
        # bracket's end and was once taken for a bad step, sending it off by bisection.
        exact = f == 0
        bad = ~exact & (~np.isfinite(new) | (new <= a) | (new >= b))
        new = np.where(exact, x, np.where(bad, 0.5 * (a + b), new))
        done = np.abs(new - x) <= _TOL * (1.0 + np.abs(x))
        x = new
        if np.all(done):
            break
    return x


def _scalar_root(fn: Callable[[Arr], tuple[Arr, Arr]], a: float, b: float) -> float:
    """``_bracketed_root`` for one analysis, step for step, in Python floats.

    A single meta-analysis solves two of these (its Q-profile bounds); on 0-d arrays each of the
    twenty-odd NumPy calls of a step costs a microsecond or more, which was most of the time.
    """
    x = a
    for _ in range(_MAXITER):
        f_arr, df_arr = fn(np.asarray(x))
        f, df = float(f_arr), float(df_arr)
        if f == 0:
            return x  # the root itself (see ``_bracketed_root``)
        a, b = (x, b) if f > 0 else (a, x)
        new = x - f / df if df != 0 else math.nan
        if not math.isfinite(new) or new <= a or new >= b:
            new = 0.5 * (a + b)
        done = abs(new - x) <= _TOL * (1.0 + abs(x))
        x = new
        if done:
            break
    return x


def solve_q(y: Arr, v: Arr, X: Arr | None, m: Arr, target: Arr, lo: Arr, hi: Arr) -> Arr:
    """Root of the decreasing function ``Q(tau2) = target`` inside ``[lo, hi]``.

    Used by Paule-Mandel and by the Q-profile interval; the caller checks the bracket.
    """

    # Newton on 1/target - 1/Q rather than on Q - target: Q falls like 1/tau² (exactly so with
    # equal variances), so 1/Q is nearly straight and Newton needs a few steps instead of a dozen.
    # The root is the same; the bracket in ``_bracketed_root`` still guards every step.
    def fn(t: Arr) -> tuple[Arr, Arr]:
        q, dq = qe_generalised(t, y, v, X, m)
        # Q near zero (all effects equal) gives infinities here; the bracket then bisects.
        with np.errstate(all="ignore"):
            return 1.0 / target - 1.0 / q, dq / (q * q)

    return _bracketed_root(fn, lo, hi)


def _pm(y: Arr, v: Arr, X: Arr | None, m: Arr) -> Arr:
    """Paule-Mandel: the tau² at which the generalised Q equals its expectation ``k - p``."""
    k, p = _dims(X, m)
    target = k - p
    zero = np.zeros(y.shape[:-1])
    q0, _ = qe_generalised(zero, y, v, X, m)
    hi = _tau2_max(y, m)
    root = solve_q(y, v, X, m, target, zero, hi)
    return np.where(q0 < target, 0.0, root)


def _score(y: Arr, v: Arr, X: Arr | None, m: Arr, reml: bool) -> Callable[[Arr], tuple[Arr, Arr]]:
    """Score of the (restricted) log-likelihood in tau², times 2, and its derivative.

    REML: ``y'PPy - tr(P)``; ML: ``y'PPy - sum(w)`` (metafor's Fisher-scoring numerators).
    """

    def fn(t: Arr) -> tuple[Arr, Arr]:
        w = m / (v + t[..., None])
        proj = project(y, X, w)
        ppy = proj.apply(proj.Py)
        ypp = quad(proj.Py, proj.Py)
        d_ypp = -2 * quad(proj.Py, ppy)
        if reml:
            return ypp - proj.tr, d_ypp + proj.tr_pp
        return ypp - w.sum(axis=-1), d_ypp + np.sum(w * w, axis=-1)

    return fn


def _loglik(y: Arr, v: Arr, X: Arr | None, m: Arr, tau2: Arr, reml: bool) -> Arr:
    """(Restricted) log-likelihood at ``tau2``, as metafor's ``ll0check`` computes it."""
    total = v + tau2[..., None]
    w = m / total
    k, p = _dims(X, m)
    if X is None:
        # Intercept only: X'WX is the sum of the weights, so no projection or determinant.
        sw = w.sum(axis=-1)
        resid = y - (quad(w, y) / sw)[..., None]
        logdet = np.log(sw)
    else:
        proj = project(y, X, w)
        resid = y - np.einsum("...kp,...p->...k", X, proj.beta)
        _, logdet = np.linalg.slogdet(np.linalg.inv(proj.inv))
    rss = quad(w * resid, resid)
    logv = np.sum(np.where(m > 0, np.log(total), 0.0), axis=-1)
    if not reml:
        return np.asarray(-0.5 * k * _LOG_2PI - 0.5 * logv - 0.5 * rss)
    return np.asarray(-0.5 * (k - p) * _LOG_2PI - 0.5 * logv - 0.5 * logdet - 0.5 * rss)


def _scoring(y: Arr, v: Arr, X: Arr | None, m: Arr, tau2: Arr, reml: bool) -> tuple[Arr, Arr]:
    """Fisher scoring on rows of shape ``(n, k)``; returns tau² and which rows converged.

    Intercept-only rows go to ``_scoring.scoring_intercept`` (scoring finished by Newton steps,
    the same root; see there); meta-regression keeps plain scoring below.
    """
    if X is None:
        return scoring_intercept(y, v, m, tau2, reml, _SCORING_STEPS, _TOL)
    active = np.arange(tau2.size)
    converged = np.zeros(tau2.size, dtype=bool)
    for _ in range(_SCORING_STEPS):
        ya, va, ma, ta = y[active], v[active], m[active], tau2[active]
        Xa = None if X is None else X[active]
        w = ma / (va + ta[:, None])
        proj = project(ya, Xa, w)
        ypp = quad(proj.Py, proj.Py)
        # A Fisher information that underflows to zero (variances 1 and 1e161) gives no step:
        # the row keeps its tau2 (below), so the division's warning says nothing new.
        with np.errstate(divide="ignore", invalid="ignore"):
            if reml:
                adj = (ypp - proj.tr) / proj.tr_pp
            else:
                adj = (ypp - w.sum(axis=-1)) / np.sum(w * w, axis=-1)
        adj = np.where(np.isfinite(adj), adj, 0.0)
        # metafor halves a step that would leave tau2 < 0 until it does not; at tau2 = 0 the
        # halving only ends in underflow, whose limit is a step of exactly zero.
        for _ in range(60):
            neg = ta + adj < 0
            if not np.any(neg):
                break
            adj = np.where(neg, adj / 2, adj)
        adj = np.where(ta + adj < 0, -ta, adj)
        tau2[active] = ta + adj
        still = np.abs(adj) > _TOL * (1.0 + ta + adj)
        converged[active[~still]] = True
        active = active[still]
        if active.size == 0:
            break
    return tau2, converged


def _fisher(y: Arr, v: Arr, X: Arr | None, m: Arr, reml: bool) -> Arr:
    """ML or REML: Fisher scoring from the HE start, as metafor, with a safe fallback.

    Rows where scoring has not converged after ``_SCORING_STEPS`` (it can oscillate, where
    metafor stops with "Fisher scoring algorithm did not converge") are solved instead as the
    root of the score equation by safeguarded Newton, the same fixed point. As metafor's
    ``ll0check``, a positive tau² whose likelihood is below that at tau² = 0 (a local maximum)
    is replaced by zero.
    """
    shape = y.shape[:-1]
    k = y.shape[-1]
    if y.ndim == 2 and v.shape == m.shape == y.shape:
        y2, v2, m2 = y, v, m  # already rows of studies (leave-one-out, bootstrap)
    else:
        y2, v2, m2 = (np.broadcast_to(a, y.shape).reshape(-1, k) for a in (y, v, m))
    X2 = None
    if X is not None:
        X2 = np.broadcast_to(X, (*shape, k, X.shape[-1])).reshape(-1, k, X.shape[-1])
    tau2, converged = _scoring(y2, v2, X2, m2, np.maximum(0.0, _he(y2, v2, X2, m2)), reml)
    stuck = np.flatnonzero(~converged)
    if stuck.size:
        ys, vs, ms = y2[stuck], v2[stuck], m2[stuck]
        Xs = None if X2 is None else X2[stuck]
        score = _score(ys, vs, Xs, ms, reml)
        zero = np.zeros(stuck.size)
        g0, _ = score(zero)
        hi = np.maximum(_tau2_max(ys, ms), 2 * tau2[stuck])
        for _ in range(_DOUBLINGS):
            g_hi, _ = score(hi)
            if not np.any(g_hi > 0):
                break
            hi = np.where(g_hi > 0, 2 * hi, hi)
        tau2[stuck] = np.where(g0 <= 0, 0.0, _bracketed_root(score, zero, hi))
    tau2 = np.maximum(0.0, tau2)
    positive = np.flatnonzero(tau2 > _LL0_THRESHOLD)
    if positive.size == tau2.size:
        yp, vp, mp, Xp = y2, v2, m2, X2
    elif positive.size:
        yp, vp, mp = y2[positive], v2[positive], m2[positive]
        Xp = None if X2 is None else X2[positive]
    if positive.size:
        tp = tau2[positive]
        if Xp is None:
            # Both likelihoods in one batched call: tau² and zero stacked on a leading axis.
            ll, ll0 = _loglik(yp, vp, None, mp, np.stack([tp, np.zeros_like(tp)]), reml)
        else:
            ll = _loglik(yp, vp, Xp, mp, tp, reml)
            ll0 = _loglik(yp, vp, Xp, mp, np.zeros_like(tp), reml)
        tau2[positive] = np.where(ll0 - ll > _LL0_TOL, 0.0, tp)
    return tau2.reshape(shape)


def _ml(y: Arr, v: Arr, X: Arr | None, m: Arr) -> Arr:
    return _fisher(y, v, X, m, reml=False)


def _reml(y: Arr, v: Arr, X: Arr | None, m: Arr) -> Arr:
    return _fisher(y, v, X, m, reml=True)


ESTIMATORS: dict[str, Callable[[Arr, Arr, Arr | None, Arr], Arr]] = {
    "EE": _ee,
    "DL": _dl,
    "HE": lambda y, v, X, m: np.maximum(0.0, _he(y, v, X, m)),
    "SJ": _sj,
    "PM": _pm,
    "ML": _ml,
    "REML": _reml,
}


def tau2_estimate(method: str, y: Arr, v: Arr, X: Arr | None, m: Arr) -> Arr:
    """tau² by ``method`` (one of ``ESTIMATORS``) for every batch row."""
    try:
        estimator = ESTIMATORS[method]
    except KeyError:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(ESTIMATORS)}") from None
    return estimator(y, v, X, m)
