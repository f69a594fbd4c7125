"""Batched intercept-only scoring (``_scoring``) finds the tau² plain Fisher scoring finds.

The general scoring of ``_estimators`` (meta-regression) still fits an intercept-only model when
given a column of ones as its design, with no Newton finish, no closed-form traces and no
closed-form step halving: the two must agree to 1e-10 (issue 18).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.evidence import _algebra, _scoring
from acuneuro.evidence._estimators import tau2_estimate


@st.composite
def batches(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 6))
    k = draw(st.integers(3, 15))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    spread = draw(st.sampled_from([0.0, 0.05, 0.5, 2.0]))
    y = rng.normal(0.0, 1.0, (n, k)) * spread
    v = 10.0 ** rng.uniform(draw(st.sampled_from([-7.0, -3.0, -1.0])), 0.5, (n, k))
    m = np.ones((n, k))
    if draw(st.booleans()):
        m[np.arange(n), rng.integers(0, k, n)] = 0.0  # leave one study out of each row
    return np.where(m > 0, y, 0.0), np.where(m > 0, v, 1.0), m


@settings(max_examples=200, deadline=None)
@given(data=batches(), method=st.sampled_from(["REML", "ML"]))
def test_intercept_scoring_agrees_with_plain_fisher_scoring_to_1e_10(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], method: str
) -> None:
    y, v, m = data
    ones = np.ones((*y.shape, 1))
    fast = tau2_estimate(method, y, v, None, m)
    plain = tau2_estimate(method, y, v, ones, m)
    np.testing.assert_allclose(fast, plain, rtol=1e-10, atol=1e-10)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), method=st.sampled_from(["REML", "ML"]))
def test_large_batches_which_drop_converged_rows_agree_with_plain_fisher_scoring(
    seed: int, method: str
) -> None:
    # Batches of at least _SHRINK_FROM rows drop converged rows; smaller ones hold them.
    rng = np.random.default_rng(seed)
    n, k = _scoring._SHRINK_FROM + 36, 8
    y = rng.normal(0.0, 1.0, (n, k)) * rng.choice([0.05, 0.5, 2.0], (n, 1))
    v = 10.0 ** rng.uniform(-3.0, 0.5, (n, k))
    m = np.ones((n, k))
    fast = tau2_estimate(method, y, v, None, m)
    plain = tau2_estimate(method, y, v, np.ones((n, k, 1)), m)
    np.testing.assert_allclose(fast, plain, rtol=1e-10, atol=1e-10)


def _halve_by_loop(ta: np.ndarray, adj: np.ndarray) -> np.ndarray:
    """The loop of ``_estimators._scoring``, as metafor halves."""
    for _ in range(60):
        neg = ta + adj < 0
        if not np.any(neg):
            break
        adj = np.where(neg, adj / 2, adj)
    return np.where(ta + adj < 0, -ta, adj)


tau2s = st.one_of(st.just(0.0), st.floats(1e-300, 1e3), st.floats(1e-12, 1.0))
steps = st.one_of(st.floats(-1e6, 1e6), st.floats(-1e-10, 1e-10))


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(tau2s, steps), min_size=1, max_size=8))
def test_closed_form_halving_takes_the_loop_s_step(pairs: list[tuple[float, float]]) -> None:
    ta = np.array([p[0] for p in pairs])
    adj = np.array([p[1] for p in pairs])
    np.testing.assert_array_equal(_scoring._halve(ta, adj), _halve_by_loop(ta, adj))


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), heavy=st.floats(1.0, 1e9))
def test_closed_form_traces_equal_the_positive_term_sums(seed: int, heavy: float) -> None:
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.1, 10.0, (9, 4))
    w[0] *= heavy  # one study holding from a fair share to nearly all the weight
    one = np.ones(w.shape[0])
    sw = one @ w
    g, info = _scoring._reml_terms(w, sw, np.zeros(w.shape[1]), one)
    proj = _algebra.project(np.zeros((w.shape[1], w.shape[0])), None, np.ascontiguousarray(w.T))
    np.testing.assert_allclose(-g, proj.tr, rtol=1e-12)
    np.testing.assert_allclose(info, proj.tr_pp, rtol=1e-11)


def test_others_subtracts_only_where_no_study_holds_half_the_weight() -> None:
    q = np.array([[0.2, 0.3, 0.5 - 1e-17, 0.0], [1 - 3e-9, 1e-9, 1e-9, 1e-9]])
    q[0] /= q[0].sum()
    flags = _algebra.lopsided(q)
    assert flags.tolist() == [False, True]
    got = _algebra._others(q, flags)
    exact = _algebra._prefix_others(q)
    np.testing.assert_allclose(got, exact, rtol=1e-15, atol=0)
    assert got[1, 0] == exact[1, 0]  # 3e-9: what 1 - q would have rounded away
