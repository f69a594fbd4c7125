"""``meta_analysis`` agrees with metafor 3.8-1 on published datasets, every estimator and test.

Reference values and the R call behind each are in ``reference/metafor_reference.json``.
"""

from __future__ import annotations

from typing import Any

import pytest

from acuneuro.evidence.meta import meta_analysis

from ._reference import close, reference

FITS = reference()["fits"]


def _id(fit: dict[str, Any]) -> str:
    return f"{fit['dataset']}-{fit['method']}-{fit['test']}"


def _fit(ref: dict[str, Any]) -> Any:
    data = reference()["datasets"][ref["dataset"]]
    return meta_analysis(
        data["yi"], data["vi"], method=ref["method"], test=ref["test"], measure=data["measure"]
    )


@pytest.mark.parametrize("ref", FITS, ids=_id)
def test_it_matches_metafor_rma_and_predict(ref: dict[str, Any]) -> None:
    res = _fit(ref)
    where = f"{ref['call']} / {ref['predict_call']}"
    close(res.estimate, ref["estimate"], f"estimate of {where}")
    close(res.se, ref["se"], f"se of {where}")
    close(res.stat, ref["stat"], f"z/t of {where}")
    close(res.p, ref["pval"], f"p of {where}")
    close(res.ci, ref["ci"], f"ci of {where}")
    close(res.pi, ref["pi"], f"pi of {where}")
    close(res.tau2, ref["tau2"], f"tau2 of {where}")
    close(res.I2, ref["I2"], f"I2 of {where}")
    close(res.H2, ref["H2"], f"H2 of {where}")
    close(res.Q, ref["Q"], f"Q of {where}")
    close(res.Q_p, ref["Q_p"], f"Q p of {where}")


@pytest.mark.parametrize("ref", [f for f in FITS if "confint_call" in f], ids=_id)
def test_it_matches_metafor_q_profile_intervals(ref: dict[str, Any]) -> None:
    res = _fit(ref)
    where = f"{ref['confint_call']} after {ref['call']}"
    close(res.tau2_ci, ref["tau2_ci"], f"tau2 CI of {where}")
    close(res.I2_ci, ref["I2_ci"], f"I2 CI of {where}")
    close(res.H2_ci, ref["H2_ci"], f"H2 CI of {where}")


def test_reference_covers_every_estimator_and_test_on_binary_and_continuous_data() -> None:
    combos = {(f["method"], f["test"]) for f in FITS}
    assert combos == {(m, t) for m in ("EE", "DL", "REML", "PM", "ML", "HE", "SJ")
                      for t in ("z", "knha")}
    measures = {reference()["datasets"][f["dataset"]]["measure"] for f in FITS}
    assert {"MD", "SMD", "RR", "OR", "RD", "GEN"} <= measures


def test_it_refuses_a_single_study() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        meta_analysis([0.1], [0.01])


def test_it_refuses_non_positive_variances() -> None:
    with pytest.raises(ValueError, match="positive"):
        meta_analysis([0.1, 0.2], [0.01, 0.0])


def test_it_refuses_an_unknown_method() -> None:
    with pytest.raises(ValueError, match="unknown method"):
        meta_analysis([0.1, 0.2], [0.01, 0.02], method="XX")


def test_ratio_summary_back_transforms_estimate_and_intervals() -> None:
    data = reference()["datasets"]["bcg_rr"]
    res = meta_analysis(data["yi"], data["vi"], measure="RR")
    out = res.summary()
    assert out["exp"]["estimate"] == pytest.approx(2.718281828459045 ** res.estimate)
    assert out["exp"]["ci"][0] < out["exp"]["estimate"] < out["exp"]["ci"][1]
    assert "exp" not in meta_analysis(data["yi"], data["vi"]).summary()


def test_it_reaches_reml_where_metafor_default_fisher_scoring_oscillates() -> None:
    ref = reference()["nonconvergent_reml"]
    res = meta_analysis(ref["yi"], ref["vi"], method="REML")
    close(res.tau2, ref["tau2"], ref["call"])
    close(res.estimate, ref["estimate"], ref["call"])
    close(res.se, ref["se"], ref["call"])


@pytest.mark.parametrize(
    ("yi", "vi", "method", "message"),
    [
        ([0.1, 0.2], [0.01, 0.02], "XX", "unknown method 'XX'"),
        ([0.1, 0.2, 0.3], [0.01, 0.02], "REML", "equal length"),
        ([0.1], [0.01], "REML", "at least 2 studies, got 1"),
        ([0.1, float("nan")], [0.01, 0.02], "REML", "finite numbers"),
    ],
)
def test_it_refuses_what_it_cannot_pool(
    yi: list[float], vi: list[float], method: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        meta_analysis(yi, vi, method=method)
