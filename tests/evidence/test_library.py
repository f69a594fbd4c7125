"""The evidence library: per-condition analyses, forest plots and trials behind protocols."""

from __future__ import annotations

import math

import pytest

from acuneuro.evidence.comparisons import class_of
from acuneuro.evidence.figures import forest_figure
from acuneuro.evidence.library import (
    condition_evidence,
    pooled_across_conditions,
    trial_effect,
    trials_for_protocol,
)
from acuneuro.evidence.meta import meta_analysis
from acuneuro.knowledge import EVIDENCE_CONDITIONS, Trial, trials


def _trial(trial_id: str) -> Trial:
    return next(t for t in trials() if t.id == trial_id)


def test_arm_data_become_a_mean_difference_with_its_variance() -> None:
    yi, vi = trial_effect(_trial("lu2020"))
    assert yi == pytest.approx(-1.4)
    assert vi == pytest.approx(1.7**2 / 20 + 1.5**2 / 20)


def test_a_published_difference_on_a_100_mm_scale_is_rescaled_with_its_ci() -> None:
    yi, vi = trial_effect(_trial("dietzel2023"))
    assert yi == pytest.approx(-2.47)
    assert math.sqrt(vi) == pytest.approx((3.47 - 1.48) / (2 * 1.959963984540054))


def test_responder_counts_are_never_pooled_with_pain_differences() -> None:
    with pytest.raises(ValueError, match="no continuous pain data"):
        trial_effect(_trial("shin2018"))


@pytest.mark.parametrize("condition", EVIDENCE_CONDITIONS)
def test_each_condition_says_plainly_why_it_is_or_is_not_pooled(condition: str) -> None:
    ev = condition_evidence(condition)
    assert ev.trials
    for trial_id in ev.excluded:
        assert trial_id not in ev.pooled_ids
    for cmp in ev.comparisons:
        if cmp.k < 2:
            assert cmp.result is None
            assert cmp.not_pooled_because and "at least 2" in cmp.not_pooled_because


def test_the_cross_condition_analysis_is_a_labelled_sensitivity_analysis() -> None:
    ev = pooled_across_conditions()
    mixed = ev.sensitivity
    assert mixed is not None and mixed.sensitivity and mixed.result is not None
    assert "sensitivity" in mixed.label
    again = meta_analysis(mixed.yi, mixed.vi, method="REML", test="knha")
    assert mixed.result.estimate == pytest.approx(again.estimate)
    assert mixed.result.test == "knha"


@pytest.mark.parametrize("condition", EVIDENCE_CONDITIONS)
def test_each_comparison_holds_one_comparator_class(condition: str) -> None:
    ev = condition_evidence(condition)
    for cmp in ev.comparisons:
        assert {class_of(t.comparator).id for t in cmp.trials} == {cmp.class_id}
        assert not cmp.sensitivity
    assert sum(cmp.k for cmp in ev.comparisons) == len(ev.pooled_ids)


@pytest.mark.parametrize("condition", EVIDENCE_CONDITIONS)
def test_forest_svg_names_each_trial_by_author_and_year(condition: str) -> None:
    ev = condition_evidence(condition)
    for cmp in ev.comparisons:
        svg = forest_figure(condition, "svg", comparison=cmp.class_id)
        assert isinstance(svg, str) and svg.lstrip().startswith("<?xml")
        for label in cmp.labels:
            assert label in svg


def test_protocol_trials_put_the_cited_trials_first() -> None:
    found = trials_for_protocol("cipn")
    ids = [t.id for t in found]
    assert "lu2020" in ids and "bao2020" in ids
    assert all(t.condition == "cipn" for t in found)


def test_an_unknown_condition_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown condition"):
        condition_evidence("gout")


_Z95 = 1.959963984540054


@pytest.mark.parametrize(
    ("trial_id", "estimate", "lower", "upper"),
    [
        # Chao 2019 abstract: acupuncture vs usual care, NRS change over 12 weeks.
        ("chao2019", -2.06, -3.01, -1.10),
        # Ju 2017 (Cochrane), Summary of findings: Garrow 2014 vs sham, VAS 0-10 at 10 weeks.
        ("garrow2014", -0.40, -1.83, 1.03),
    ],
)
def test_a_published_difference_keeps_its_estimate_and_its_ci_width(
    trial_id: str, estimate: float, lower: float, upper: float
) -> None:
    trial = _trial(trial_id)
    assert trial.outcome.scale_max == 10
    yi, vi = trial_effect(trial)
    assert yi == pytest.approx(estimate)
    assert math.sqrt(vi) == pytest.approx((upper - lower) / (2 * _Z95))
    assert trial.sources and trial.note


def _dpn_usual_care() -> tuple[list[str], list[float], list[float]]:
    ids = ["dietzel2023", "chao2019"]
    effects = [trial_effect(_trial(t)) for t in ids]
    return ids, [e[0] for e in effects], [e[1] for e in effects]


def test_dpn_pools_only_wait_list_and_usual_care_together() -> None:
    ev = condition_evidence("dpn")
    assert set(ev.pooled_ids) == {"dietzel2023", "garrow2014", "chao2019"}
    by_class = {cmp.class_id: cmp for cmp in ev.comparisons}
    assert by_class["sham_placebo"].result is None  # Garrow 2014 alone
    cmp = by_class["usual_care_waitlist"]
    ids, y, v = _dpn_usual_care()
    assert [t.id for t in cmp.trials] == ids
    again = meta_analysis(y, v, method="REML", test="knha")
    assert cmp.result is not None and cmp.result.k == 2
    assert cmp.result.estimate == pytest.approx(again.estimate)
    assert cmp.result.ci == pytest.approx(again.ci)
    assert ev.sensitivity is not None and ev.sensitivity.k == 3


def test_the_dpn_dersimonian_laird_estimate_matches_the_closed_form() -> None:
    # DerSimonian & Laird 1986, written out here independently of the engine.
    ev = condition_evidence("dpn", method="DL", test="z")
    mixed = ev.sensitivity
    assert mixed is not None and mixed.result is not None
    y = [trial_effect(t)[0] for t in mixed.trials]
    v = [trial_effect(t)[1] for t in mixed.trials]
    w = [1 / vi for vi in v]
    fixed = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, y, strict=True))
    c = sum(w) - sum(wi**2 for wi in w) / sum(w)
    tau2 = max(0.0, (q - (len(y) - 1)) / c)
    ws = [1 / (vi + tau2) for vi in v]
    pooled = sum(wi * yi for wi, yi in zip(ws, y, strict=True)) / sum(ws)
    assert mixed.result.tau2 == pytest.approx(tau2)
    assert mixed.result.estimate == pytest.approx(pooled)
    assert mixed.result.se == pytest.approx(math.sqrt(1 / sum(ws)))
