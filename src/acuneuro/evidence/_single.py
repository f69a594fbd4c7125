"""One intercept-only meta-analysis in Python floats: the batched engine, step for step.

``meta_analysis`` fits one model of a dozen studies. The batched engine (``_fit``,
``_estimators``, ``_heterogeneity``) spends almost all of such a fit in NumPy's per-call
overhead (about a microsecond a call on 13-element arrays, some 700 calls per REML analysis),
not in arithmetic. Here the same formulas run over Python lists: every estimator, the Fisher
scoring with its step halving, its safeguarded-Newton fallback and metafor's ``ll0check``, the
Q-profile root searches, the tests and intervals. Only the order of additions differs from
NumPy's pairwise sums (a few units in the last place), so values agree with the batched engine
to about 1e-11 (``tests/evidence/test_single.py`` checks 1e-9 relative on generated data, with
variances over eight orders of magnitude) and with metafor as before
(``tests/evidence/reference``, unchanged).

Two changes of algorithm, each with the same answer:

- Fisher scoring (metafor's own iteration, Viechtbauer 2005) runs until its step is below
  metafor's convergence threshold (``1e-5``: ``rma.uni`` stops after that step); from the
  point where such a step was computed, Newton steps with the exact derivative of the score
  (the observed information, Viechtbauer 2005) finish tau² to the engine's tolerance of 1e-12.
  Newton from a point that close converges quadratically to the same root of the score
  equation that the remaining scoring steps would approach linearly, so the estimator (the
  zero-truncated root reached by Fisher scoring from the Hedges start, as ``rma.uni``) is
  unchanged; a Newton step that goes uphill in the wrong direction (slope of the score not
  negative), grows, or leaves tau² >= 0 is replaced by the scoring step; after two Newton
  steps in a row a step they predict below the tolerance is not taken (``_scoring``). On
  ``dat.bcg`` scoring needed 7 steps to 1e-12; now 4. ``tests/evidence/test_scoring.py``
  pins the batched form against plain scoring to 1e-10.
- ``tr(P)`` and ``tr(PP)`` use closed forms in the weights' shares ``q`` while no study holds
  more than half the weight (``sum q² <= 1/4``), where they lose at most a few units in the last
  place; otherwise the prefix-sum forms kept for variance ratios of 1e8 (``_reml_terms``).

References
----------
Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the random-effects
model. J Educ Behav Stat 2005;30:261-293 (ML and REML, Fisher scoring, the score equations).
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
2010;36(3):1-48 (``rma.uni``, ``predict``, ``confint``: what is computed here).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import mul

from scipy import special

__all__ = ["SCALAR_MAX_K", "Single", "fit_single", "q_profile_single", "tau2_single"]

# Above this many studies NumPy's vectorised arithmetic beats Python's loop (measured, one REML
# analysis in CPU time: k = 13 0.13 vs 0.57 ms, k = 64 0.34 vs 0.62 ms, k = 128 0.65 vs 0.69 ms);
# the batched engine then fits the single analysis.
SCALAR_MAX_K = 128

_TOL = 1e-12  # as _estimators
_MAXITER = 500
_DOUBLINGS = 60
_SCORING_STEPS = 100
_LL0_TOL = 2.220446049250313e-16 ** 0.25
_LL0_THRESHOLD = 1e-5
_EPS = 2.220446049250313e-16
_NEWTON_FROM = 1e-5  # metafor's threshold: scoring hands over to Newton below this step
_LOG_2PI = math.log(2 * math.pi)

Fn = Callable[[float], tuple[float, float]]
Single = dict[str, float | list[float]]


def _others(a: list[float]) -> list[float]:
    """For each study the sum over the other studies, by prefix and suffix sums (no subtraction).

    As ``_algebra._others``: ``sum(a) - a_i`` would lose every digit where one study holds
    nearly all the weight.
    """
    out = []
    s = 0.0
    for x in a:
        out.append(s)
        s += x
    s = 0.0
    for i in range(len(a) - 1, -1, -1):
        out[i] += s
        s += a[i]
    return out


def _wls(y: list[float], w: list[float]) -> tuple[float, float, list[float]]:
    """Sum of weights, weighted mean and ``P y`` of the intercept-only model."""
    sw = sum(w)
    mu = _rss(w, y) / sw
    return sw, mu, [wi * (yi - mu) for wi, yi in zip(w, y, strict=True)]


def _rss(py: list[float], y: list[float]) -> float:
    """``sum(py_i * y_i)``; ``map(mul, ...)`` skips the per-element bytecode of a comprehension."""
    total: float = sum(map(mul, py, y))
    return total


def _trace(w: list[float], sw: float) -> tuple[float, list[float], list[float]]:
    """``tr(P)`` with ``q = w / sw`` and ``rest_i = 1 - q_i`` (as ``_algebra._intercept``)."""
    q = [wi / sw for wi in w]
    rest = _others(q)
    return _rss(w, rest), q, rest


def _tr_pp(sw: float, q: list[float], rest: list[float]) -> float:
    """``tr(PP) = sw² Σ q_i² ((1 - q_i)² + Σ_{j≠i} q_j²)`` (``Projection.tr_pp``)."""
    q2 = [x * x for x in q]
    o2 = _others(q2)
    return sw**2 * sum([a * (r * r + o) for a, r, o in zip(q2, rest, o2, strict=True)])


def _q(t: float, y: list[float], v: list[float]) -> tuple[float, float]:
    """Generalised Q at tau² ``t`` and its derivative ``-y'PPy`` (``qe_generalised``)."""
    _, _, py = _wls(y, [1.0 / (vi + t) for vi in v])
    return _rss(py, y), -_rss(py, py)


def _root(fn: Fn, a: float, b: float, first: tuple[float, float] | None = None) -> float:
    """``_estimators._scalar_root``: bracketed Newton, bisecting a step that leaves the bracket.

    ``first`` is ``fn(a)`` when the caller has it already (the same path, one evaluation less).
    """
    x = a
    for i in range(_MAXITER):
        f, df = first if i == 0 and first is not None else fn(x)
        if f == 0:
            return x
        a, b = (x, b) if f > 0 else (a, x)
        new = x - f / df if df != 0 else math.nan
        if not math.isfinite(new) or new <= a or new >= b:
            new = 0.5 * (a + b)
        done = abs(new - x) <= _TOL * (1.0 + abs(x))
        x = new
        if done:
            break
    return x


def _solve_q(
    y: list[float], v: list[float], target: float, lo: float, hi: float,
    q_lo: tuple[float, float] | None = None,
) -> float:
    """``_estimators.solve_q``: Newton on ``1/target - 1/Q`` inside ``[lo, hi]``.

    ``q_lo``: Q and its derivative at ``lo`` if already known.
    """

    def fn(t: float, known: tuple[float, float] | None = None) -> tuple[float, float]:
        q, dq = _q(t, y, v) if known is None else known
        if q == 0:
            return -math.inf, math.nan  # NumPy's -inf and nan: the bracket then bisects
        return 1.0 / target - 1.0 / q, dq / (q * q)

    return _root(fn, lo, hi, None if q_lo is None else fn(lo, q_lo))


def _median(a: list[float]) -> float:
    s = sorted(a)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _tau2_max(y: list[float]) -> float:
    med = _median(y)
    mad = 1.4826 * _median([abs(x - med) for x in y])
    return max(100.0, 10.0 * mad**2)


def _he(y: list[float], v: list[float]) -> float:
    k = len(y)
    _, _, py = _wls(y, [1.0] * k)
    rest = _others([1.0 / k] * k)
    return (_rss(py, y) - _rss(rest, v)) / (k - 1)


def _dl(y: list[float], v: list[float]) -> float:
    w = [1.0 / vi for vi in v]
    sw, _, py = _wls(y, w)
    tr, _, _ = _trace(w, sw)
    return max(0.0, (_rss(py, y) - (len(y) - 1)) / tr)


def _sj(y: list[float], v: list[float]) -> float:
    k = len(y)
    mean = sum(y) / k
    t0 = sum([(x - mean) ** 2 for x in y]) / k
    _, _, py = _wls(y, [1.0 / (vi + t0) for vi in v])
    return max(0.0, t0 * _rss(py, y) / (k - 1))


def _pm(y: list[float], v: list[float]) -> float:
    target = float(len(y) - 1)
    if _q(0.0, y, v)[0] < target:
        return 0.0
    return _solve_q(y, v, target, 0.0, _tau2_max(y))


def _score(y: list[float], v: list[float], reml: bool) -> Fn:
    """``_estimators._score``: twice the score in tau² and its derivative."""

    def fn(t: float) -> tuple[float, float]:
        w = [1.0 / (vi + t) for vi in v]
        sw, _, py = _wls(y, w)
        tr, q, rest = _trace(w, sw)
        ppy = _wls(py, w)[2]
        ypp = _rss(py, py)
        d_ypp = -2 * _rss(py, ppy)
        if reml:
            return ypp - tr, d_ypp + _tr_pp(sw, q, rest)
        return ypp - sw, d_ypp + _rss(w, w)

    return fn


def _loglik(y: list[float], v: list[float], t: float, reml: bool) -> float:
    """``_estimators._loglik`` for the intercept-only model."""
    k = len(y)
    w = [1.0 / (vi + t) for vi in v]
    sw, mu, _ = _wls(y, w)
    rss = sum([wi * (yi - mu) ** 2 for wi, yi in zip(w, y, strict=True)])
    logv = sum([math.log(vi + t) for vi in v])
    if not reml:
        return -0.5 * k * _LOG_2PI - 0.5 * logv - 0.5 * rss
    return -0.5 * (k - 1) * _LOG_2PI - 0.5 * logv - 0.5 * math.log(sw) - 0.5 * rss


def _reml_terms(w: list[float], sw: float, ypp: float) -> tuple[float, float]:
    """``y'PPy - tr(P)`` and ``tr(PP)``: closed forms unless one study holds most of the weight.

    As ``_scoring._reml_terms``: with ``S2 = sum q²``, ``S3 = sum q³`` (``q = w / sw``),
    ``tr(P) = sw (1 - S2)`` and ``tr(PP) = sw² (S2 - 2 S3 + S2²)`` lose at most a few units in
    the last place while ``S2 <= 1/4``; otherwise the positive-term sums of ``_trace``/``_tr_pp``.
    """
    w2 = [x * x for x in w]
    s2 = sum(w2) / (sw * sw)
    if s2 > 0.25:
        tr, q, rest = _trace(w, sw)
        return ypp - tr, _tr_pp(sw, q, rest)
    s3 = _rss(w2, w) / (sw * sw * sw)
    return ypp - sw * (1.0 - s2), sw * sw * (s2 - 2.0 * s3 + s2 * s2)


def _scoring(y: list[float], v: list[float], t: float, reml: bool) -> tuple[float, bool]:
    """Fisher scoring from ``t`` (``_estimators._scoring``), finished by Newton (module doc)."""
    last = math.inf
    newton = False  # the last step was a Newton step
    for _ in range(_SCORING_STEPS):
        w = [1.0 / (vi + t) for vi in v]
        sw, _, py = _wls(y, w)
        ypp = _rss(py, py)
        if reml:
            g, info = _reml_terms(w, sw, ypp)
        else:
            g, info = ypp - sw, _rss(w, w)
        adj = g / info if info != 0 else math.nan
        took = False
        if abs(adj) <= _NEWTON_FROM * (1.0 + t):  # never for a nan step
            # Where the scoring step is below metafor's threshold (rma.uni would stop after
            # it), a Newton step instead, with the exact derivative of g: -2 y'PPPy + tr(PP)
            # (REML) or + sum w² (ML), y'PPPy = sum w (Py)² - (sum w Py)² / sw. Only the
            # step's length depends on it; an unsafe step leaves the scoring step.
            wpy = list(map(mul, w, py))
            slope = info - 2 * (_rss(wpy, py) - sum(wpy) ** 2 / sw)
            step = -g / slope if slope < 0 else math.nan
            if math.isfinite(step) and t + step >= 0 and abs(step) <= last:
                adj, took = step, True
        if not math.isfinite(adj):
            adj = 0.0  # an information that underflows to zero gives no step
        if t == 0 and adj < 0:
            adj = 0.0  # where the 60 halvings below end at tau² = 0
        for _ in range(60):
            if t + adj >= 0:
                break
            adj /= 2
        if t + adj < 0:
            adj = -t
        new = t + adj
        size, limit = abs(adj), _TOL * (1.0 + new)
        # After two Newton steps in a row the next would be about size³ / last² (quadratic
        # convergence at the rate the two show): below the tolerance, it need not be taken.
        if size <= limit or (took and newton and size * size * size <= limit * last * last):
            return new, True
        newton, last = took, size
        t = new
    return t, False


def tau2_single(method: str, y: list[float], v: list[float]) -> float:
    """tau² of one intercept-only analysis by ``method`` (``_estimators.tau2_estimate``)."""
    if method == "EE":
        return 0.0
    if method == "DL":
        return _dl(y, v)
    if method == "HE":
        return max(0.0, _he(y, v))
    if method == "SJ":
        return _sj(y, v)
    if method == "PM":
        return _pm(y, v)
    reml = method == "REML"
    if not reml and method != "ML":
        raise ValueError(f"unknown method {method!r}")
    tau2, converged = _scoring(y, v, max(0.0, _he(y, v)), reml)
    if not converged:
        score = _score(y, v, reml)
        hi = max(_tau2_max(y), 2 * tau2)
        for _ in range(_DOUBLINGS):
            if not score(hi)[0] > 0:
                break
            hi *= 2
        tau2 = 0.0 if score(0.0)[0] <= 0 else _root(score, 0.0, hi)
    tau2 = max(0.0, tau2)
    if tau2 > _LL0_THRESHOLD and _loglik(y, v, 0.0, reml) - _loglik(y, v, tau2, reml) > _LL0_TOL:
        return 0.0
    return tau2


def _div(a: float, b: float) -> float:
    """``a / b`` as NumPy divides (a zero standard error gives inf or nan, not an exception)."""
    if b != 0:
        return a / b
    return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)


def fit_single(y: list[float], v: list[float], method: str, test: str, level: float) -> Single:
    """Every statistic of ``_fit.fit_batch`` for one intercept-only analysis."""
    k = len(y)
    df = k - 1
    tau2 = tau2_single(method, y, v)
    w = [1.0 / (vi + tau2) for vi in v]
    sw, beta, py = _wls(y, w)
    vb = 1.0 / sw
    alpha = 1.0 - level
    if test == "knha":
        rss = _rss(py, y)
        vb *= 0.0 if rss <= _EPS else rss / df
        crit = -float(special.stdtrit(df, alpha / 2))
    else:
        crit = -float(special.ndtri(alpha / 2))
    se = math.sqrt(vb)
    stat = _div(beta, se)
    z = abs(stat)
    pval = 2 * float(special.stdtr(df, -z) if test == "knha" else special.ndtr(-z))
    wf = [1.0 / vi for vi in v]
    sf, _, pyf = _wls(y, wf)
    big_q = max(0.0, _rss(pyf, y))
    vt = df / _trace(wf, sf)[0]
    if method == "EE":
        i2 = max(0.0, 100 * (big_q - df) / big_q) if big_q > 0 else 0.0
        h2 = big_q / df
    else:
        i2 = 100 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1
    half_pi = crit * math.sqrt(se**2 + tau2)
    return {
        "tau2": tau2, "beta": beta, "se": se, "stat": stat, "pval": pval,
        "ci_lb": beta - crit * se, "ci_ub": beta + crit * se,
        "pi_lb": beta - half_pi, "pi_ub": beta + half_pi,
        "Q": big_q, "Q_p": float(special.chdtrc(df, big_q)), "I2": i2, "H2": h2, "vt": vt,
        "weights": [100 * wi / sw for wi in w],
    }


def q_profile_single(
    y: list[float], v: list[float], tau2_hat: float, level: float
) -> tuple[float, float]:
    """Q-profile bounds of tau² (``_heterogeneity.q_profile``), each root sought only if used."""
    df = len(y) - 1
    alpha = 1.0 - level
    crit_u = 2.0 * float(special.gammainccinv(df / 2, alpha / 2))
    crit_l = 2.0 * float(special.gammaincinv(df / 2, alpha / 2))
    hi = max(100.0, 10.0 * tau2_hat)
    at_zero = _q(0.0, y, v)
    q_lo = at_zero[0]
    q_hi = _q(hi, y, v)[0]
    if q_hi > crit_u:
        return hi, hi
    if q_lo < crit_l:
        upper = 0.0
    elif q_hi > crit_l:
        upper = hi
    else:
        upper = _solve_q(y, v, crit_l, 0.0, hi, at_zero)
    lower = 0.0 if q_lo < crit_u else _solve_q(y, v, crit_u, 0.0, hi, at_zero)
    return lower, upper
