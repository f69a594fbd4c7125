"""tau² estimators: the score-root fallback behind Fisher scoring, and its safeguards."""

from __future__ import annotations

import numpy as np
import pytest

from acuneuro.evidence import _estimators
from acuneuro.evidence._algebra import Arr
from acuneuro.evidence._estimators import tau2_estimate

from ._reference import reference

# One study far from five that agree: tau² lies far above the fallback's first bracket (100).
OUTLIER_Y = np.array([0.0, 0.0, 0.1, -0.1, 0.0, 50.0])
OUTLIER_V = np.full(6, 0.01)


def _bcg() -> tuple[Arr, Arr]:
    data = reference()["datasets"]["bcg_rr"]
    return np.asarray(data["yi"], dtype=float), np.asarray(data["vi"], dtype=float)


def _stall_scoring(monkeypatch: pytest.MonkeyPatch, start: float | None = None) -> None:
    """Make Fisher scoring report that no row converged (from its answer, or from ``start``)."""
    real = _estimators._scoring

    def stalled(y: Arr, v: Arr, X: Arr | None, m: Arr, tau2: Arr, reml: bool) -> tuple[Arr, Arr]:
        found, _ = real(y, v, X, m, tau2, reml)
        out = found if start is None else np.full_like(found, start)
        return out, np.zeros(found.size, dtype=bool)

    monkeypatch.setattr(_estimators, "_scoring", stalled)


@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize("moderator", [False, True], ids=["intercept", "moderator"])
def test_when_fisher_scoring_stalls_the_score_root_gives_the_same_tau2(
    monkeypatch: pytest.MonkeyPatch, method: str, moderator: bool
) -> None:
    y, v = _bcg()
    m = np.ones_like(y)
    X = np.column_stack([np.ones_like(y), np.arange(y.size, dtype=float)]) if moderator else None
    expected = tau2_estimate(method, y, v, X, m)
    assert expected > 0
    _stall_scoring(monkeypatch)
    assert tau2_estimate(method, y, v, X, m) == pytest.approx(expected, rel=1e-8)


def test_the_fallback_grows_its_bracket_to_reach_a_large_tau2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    m = np.ones_like(OUTLIER_Y)
    expected = tau2_estimate("REML", OUTLIER_Y, OUTLIER_V, None, m)
    assert expected > 100
    _stall_scoring(monkeypatch, start=0.0)
    assert tau2_estimate("REML", OUTLIER_Y, OUTLIER_V, None, m) == pytest.approx(expected)


def test_a_bracket_that_may_not_grow_caps_tau2_at_its_upper_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    m = np.ones_like(OUTLIER_Y)
    _stall_scoring(monkeypatch, start=0.0)
    monkeypatch.setattr(_estimators, "_DOUBLINGS", 0)
    capped = tau2_estimate("REML", OUTLIER_Y, OUTLIER_V, None, m)
    assert 0 < capped <= 100


def test_a_root_search_cut_short_stays_inside_its_bracket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fn(x: Arr) -> tuple[Arr, Arr]:
        return 4.0 - x**2, -2.0 * x  # root at 2; the derivative is zero at the start

    lo, hi = np.array([0.0]), np.array([10.0])
    assert _estimators._bracketed_root(fn, lo, hi) == pytest.approx([2.0])
    monkeypatch.setattr(_estimators, "_MAXITER", 1)
    cut = _estimators._bracketed_root(fn, lo, hi)
    assert np.all((lo <= cut) & (cut <= hi)) and np.all(np.isfinite(cut))


def test_an_unknown_estimator_is_refused_with_the_known_ones() -> None:
    y, v = _bcg()
    with pytest.raises(ValueError, match="unknown method 'XX'; use one of EE, DL"):
        tau2_estimate("XX", y, v, None, np.ones_like(y))
