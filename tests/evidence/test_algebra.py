"""The projection never builds ``P`` yet gives what the dense ``k x k`` form gives (issue 13).

The dense form below is the textbook ``P = W - W X (X'WX)^-1 X'W`` (Viechtbauer 2010), the one
``evidence._algebra`` used before it was made linear in ``k``; every by-product must agree with
it to 1e-9 on arbitrary designs and weights. Agreement with metafor itself is
``tests/evidence/test_meta.py`` and ``test_bias.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.evidence._algebra import project
from acuneuro.evidence.sensitivity import MAX_BATCH_CELLS, bootstrap, cumulative, leave_one_out

EPS = float(np.finfo(float).eps)
RTOL, ATOL = 1e-9, 1e-12


def _dense(y: np.ndarray, X: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    W = np.diag(w)
    inv = np.linalg.inv(X.T @ W @ X)
    P = W - W @ X @ inv @ X.T @ W
    return {"Py": P @ y, "diag": np.diag(P), "tr": np.array(np.trace(P)),
            "tr_pp": np.array(np.sum(P * P)), "beta": inv @ X.T @ W @ y, "PPy": P @ P @ y}


@st.composite
def designs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = draw(st.integers(3, 40))
    p = draw(st.integers(1, 3))
    finite = st.floats(-5, 5, allow_nan=False)
    y = np.array(draw(st.lists(finite, min_size=k, max_size=k)))
    extra = np.array(draw(st.lists(st.lists(finite, min_size=p - 1, max_size=p - 1),
                                   min_size=k, max_size=k))).reshape(k, p - 1)
    X = np.column_stack([np.ones(k), extra])
    w = np.array(draw(st.lists(st.floats(0.05, 50), min_size=k, max_size=k)))
    return y, X, w


@settings(max_examples=300, deadline=None)
@given(designs())
def test_the_linear_projection_equals_the_dense_matrix_to_1e_9(
    case: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    y, X, w = case
    cond = float(np.linalg.cond(X.T @ np.diag(w) @ X))
    if cond > 1e8:
        return  # a near-singular design: both forms are ill-posed, neither is the reference
    dense = _dense(y, X, w)
    proj = project(y, X, w)
    scale = float(np.max(np.abs(w))) * (1 + float(np.max(np.abs(y))))
    # Traces are sums whose terms cancel (exactly, when k = p): 1e-9 of the terms' size. So is
    # the diagonal w - w²h, zero when k = p (once seen as -1.8e-12 with weights up to 50).
    size = {"tr": float(np.sum(w)), "tr_pp": float(np.sum(w * w)), "diag": float(np.max(w)),
            "Py": scale, "beta": 1 + float(np.max(np.abs(y)))}
    for name in ("Py", "diag", "tr", "tr_pp", "beta"):
        got = getattr(proj, name)
        # Either form's rounding error grows with the condition number (up to 1e8 here).
        atol = max(ATOL * scale**2, max(RTOL, 16 * EPS * cond) * size.get(name, 0.0))
        np.testing.assert_allclose(got, dense[name], rtol=RTOL, atol=atol, err_msg=name)
    np.testing.assert_allclose(proj.apply(proj.Py), dense["PPy"], rtol=RTOL,
                               atol=max(ATOL * scale**3, 16 * EPS * cond * scale**2))


def test_batched_designs_use_the_same_closed_form_row_by_row() -> None:
    rng = np.random.default_rng(7)
    y, w = rng.normal(size=(4, 12)), rng.uniform(0.1, 3, size=(4, 12))
    X = np.stack([np.column_stack([np.ones(12), rng.normal(size=12)]) for _ in range(4)])
    batch = project(y, X, w)
    for i in range(4):
        one = _dense(y[i], X[i], w[i])
        np.testing.assert_allclose(batch.Py[i], one["Py"], rtol=RTOL, atol=1e-12)
        np.testing.assert_allclose(batch.tr_pp[i], one["tr_pp"], rtol=RTOL)


def test_no_projection_holds_a_k_by_k_array() -> None:
    k = 20_000  # a dense P would be 3.2 GB
    rng = np.random.default_rng(1)
    X = np.column_stack([np.ones(k), rng.uniform(0.1, 1, size=k)])
    proj = project(rng.normal(size=k), X, rng.uniform(0.5, 2, size=k))
    held = [v for v in vars(proj).values() if isinstance(v, np.ndarray)]
    assert max(a.size for a in held) <= 2 * k


def test_batch_analyses_refuse_more_study_fits_than_the_limit_naming_it() -> None:
    k = int(np.sqrt(MAX_BATCH_CELLS)) + 1
    y, v = np.linspace(0, 1, k), np.full(k, 0.1)
    with pytest.raises(ValueError, match=f"limit of {MAX_BATCH_CELLS:,} study-fits"):
        leave_one_out(y, v)
    with pytest.raises(ValueError, match="cumulative analysis: "):
        cumulative(y, v)
    with pytest.raises(ValueError, match="bootstrap"):
        bootstrap(y[:100], v[:100], replicates=MAX_BATCH_CELLS // 100 + 1, seed=1)


def test_the_intercept_traces_keep_their_digits_when_one_study_holds_the_weight() -> None:
    # Variances 1 and 1.34e8 (found by the API fuzzer): sum-minus-term formulas gave tr(PP) = 0
    # and REML divided by it. Exact for two studies: every entry of P is w1 w2 / (w1 + w2).
    w = np.array([1.0, 1 / 1.34235396e8])
    proj = project(np.zeros(2), None, w)
    entry = w[0] * w[1] / w.sum()
    np.testing.assert_allclose(proj.tr_pp, 4 * entry**2, rtol=1e-12)
    np.testing.assert_allclose(proj.diag, [entry, entry], rtol=1e-12)
    np.testing.assert_allclose(proj.tr, 2 * entry, rtol=1e-12)
