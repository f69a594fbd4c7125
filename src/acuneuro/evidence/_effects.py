"""Effect sizes and sampling variances from arm-level data, as metafor's ``escalc``.

Measures: MD (raw mean difference), SMD (Hedges' g), RR and OR (log scale), RD. Arm 1 is the
experimental arm, arm 2 the comparator; for pain scores a negative MD or SMD favours arm 1.

References
----------
Hedges LV. Distribution theory for Glass's estimator of effect size and related estimators.
J Educ Stat 1981;6:107-128 (exact bias correction ``J(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2))``).
Hedges LV, Olkin I. Statistical Methods for Meta-Analysis. Academic Press, 1985 (large-sample
variance ``1/n1 + 1/n2 + g²/(2 (n1 + n2))``, metafor's ``vtype="LS"``).
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
2010;36(3):1-48 (``escalc``: ``add=1/2, to="only0"`` for 2x2 tables with a zero cell).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln

from acuneuro.evidence._algebra import Arr

__all__ = [
    "BINARY_MEASURES",
    "CONTINUOUS_MEASURES",
    "Effects",
    "Measure",
    "binary_effects",
    "continuous_effects",
    "hedges_correction",
]

Measure = Literal["MD", "SMD", "RR", "OR", "RD", "GEN"]
CONTINUOUS_MEASURES = ("MD", "SMD")
BINARY_MEASURES = ("RR", "OR", "RD")


@dataclass(frozen=True)
class Effects:
    """Observed effects ``yi`` and their sampling variances ``vi``."""

    measure: str
    yi: Arr
    vi: Arr


def _arr(x: ArrayLike) -> Arr:
    return np.atleast_1d(np.asarray(x, dtype=float))


def hedges_correction(m: ArrayLike) -> Arr:
    """Exact small-sample correction ``J(m)`` for ``m`` degrees of freedom (NaN for m <= 1)."""
    m = _arr(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.exp(gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2))
    return np.where(m > 1, out, np.nan)


def continuous_effects(
    measure: str,
    n1: ArrayLike,
    mean1: ArrayLike,
    sd1: ArrayLike,
    n2: ArrayLike,
    mean2: ArrayLike,
    sd2: ArrayLike,
) -> Effects:
    """MD (``vi = sd1²/n1 + sd2²/n2``) or SMD (Hedges' g, exact J, ``vtype="LS"`` variance).

    An SMD that is undefined (pooled SD zero, or fewer than two degrees of freedom) is NaN.
    """
    n1a, m1, s1, n2a, m2, s2 = (_arr(a) for a in (n1, mean1, sd1, n2, mean2, sd2))
    if np.any(n1a <= 0) or np.any(n2a <= 0):
        raise ValueError("group sizes must be positive")
    if np.any(s1 < 0) or np.any(s2 < 0):
        raise ValueError("standard deviations must not be negative")
    if measure == "MD":
        return Effects("MD", m1 - m2, s1**2 / n1a + s2**2 / n2a)
    if measure == "SMD":
        # Two one-person arms or zero SDs leave g undefined: NaN, which callers refuse.
        with np.errstate(all="ignore"):
            df = n1a + n2a - 2
            sp = np.sqrt(((n1a - 1) * s1**2 + (n2a - 1) * s2**2) / df)
            g = hedges_correction(df) * (m1 - m2) / sp
            vi = 1 / n1a + 1 / n2a + g**2 / (2 * (n1a + n2a))
        return Effects("SMD", g, vi)
    raise ValueError(f"measure {measure!r} is not a continuous measure (MD, SMD)")


def binary_effects(
    measure: str,
    events1: ArrayLike,
    n1: ArrayLike,
    events2: ArrayLike,
    n2: ArrayLike,
) -> Effects:
    """log RR, log OR or RD from 2x2 tables; 1/2 is added to every cell of a table with a zero."""
    a, n1a, c, n2a = (_arr(x) for x in (events1, n1, events2, n2))
    if np.any(a < 0) or np.any(c < 0):
        raise ValueError("event counts must not be negative")
    if np.any(a > n1a) or np.any(c > n2a):
        raise ValueError("events cannot exceed the group size")
    b, d = n1a - a, n2a - c
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    add = np.where(zero, 0.5, 0.0)
    a, b, c, d = a + add, b + add, c + add, d + add
    n1a, n2a = a + b, c + d
    p1, p2 = a / n1a, c / n2a
    if measure == "RR":
        return Effects("RR", np.log(p1) - np.log(p2), 1 / a - 1 / n1a + 1 / c - 1 / n2a)
    if measure == "OR":
        return Effects("OR", np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d)
    if measure == "RD":
        return Effects("RD", p1 - p2, p1 * (1 - p1) / n1a + p2 * (1 - p2) / n2a)
    raise ValueError(f"measure {measure!r} is not a binary measure (RR, OR, RD)")
