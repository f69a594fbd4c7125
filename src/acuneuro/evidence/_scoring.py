"""Fisher scoring for ML and REML tau² of intercept-only fits, batched: the hot loop of the engine.

Leave-one-out, cumulative and bootstrap analyses (up to millions of fits) spend their time here.
Two changes from the general ``_estimators._scoring`` (which meta-regression still uses), with
the same estimator:

- Fisher scoring (metafor's iteration, Viechtbauer 2005) runs until a row's step is below
  metafor's own convergence threshold (1e-5: ``rma.uni`` stops after that step); from the
  point where such a step was computed, Newton steps with the exact derivative of the score
  (``tr(PP) - 2 y'PPPy`` for REML, ``sum w² - 2 y'PPPy`` for ML) finish to the engine's
  tolerance of 1e-12. So close to the root, Newton converges
  quadratically to the same root of the score equation that scoring approaches linearly; a
  Newton step that is not a descent of the score's magnitude (wrong sign of the slope, a larger
  step than the last one, or tau² < 0) is replaced by the scoring step. Rows that oscillated for
  a hundred scoring steps (and then went to the root-finding fallback) now converge directly.
  A row stops when its step is below the tolerance or, after two Newton steps in a row, when
  the next step they predict is (about ``size³ / last²`` at the rate the two show): that step
  would move tau² by less than the tolerance, so it is not taken.
- Rows are held study-major (``(k, n)``), so every sum and prefix sum runs across the batch in
  one vectorised pass instead of row by row.

``tests/evidence/test_scoring.py`` checks that tau² agrees with plain Fisher scoring to 1e-10.

References
----------
Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the random-effects
model. J Educ Behav Stat 2005;30:261-293 (the score equations and Fisher scoring).
"""

from __future__ import annotations

import numpy as np

from acuneuro.evidence._algebra import Arr

__all__ = ["NEWTON_FROM", "scoring_intercept"]

NEWTON_FROM = 1e-5  # metafor's convergence threshold: below it scoring hands over to Newton


def others_t(a: Arr) -> Arr:
    """For each study (axis 0), the sum over the other studies, by prefix and suffix sums.

    As ``_algebra._others`` (never ``sum(a) - a_i``, which loses every digit where one study
    holds nearly all the weight), with studies on the first axis.
    """
    pre = np.cumsum(a, axis=0)
    suf = np.cumsum(a[::-1], axis=0)[::-1]
    out = np.empty_like(a)
    out[0] = suf[1]
    out[-1] = pre[-2]
    out[1:-1] = pre[:-2] + suf[2:]
    return out


def _reml_terms(w: Arr, sw: Arr, ypp: Arr, one: Arr) -> tuple[Arr, Arr]:
    """``y'PPy - tr(P)`` and ``tr(PP)`` for study-major weights ``w`` (``(k, n)``).

    With ``q = w / sw`` and ``S2 = sum q²``, ``S3 = sum q³``: ``tr(P) = sw (1 - S2)`` and
    ``tr(PP) = sw² (S2 - 2 S3 + S2²)``. Their terms cancel only when one study holds most of the
    weight. While ``S2 <= 1/4`` (so every ``q_i <= 1/2``), ``1 - S2 >= 3/4`` and
    ``tr(PP) / sw² >= S2 / 4`` against terms below ``4 S2``: a few units in the last place at
    most. Other rows take the positive-term sums with prefix sums, as ``_algebra.Projection``.
    """
    w2 = w * w
    a2 = one @ w2  # sw² S2
    r = a2 / sw  # sw S2
    tr = sw - r
    info = a2 + r * r - (one @ (w2 * w)) * (2.0 / sw)
    lopsided = r > 0.25 * sw  # S2 > 1/4
    if np.count_nonzero(lopsided):
        lop = np.flatnonzero(lopsided)
        ql = w[:, lop] / sw[lop]
        rest = others_t(ql)
        ql2 = ql * ql
        tr[lop] = (w[:, lop] * rest).sum(axis=0)
        info[lop] = sw[lop] ** 2 * (ql2 * (rest * rest + others_t(ql2))).sum(axis=0)
    return ypp - tr, info


def _halve(ta: Arr, adj: Arr) -> Arr:
    """metafor's step halving: a step that would leave tau² < 0 is halved until it does not.

    The loop of ``_estimators._scoring`` (at most 60 halvings, then the step to zero) in closed
    form: ``n = ceil(log2(-adj / tau²))`` halvings, corrected by one where rounding of the
    logarithm missed. Halving is exact in floating point and ``tau² + adj / 2^n >= 0`` holds
    in floating point exactly when it holds in real numbers, so ``n`` is the loop's count. At
    tau² = 0 the halving only ends in underflow, whose limit is a step of exactly zero.
    """
    below = ta + adj < 0
    if not np.count_nonzero(below):
        return adj
    neg = np.flatnonzero(below)
    adj = adj.copy()
    t, a = ta[neg], adj[neg]
    with np.errstate(all="ignore"):
        n = np.where(t > 0, np.clip(np.ceil(np.log2(-a / t)), 0, 60), 60).astype(int)
    h = np.ldexp(a, -n)
    more = (t + h < 0) & (n < 60)
    h = np.where(more, h / 2, h)
    n = n + more
    fewer = (n > 0) & (t + 2 * h >= 0)
    h = np.where(fewer, 2 * h, h)
    adj[neg] = np.where(t + h < 0, -t, h)
    return adj


def scoring_intercept(
    y: Arr, v: Arr, m: Arr, tau2: Arr, reml: bool, steps: int, tol: float
) -> tuple[Arr, Arr]:
    """Scoring then Newton on rows of shape ``(n, k)`` from ``tau2``; tau² and which converged."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _iterate(y, v, m, tau2, reml, steps, tol)


# Below this many rows a converged row stays in the batch with its step held at zero: on small
# arrays every NumPy call costs about a microsecond whatever its size, so dropping rows (seven
# fancy-index copies) costs more than computing them (leave-one-out of 13 studies: 13 rows).
_SHRINK_FROM = 64


def _iterate(
    y: Arr, v: Arr, m: Arr, tau2: Arr, reml: bool, steps: int, tol: float
) -> tuple[Arr, Arr]:
    # Written for few NumPy calls per step: on the small batches of leave-one-out and cumulative
    # analyses each call costs about a microsecond whatever its size (issue 18).
    # Sums over studies as ``one @ a``: a matrix-vector product runs across the batch several
    # times faster than ``a.sum(axis=0)``; the order of additions is all that differs.
    one = np.ones(y.shape[-1])
    tau2 = tau2.astype(float)
    converged = np.zeros(tau2.size, dtype=bool)
    active = np.arange(tau2.size)
    ya, va, ma = (np.ascontiguousarray(a.T) for a in (y, v, m))
    ta = tau2.copy()
    last = np.full(tau2.size, np.inf)  # each row's last step, which a Newton step must not pass
    newton = np.zeros(tau2.size, dtype=bool)  # rows whose last step was a Newton step
    any_newton = False
    held: Arr | None = None  # rows kept in a small batch after converging
    still = np.ones(tau2.size, dtype=bool)
    for _ in range(steps):
        w = ma / (va + ta)
        sw = one @ w
        py = w * (ya - (one @ (w * ya)) / sw)
        ypp = one @ (py * py)
        if reml:
            g, info = _reml_terms(w, sw, ypp, one)
        else:
            g = ypp - sw
            info = one @ (w * w)
        adj = g / info
        scale = 1.0 + ta
        near = np.abs(adj) <= NEWTON_FROM * scale
        took = bool(near.any())
        if took:
            # Where the scoring step is below metafor's threshold (rma.uni would stop after
            # it), a Newton step instead. d/dtau² of y'PPy is -2 y'PPPy = -2 (sum w (Py)² -
            # (sum w Py)² / sw); only the step's length depends on it, never the root.
            wpy = w * py
            swpy = one @ wpy
            slope = info - 2.0 * (one @ (wpy * py) - swpy * swpy / sw)
            step = -g / slope
            # |step| <= last (always finite) also rules out inf and nan.
            ok = near & (slope < 0) & (np.abs(step) <= last) & (ta + step >= 0)
            adj = np.where(ok, step, adj)
        else:
            ok = near  # no row is near: all False
        if held is not None:
            adj[held] = 0.0
        new = ta + adj
        # One test for the usual case (every step finite and leaving tau² >= 0; a nan fails
        # it through the minimum); otherwise metafor's corrections.
        if not (new.min() >= 0.0 and new.max() < np.inf):
            # An information that underflows to zero gives no step (as ``_estimators._scoring``).
            adj[~np.isfinite(adj)] = 0.0
            adj = _halve(ta, adj)
            new = ta + adj
        ta = new
        size = np.abs(adj)
        limit = tol * (1.0 + ta)
        still = size > limit
        if took and any_newton:
            # Two Newton steps in a row: converging quadratically, the next step would be about
            # K size² with K = size / last² (the rate the two steps show), so a row whose next
            # step would be below the tolerance has converged without taking it.
            still &= ~(ok & newton & (size * size * size <= limit * last * last))
        newton, last, any_newton = ok, size, took and bool(ok.any())
        if still.all():
            continue
        if active.size < _SHRINK_FROM:
            # Small batch: keep every row, hold the finished ones (their step is zero).
            if not still.any():
                break
            held = ~still
            continue
        tau2[active] = ta
        converged[active[~still]] = True
        if not still.any():
            return tau2, converged
        active, ta, last, newton = active[still], ta[still], last[still], newton[still]
        ya, va, ma = ya[:, still], va[:, still], ma[:, still]
    tau2[active] = ta
    converged[active[~still]] = True
    return tau2, converged
