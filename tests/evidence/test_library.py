"""The evidence library: per-condition analyses, forest plots and trials behind protocols."""

from __future__ import annotations

import math

import pytest

from acuneuro.evidence.library import (
    condition_evidence,
    forest_svg,
    pooled_across_conditions,
    trial_effect,
    trials_for_protocol,
)
from acuneuro.evidence.meta import meta_analysis
from acuneuro.knowledge._evidence import EVIDENCE_CONDITIONS, Trial, trials


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
    if len(ev.pooled_ids) < 2:
        assert ev.result is None
        assert ev.not_pooled_because and "at least 2" in ev.not_pooled_because


def test_the_cross_condition_analysis_is_the_engine_on_the_library_data() -> None:
    ev = pooled_across_conditions()
    assert ev.result is not None and len(ev.pooled_ids) >= 3
    again = meta_analysis(ev.yi, ev.vi, method="REML", test="knha")
    assert ev.result.estimate == pytest.approx(again.estimate)
    assert ev.result.test == "knha"


@pytest.mark.parametrize("condition", [*EVIDENCE_CONDITIONS, "all"])
def test_forest_svg_names_each_trial_with_readable_data(condition: str) -> None:
    svg = forest_svg(condition)
    assert svg.lstrip().startswith("<?xml")
    ev = pooled_across_conditions() if condition == "all" else condition_evidence(condition)
    for trial_id in ev.pooled_ids:
        assert trial_id in svg


def test_protocol_trials_put_the_cited_trials_first() -> None:
    found = trials_for_protocol("cipn")
    ids = [t.id for t in found]
    assert "lu2020" in ids and "bao2020" in ids
    assert all(t.condition == "cipn" for t in found)


def test_an_unknown_condition_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown condition"):
        condition_evidence("gout")
