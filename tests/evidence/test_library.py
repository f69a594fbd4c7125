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


def test_three_dpn_trials_are_pooled_and_the_estimate_is_the_engine_on_their_effects() -> None:
    ev = condition_evidence("dpn")
    assert set(ev.pooled_ids) == {"dietzel2023", "garrow2014", "chao2019"}
    effects = [trial_effect(_trial(t)) for t in ev.pooled_ids]
    again = meta_analysis([e[0] for e in effects], [e[1] for e in effects],
                          method="REML", test="knha")
    assert ev.result is not None and ev.result.k == 3
    assert ev.result.estimate == pytest.approx(again.estimate)
    assert ev.result.ci == pytest.approx(again.ci)
    assert min(ev.yi) < ev.result.estimate < max(ev.yi)


def test_the_dpn_dersimonian_laird_estimate_matches_the_closed_form() -> None:
    # DerSimonian & Laird 1986, written out here independently of the engine.
    ev = condition_evidence("dpn", method="DL", test="z")
    assert ev.result is not None
    y = [trial_effect(_trial(t))[0] for t in ev.pooled_ids]
    v = [trial_effect(_trial(t))[1] for t in ev.pooled_ids]
    w = [1 / vi for vi in v]
    fixed = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, y, strict=True))
    c = sum(w) - sum(wi**2 for wi in w) / sum(w)
    tau2 = max(0.0, (q - (len(y) - 1)) / c)
    ws = [1 / (vi + tau2) for vi in v]
    pooled = sum(wi * yi for wi, yi in zip(ws, y, strict=True)) / sum(ws)
    assert ev.result.tau2 == pytest.approx(tau2)
    assert ev.result.estimate == pytest.approx(pooled)
    assert ev.result.se == pytest.approx(math.sqrt(1 / sum(ws)))
