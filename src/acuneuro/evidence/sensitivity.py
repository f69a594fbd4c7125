"""Leave-one-out, cumulative, subgroup and bootstrap analyses, each a single batched fit.

References
----------
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
2010;36(3):1-48 (``leave1out``, ``cumul``).
Viechtbauer W, Cheung MWL. Outlier and influence diagnostics for meta-analysis. Res Synth
Methods 2010;1:112-125.
Borenstein M, Hedges LV, Higgins JPT, Rothstein HR. Introduction to Meta-Analysis. Wiley,
2009, ch. 19 (subgroups with separate tau², compared by a Q test between subgroups).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from acuneuro.evidence._algebra import Arr
from acuneuro.evidence._fit import BatchFit, fit_batch
from acuneuro.evidence.meta import MetaResult, meta_analysis

__all__ = [
    "MAX_BATCH_CELLS",
    "SubgroupAnalysis",
    "bootstrap",
    "cumulative",
    "leave_one_out",
    "subgroups",
]


# A batch of n fits of k studies holds a few (n, k) arrays and iterates over them: 4 million
# cells (32 MB an array) bound one call to well under a minute. Leave-one-out and cumulative
# fits are k x k, so they stop at 2,000 studies; a bootstrap at replicates x k = 4 million.
# Design choice (issue 13: no single analysis may stall or exhaust the server).
MAX_BATCH_CELLS = 4_000_000


def _bounded(fits: int, k: int, what: str) -> None:
    if fits * k > MAX_BATCH_CELLS:
        raise ValueError(f"{what}: {fits:,} fits of {k:,} studies is over the limit of "
                         f"{MAX_BATCH_CELLS:,} study-fits for one analysis")


def _arrays(yi: ArrayLike, vi: ArrayLike) -> tuple[Arr, Arr]:
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim != 1 or y.shape != v.shape:
        raise ValueError("yi and vi must be one-dimensional and of equal length")
    return y, v


def leave_one_out(
    yi: ArrayLike, vi: ArrayLike, *, method: str = "REML", test: str = "z", level: float = 0.95
) -> BatchFit:
    """Row ``i`` of the result is the fit without study ``i`` (metafor's ``leave1out``)."""
    y, v = _arrays(yi, vi)
    k = y.size
    if k < 3:
        raise ValueError("leave-one-out needs at least 3 studies")
    _bounded(k, k, "leave-one-out")
    mask = 1.0 - np.eye(k)
    batch_y = np.broadcast_to(y, (k, k))
    batch_v = np.broadcast_to(v, (k, k))
    return fit_batch(batch_y, batch_v, method=method, test=test, mask=mask, level=level)


def cumulative(
    yi: ArrayLike, vi: ArrayLike, *, method: str = "REML", test: str = "z", level: float = 0.95
) -> BatchFit:
    """Row ``j`` is the fit of studies ``0..j+1`` in the given order (metafor's ``cumul``).

    The first study alone has no model, so row 0 is the fit of the first two studies.
    """
    y, v = _arrays(yi, vi)
    k = y.size
    if k < 2:
        raise ValueError("a cumulative analysis needs at least 2 studies")
    _bounded(k - 1, k, "cumulative analysis")
    mask = np.tril(np.ones((k, k)))[1:]
    batch_y = np.broadcast_to(y, (k - 1, k))
    batch_v = np.broadcast_to(v, (k - 1, k))
    return fit_batch(batch_y, batch_v, method=method, test=test, mask=mask, level=level)


def bootstrap(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    replicates: int,
    seed: int,
    method: str = "REML",
    test: str = "z",
) -> BatchFit:
    """Non-parametric case bootstrap: ``replicates`` fits of studies drawn with replacement.

    Resamples with fewer than two distinct studies are redrawn so that every fit is defined.
    """
    y, v = _arrays(yi, vi)
    k = y.size
    _bounded(replicates, k, "bootstrap")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, k, size=(replicates, k))
    for _ in range(100):
        degenerate = np.all(idx == idx[:, :1], axis=1)
        if not np.any(degenerate):
            break
        idx[degenerate] = rng.integers(0, k, size=(int(degenerate.sum()), k))
    return fit_batch(y[idx], v[idx], method=method, test=test)


@dataclass(frozen=True)
class SubgroupAnalysis:
    """One model per subgroup and the test of differences between their pooled effects."""

    groups: dict[str, MetaResult]
    Q_between: float
    df: int
    p: float


def subgroups(
    yi: ArrayLike,
    vi: ArrayLike,
    groups: Sequence[str],
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
) -> SubgroupAnalysis:
    """Separate models per subgroup (own tau²), then ``Q_b = sum w_g (b_g - b_EE)²``.

    ``Q_b`` is the heterogeneity Q of a common-effect model of the subgroup estimates with
    weights ``1/se_g²``; it has ``G - 1`` df. Subgroups with fewer than two studies are refused.
    """
    y, v = _arrays(yi, vi)
    labels = np.asarray(list(groups))
    if labels.shape != y.shape:
        raise ValueError("groups must give one label per study")
    names = sorted(set(labels.tolist()))
    if len(names) < 2:
        raise ValueError("a subgroup analysis needs at least two subgroups")
    fits = {
        name: meta_analysis(
            y[labels == name], v[labels == name], method=method, test=test, level=level
        )
        for name in names
    }
    est = np.array([f.estimate for f in fits.values()])
    w = 1 / np.array([f.se for f in fits.values()]) ** 2
    pooled = np.sum(w * est) / np.sum(w)
    q_b = float(np.sum(w * (est - pooled) ** 2))
    df = len(names) - 1
    return SubgroupAnalysis(groups=fits, Q_between=q_b, df=df, p=float(stats.chi2.sf(q_b, df)))
