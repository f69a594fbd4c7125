"""Leave-one-out, cumulative and subgroup analyses agree with metafor."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from acuneuro.evidence.meta import meta_analysis
from acuneuro.evidence.sensitivity import bootstrap, cumulative, leave_one_out, subgroups

from ._reference import close, reference


def _ids(rec: dict[str, Any]) -> str:
    return f"{rec['dataset']}-{rec['method']}-{rec['test']}"


@pytest.mark.parametrize("ref", reference()["leave1out"], ids=_ids)
def test_leave_one_out_matches_metafor_leave1out(ref: dict[str, Any]) -> None:
    data = reference()["datasets"][ref["dataset"]]
    fit = leave_one_out(data["yi"], data["vi"], method=ref["method"], test=ref["test"])
    close(fit.beta[:, 0], ref["estimate"], f"estimate of {ref['call']}")
    close(fit.se[:, 0], ref["se"], f"se of {ref['call']}")
    close(fit.ci_lb[:, 0], ref["ci_lb"], f"ci.lb of {ref['call']}")
    close(fit.ci_ub[:, 0], ref["ci_ub"], f"ci.ub of {ref['call']}")
    close(fit.tau2, ref["tau2"], f"tau2 of {ref['call']}")
    close(fit.Q, ref["Q"], f"Q of {ref['call']}")
    close(fit.I2, ref["I2"], f"I2 of {ref['call']}")
    close(fit.H2, ref["H2"], f"H2 of {ref['call']}")


@pytest.mark.parametrize("ref", reference()["cumul"], ids=_ids)
def test_cumulative_matches_metafor_cumul_from_two_studies_on(ref: dict[str, Any]) -> None:
    data = reference()["datasets"][ref["dataset"]]
    fit = cumulative(data["yi"], data["vi"], method=ref["method"], test=ref["test"])
    # metafor's first row is the first study alone, which has no model to compare; NA marks a
    # row where metafor's Fisher scoring did not converge (see test_meta's non-convergent case).
    ok = np.array([x != "NA" for x in ref["estimate"][1:]])
    for ours, key in ((fit.beta[:, 0], "estimate"), (fit.se[:, 0], "se"), (fit.tau2, "tau2"),
                      (fit.Q, "Q")):
        theirs = [x for x, keep in zip(ref[key][1:], ok, strict=True) if keep]
        close(ours[ok], theirs, f"{key} of {ref['call']}")


def test_subgroups_match_separate_models_and_the_between_group_test() -> None:
    ref = reference()["subgroup"]
    data = reference()["datasets"][ref["dataset"]]
    res = subgroups(data["yi"], data["vi"], ref["groups"], method="REML")
    for name, fit in res.groups.items():
        close(fit.estimate, ref["estimates"][name], f"{name} estimate of {ref['call']}")
        close(fit.se, ref["se"][name], f"{name} se of {ref['call']}")
        close(fit.tau2, ref["tau2"][name], f"{name} tau2 of {ref['call']}")
    close(res.Q_between, ref["Q_between"], ref["call"])
    close(res.p, ref["Q_between_p"], ref["call"])


def test_bootstrap_is_reproducible_and_centred_near_the_estimate() -> None:
    data = reference()["datasets"]["bcg_rr"]
    a = bootstrap(data["yi"], data["vi"], replicates=500, seed=7)
    b = bootstrap(data["yi"], data["vi"], replicates=500, seed=7)
    np.testing.assert_array_equal(a.beta, b.beta)
    assert a.beta.shape == (500, 1)
    assert np.all(a.tau2 >= 0)
    assert abs(float(np.median(a.beta)) - (-0.7145)) < 0.15


def test_subgroups_refuse_a_single_group() -> None:
    with pytest.raises(ValueError, match="two subgroups"):
        subgroups([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], ["a", "a", "a"])


def test_each_analysis_refuses_too_few_studies_or_mismatched_inputs() -> None:
    y2, v2 = [0.1, 0.3], [0.01, 0.02]
    with pytest.raises(ValueError, match="equal length"):
        leave_one_out([0.1, 0.2, 0.3], v2)
    with pytest.raises(ValueError, match="leave-one-out needs at least 3 studies"):
        leave_one_out(y2, v2)
    with pytest.raises(ValueError, match="cumulative analysis needs at least 2 studies"):
        cumulative([0.1], [0.01])
    with pytest.raises(ValueError, match="one label per study"):
        subgroups(y2, v2, ["a"])


def test_with_two_studies_every_bootstrap_resample_holds_both() -> None:
    # Resamples of one repeated study are redrawn; with two studies that leaves {a, b} only.
    y, v = [0.1, 0.5], [0.01, 0.02]
    fit = bootstrap(y, v, replicates=50, seed=3, method="DL")
    both = meta_analysis(y, v, method="DL", test="z").estimate
    np.testing.assert_allclose(fit.beta[:, 0], np.full(50, both))


def test_a_bootstrap_of_one_study_is_refused() -> None:
    with pytest.raises(ValueError, match="more studies than coefficients"):
        bootstrap([0.1], [0.01], replicates=5, seed=1)
