"""One analysis in Python floats (``_single``) gives what the batched engine gives (issue 18).

``meta_analysis`` takes the float path up to ``SCALAR_MAX_K`` studies; forcing either path on the
same data must give the same statistics to 1e-9 (relative; 1e-10 absolute near zero). Agreement
with metafor itself stays pinned by ``test_meta.py`` against ``reference/metafor_reference.json``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.evidence import _single, meta
from acuneuro.evidence.meta import METHODS, TESTS, MetaResult, meta_analysis

from ._reference import reference

FIELDS = ("estimate", "se", "stat", "p", "ci", "pi", "tau2", "tau2_ci", "I2", "I2_ci", "H2",
          "H2_ci", "Q", "Q_p", "weights")


def _both(y: np.ndarray, v: np.ndarray, method: str, test: str) -> tuple[MetaResult, MetaResult]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(meta, "SCALAR_MAX_K", 10**9)
        floats = meta_analysis(y, v, method=method, test=test)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(meta, "SCALAR_MAX_K", 0)
        batched = meta_analysis(y, v, method=method, test=test)
    return floats, batched


def _assert_same(a: MetaResult, b: MetaResult) -> None:
    for name in FIELDS:
        np.testing.assert_allclose(np.asarray(getattr(a, name), dtype=float),
                                   np.asarray(getattr(b, name), dtype=float),
                                   rtol=1e-9, atol=1e-10, err_msg=name)


@st.composite
def studies(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    k = draw(st.integers(min_value=2, max_value=80))
    spread = draw(st.sampled_from([0.0, 0.01, 0.5, 3.0]))
    y = np.array(draw(st.lists(st.floats(-3, 3), min_size=k, max_size=k))) * spread
    # Variances over up to eight orders of magnitude: one study can hold nearly all the weight.
    logv = draw(st.lists(st.floats(-7.0, 1.0), min_size=k, max_size=k))
    return y, 10.0 ** np.array(logv)


@settings(max_examples=150, deadline=None)
@given(data=studies(), method=st.sampled_from(METHODS), test=st.sampled_from(TESTS))
def test_the_float_path_gives_what_the_batched_engine_gives(
    data: tuple[np.ndarray, np.ndarray], method: str, test: str
) -> None:
    y, v = data
    _assert_same(*_both(y, v, method, test))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("test", TESTS)
def test_on_every_reference_dataset_the_two_paths_agree(method: str, test: str) -> None:
    for data in reference()["datasets"].values():
        y, v = np.asarray(data["yi"], dtype=float), np.asarray(data["vi"], dtype=float)
        _assert_same(*_both(y, v, method, test))


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_when_float_scoring_stalls_the_score_root_gives_the_same_tau2(
    monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    data = reference()["datasets"]["bcg_rr"]
    y, v = list(data["yi"]), list(data["vi"])
    expected = _single.tau2_single(method, y, v)
    assert expected > 0
    monkeypatch.setattr(_single, "_scoring", lambda y, v, t, reml: (0.0, False))
    assert _single.tau2_single(method, y, v) == pytest.approx(expected, rel=1e-10)


def test_a_stalled_float_scoring_grows_its_bracket_to_a_large_tau2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    y, v = [0.0, 0.0, 0.1, -0.1, 0.0, 50.0], [0.01] * 6
    expected = _single.tau2_single("REML", y, v)
    assert expected > 100
    monkeypatch.setattr(_single, "_scoring", lambda y, v, t, reml: (0.0, False))
    assert _single.tau2_single("REML", y, v) == pytest.approx(expected, rel=1e-10)


def test_newton_finishes_on_the_root_that_scoring_approaches() -> None:
    data = reference()["datasets"]["bcg_rr"]
    y, v = list(data["yi"]), list(data["vi"])
    tau2, converged = _single._scoring(y, v, 0.0, True)
    assert converged
    score, slope = _single._score(y, v, True)(tau2)
    # At the root the score is zero to rounding: its size against one Newton step's worth.
    assert abs(score / slope) < 1e-13


def test_a_zero_standard_error_divides_as_numpy_does() -> None:
    assert _single._div(1.0, 0.0) == math.inf
    assert _single._div(-1.0, 0.0) == -math.inf
    assert math.isnan(_single._div(0.0, 0.0))
    assert _single._div(1.0, 4.0) == 0.25
