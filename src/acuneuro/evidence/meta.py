"""One meta-analysis, every statistic a methodologist reads: the public face of the engine.

``meta_analysis(yi, vi)`` fits the intercept-only model of metafor's ``rma.uni`` and adds what
``predict`` and ``confint`` report. Defaults are REML and the z test, metafor's defaults; the
Knapp-Hartung test (``test="knha"``) is the better choice with few studies.

References
----------
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
2010;36(3):1-48. doi:10.18637/jss.v036.i03
Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the random-effects
model. J Educ Behav Stat 2005;30:261-293.
Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of random-effects meta-analysis.
J R Stat Soc A 2009;172:137-159 (prediction interval).
IntHout J, Ioannidis JPA, Borm GF. The Hartung-Knapp-Sidik-Jonkman method for random effects
meta-analysis is straightforward and considerably outperforms the standard DerSimonian-Laird
method. BMC Med Res Methodol 2014;14:25.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike

from acuneuro.evidence._fit import fit_batch
from acuneuro.evidence._heterogeneity import q_profile
from acuneuro.evidence._single import SCALAR_MAX_K, fit_single, q_profile_single

__all__ = ["METHODS", "TESTS", "MetaResult", "meta_analysis"]

METHODS = ("EE", "DL", "REML", "PM", "ML", "HE", "SJ")
TESTS = ("z", "knha")


def _pair(lo: Any, hi: Any) -> tuple[float, float]:
    return (float(lo), float(hi))


@dataclass(frozen=True)
class MetaResult:
    """A fitted intercept-only model (effects on the analysis scale: log for RR and OR)."""

    measure: str
    method: str
    test: str
    level: float
    k: int
    estimate: float
    se: float
    stat: float  # z, or t with k - 1 df under Knapp-Hartung
    p: float
    ci: tuple[float, float]
    pi: tuple[float, float]
    tau2: float
    tau2_ci: tuple[float, float]
    I2: float  # percent
    I2_ci: tuple[float, float]
    H2: float
    H2_ci: tuple[float, float]
    Q: float
    Q_df: int
    Q_p: float
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    weights: tuple[float, ...]  # percent
    labels: tuple[str, ...] = field(default=())

    @property
    def ratio(self) -> bool:
        """Whether the measure is a log ratio (RR, OR) to be shown back-transformed."""
        return self.measure in ("RR", "OR")

    def summary(self) -> dict[str, Any]:
        """The CLI's JSON contract; ratios add an ``exp`` object with back-transformed values."""
        out: dict[str, Any] = {
            "k": self.k,
            "measure": self.measure,
            "method": self.method,
            "test": self.test,
            "estimate": self.estimate,
            "se": self.se,
            "ci": list(self.ci),
            "pi": list(self.pi),
            "tau2": self.tau2,
            "tau2_ci": list(self.tau2_ci),
            "I2": self.I2,
            "I2_ci": list(self.I2_ci),
            "H2": self.H2,
            "Q": self.Q,
            "Q_df": self.Q_df,
            "Q_p": self.Q_p,
            "p": self.p,
            "stat": self.stat,
            "level": self.level,
        }
        if self.ratio:
            out["exp"] = {
                "estimate": math.exp(self.estimate),
                "ci": [math.exp(x) for x in self.ci],
                "pi": [math.exp(x) for x in self.pi],
            }
        return out


def meta_analysis(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    measure: str = "GEN",
    labels: tuple[str, ...] | list[str] = (),
) -> MetaResult:
    """Fit one meta-analysis of effects ``yi`` with sampling variances ``vi``.

    ``method``: EE (common effect), DL, REML, PM, ML, HE, SJ. ``test``: ``"z"`` or ``"knha"``.
    Raises ``ValueError`` for fewer than two studies, non-finite values or variances <= 0.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    y = np.atleast_1d(np.asarray(yi, dtype=float))
    v = np.atleast_1d(np.asarray(vi, dtype=float))
    if y.ndim != 1 or y.shape != v.shape:
        raise ValueError("yi and vi must be one-dimensional and of equal length")
    if y.size < 2:
        raise ValueError(f"a meta-analysis needs at least 2 studies, got {y.size}")
    # The checks on Python floats: a dozen numbers cost less than the NumPy calls would.
    ys, vs = y.tolist(), v.tolist()
    if not (all(map(math.isfinite, ys)) and all(map(math.isfinite, vs))):
        raise ValueError("yi and vi must be finite numbers")
    if min(vs) <= 0:
        raise ValueError("sampling variances must be positive")
    if y.size <= SCALAR_MAX_K:
        return _single_result(ys, vs, method, test, level, measure, labels)
    fit = fit_batch(y, v, method=method, test=test, level=level)
    het = q_profile(y, v, fit.tau2, fit.vt, level=level)
    return MetaResult(
        measure=measure,
        method=method,
        test=test,
        level=level,
        k=y.size,
        estimate=float(fit.beta[0]),
        se=float(fit.se[0]),
        stat=float(fit.stat[0]),
        p=float(fit.pval[0]),
        ci=_pair(fit.ci_lb[0], fit.ci_ub[0]),
        pi=_pair(fit.pi_lb, fit.pi_ub),
        tau2=float(fit.tau2),
        tau2_ci=_pair(*het.tau2),
        I2=float(fit.I2),
        I2_ci=_pair(*het.I2),
        H2=float(fit.H2),
        H2_ci=_pair(*het.H2),
        Q=float(fit.Q),
        Q_df=y.size - 1,
        Q_p=float(fit.Q_p),
        yi=tuple(float(x) for x in y),
        vi=tuple(float(x) for x in v),
        weights=tuple(float(x) for x in fit.weights),
        labels=tuple(labels),
    )


def _single_result(
    y: list[float],
    v: list[float],
    method: str,
    test: str,
    level: float,
    measure: str,
    labels: tuple[str, ...] | list[str],
) -> MetaResult:
    """The same result from ``_single`` (Python floats; see its docstring for why)."""
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; use z or knha")
    fit = fit_single(y, v, method, test, level)
    tau2, vt = cast(float, fit["tau2"]), cast(float, fit["vt"])
    lower, upper = q_profile_single(y, v, tau2, level)
    return MetaResult(
        measure=measure,
        method=method,
        test=test,
        level=level,
        k=len(y),
        estimate=cast(float, fit["beta"]),
        se=cast(float, fit["se"]),
        stat=cast(float, fit["stat"]),
        p=cast(float, fit["pval"]),
        ci=(cast(float, fit["ci_lb"]), cast(float, fit["ci_ub"])),
        pi=(cast(float, fit["pi_lb"]), cast(float, fit["pi_ub"])),
        tau2=tau2,
        tau2_ci=(lower, upper),
        I2=cast(float, fit["I2"]),
        I2_ci=(100 * lower / (vt + lower), 100 * upper / (vt + upper)),
        H2=cast(float, fit["H2"]),
        H2_ci=(lower / vt + 1, upper / vt + 1),
        Q=cast(float, fit["Q"]),
        Q_df=len(y) - 1,
        Q_p=cast(float, fit["Q_p"]),
        yi=tuple(y),
        vi=tuple(v),
        weights=tuple(cast(list[float], fit["weights"])),
        labels=tuple(labels),
    )
