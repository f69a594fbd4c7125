"""Properties every estimator must have, checked on generated data (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.evidence.meta import METHODS, meta_analysis
from acuneuro.evidence.sensitivity import leave_one_out

effects = st.floats(min_value=-3, max_value=3, allow_nan=False)
variances = st.floats(min_value=0.005, max_value=2.0, allow_nan=False)


@st.composite
def studies(draw: st.DrawFn, min_k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    k = draw(st.integers(min_value=min_k, max_value=12))
    y = np.array(draw(st.lists(effects, min_size=k, max_size=k)))
    v = np.array(draw(st.lists(variances, min_size=k, max_size=k)))
    return y, v


@settings(max_examples=40, deadline=None)
@given(data=studies(), method=st.sampled_from(METHODS), test=st.sampled_from(["z", "knha"]),
       seed=st.integers(0, 2**16))
def test_results_do_not_depend_on_study_order(
    data: tuple[np.ndarray, np.ndarray], method: str, test: str, seed: int
) -> None:
    y, v = data
    order = np.random.default_rng(seed).permutation(y.size)
    a = meta_analysis(y, v, method=method, test=test)
    b = meta_analysis(y[order], v[order], method=method, test=test)
    for x, z in [(a.estimate, b.estimate), (a.se, b.se), (a.tau2, b.tau2), (a.Q, b.Q),
                 (a.I2, b.I2), (a.pi[0], b.pi[0]), (a.tau2_ci[1], b.tau2_ci[1])]:
        assert np.isclose(x, z, rtol=1e-8, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(data=studies())
def test_common_effect_is_the_inverse_variance_weighted_mean(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    y, v = data
    res = meta_analysis(y, v, method="EE")
    w = 1 / v
    assert np.isclose(res.estimate, np.sum(w * y) / np.sum(w), rtol=1e-10, atol=1e-12)
    assert np.isclose(res.se, np.sqrt(1 / np.sum(w)), rtol=1e-10)
    assert res.tau2 == 0.0


@settings(max_examples=60, deadline=None)
@given(data=studies(), method=st.sampled_from(METHODS))
def test_tau2_and_its_interval_are_never_negative(
    data: tuple[np.ndarray, np.ndarray], method: str
) -> None:
    y, v = data
    res = meta_analysis(y, v, method=method)
    assert res.tau2 >= 0
    assert 0 <= res.tau2_ci[0] <= res.tau2_ci[1]
    assert 0 <= res.I2 < 100
    # metafor's common-effect H² is Q/(k-1), which can fall below 1; random-effects H² cannot.
    assert res.H2 >= 1 or (method == "EE" and np.isclose(res.H2, res.Q / (y.size - 1)))


@settings(max_examples=40, deadline=None)
@given(value=effects, v=st.lists(variances, min_size=2, max_size=12))
def test_dl_and_reml_agree_when_there_is_no_heterogeneity(value: float, v: list[float]) -> None:
    y = np.full(len(v), value)
    dl = meta_analysis(y, v, method="DL")
    reml = meta_analysis(y, v, method="REML")
    assert dl.tau2 == reml.tau2 == 0.0
    assert np.isclose(dl.estimate, reml.estimate, rtol=1e-12, atol=1e-12)
    assert np.isclose(dl.se, reml.se, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(data=studies(min_k=4), method=st.sampled_from(METHODS))
def test_batched_leave_one_out_equals_refitting_without_each_study(
    data: tuple[np.ndarray, np.ndarray], method: str
) -> None:
    y, v = data
    loo = leave_one_out(y, v, method=method)
    for i in range(y.size):
        keep = np.arange(y.size) != i
        one = meta_analysis(y[keep], v[keep], method=method)
        assert np.isclose(loo.beta[i, 0], one.estimate, rtol=1e-8, atol=1e-10)
        assert np.isclose(loo.tau2[i], one.tau2, rtol=1e-7, atol=1e-10)
