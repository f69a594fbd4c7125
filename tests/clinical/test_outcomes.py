from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from acuneuro.clinical.outcomes import (
    Score,
    baseline,
    immpact_category,
    percent_reduction,
    pgic_improved,
    summarise,
)
from acuneuro.knowledge.course import outcome_knowledge

FIRST = date(2026, 12, 7)


def nrs(value: float, day: int) -> Score:
    return Score(instrument="nrs", value=value, on=FIRST + timedelta(days=day))


def run_in(*values: float) -> list[Score]:
    return [nrs(v, -(i + 1)) for i, v in enumerate(values)]


# Boundaries: Dworkin et al. J Pain 2008 (>=30% moderate, >=50% substantial); the 15% lower band
# as used by Sadosky et al. J Pain Res 2016. Baseline 10, so the follow-up score is 10 - p/10.
@pytest.mark.parametrize(
    ("latest", "category"),
    [
        (8.6, "no_meaningful_change"),  # 14%
        (8.5, "minimal"),  # 15%
        (8.4, "minimal"),  # 16%
        (7.1, "minimal"),  # 29%
        (7.0, "moderate"),  # 30%
        (6.9, "moderate"),  # 31%
        (5.1, "moderate"),  # 49%
        (5.0, "substantial"),  # 50%
        (4.9, "substantial"),  # 51%
    ],
)
def test_it_places_immpact_categories_at_their_boundaries(latest: float, category: str) -> None:
    s = summarise([*run_in(10, 10, 10, 10), nrs(latest, 28)], "nrs", FIRST)
    assert s.category == category
    assert s.responders["responder_30"] is (category in ("moderate", "substantial"))
    assert s.responders["responder_50"] is (category == "substantial")


def test_it_classifies_an_exact_boundary_that_floats_would_miss() -> None:
    # 6 -> 4.2 is exactly 30%; (6 - 4.2) / 6 * 100 is 29.999... in binary floating point.
    s = summarise([nrs(6, 0), nrs(4.2, 30)], "nrs", FIRST)
    assert s.category == "moderate" and s.responders["responder_30"]


def test_it_reports_raw_change_and_percent() -> None:
    s = summarise([*run_in(6, 7, 6, 7), nrs(3, 56)], "nrs", FIRST)
    assert s.baseline.value == pytest.approx(6.5) and s.baseline.rule == "run_in_mean"
    assert s.change == pytest.approx(-3.5)
    assert s.percent_improvement == pytest.approx(3.5 / 6.5 * 100)
    assert s.raw_points_reference == 2


def test_it_falls_back_to_the_last_pre_treatment_score_with_too_few_run_in_entries() -> None:
    b = baseline([nrs(8, -20), nrs(7, -3), nrs(6, 0)], "nrs", FIRST)
    assert (b.value, b.rule, b.fell_back) == (6, "last_pre_treatment", True)


def test_it_reports_a_missing_baseline_as_not_assessed() -> None:
    s = summarise([nrs(4, 10)], "nrs", FIRST)
    assert s.baseline.value is None and s.category is None
    assert s.not_computed == "baseline not assessed"


def test_it_does_not_compute_percent_from_a_zero_baseline() -> None:
    s = summarise([nrs(0, 0), nrs(2, 10)], "nrs", FIRST)
    assert s.percent_improvement is None and s.change == 2
    assert percent_reduction(Fraction(0), Fraction(1)) is None


def test_it_uses_only_scores_up_to_as_of() -> None:
    scores = [nrs(8, 0), nrs(6, 14), nrs(3, 28)]
    assert summarise(scores, "nrs", FIRST, as_of=FIRST + timedelta(days=20)).latest == scores[1]


# Baseline 5: any rise is worse (acuneuro design choice), no change is not.
@pytest.mark.parametrize(
    ("latest", "category"),
    [
        (5.0, "no_meaningful_change"),  # 0%
        (5.1, "worse"),  # +2%
        (7.5, "worse"),  # +50%
        (10.0, "worse"),  # +100%
        (4.3, "no_meaningful_change"),  # -14%
        (4.25, "minimal"),  # -15%
    ],
)
def test_the_smallest_rise_is_worse_and_no_change_is_not(latest: float, category: str) -> None:
    s = summarise([*run_in(5, 5, 5, 5), nrs(latest, 28)], "nrs", FIRST)
    assert s.category == category


def test_a_fifty_percent_rise_in_pain_is_worse_never_no_meaningful_change() -> None:
    s = summarise([nrs(4, 0), nrs(6, 10)], "nrs", FIRST)
    assert s.percent_improvement == pytest.approx(-50)
    assert s.category == "worse" and not s.responders["responder_30"]
    # The words come from knowledge/outcomes.yaml, with its design-choice note.
    assert s.category_label == "worse than before treatment"
    assert s.category_note is not None and "design choice" in s.category_note
    assert "out-worse-design" in s.sources


def test_every_category_shown_is_a_worded_label_from_knowledge_not_its_code() -> None:
    pain = outcome_knowledge().immpact_pain
    labels = {b.category: b.label for b in pain.bands}
    labels |= {pain.below.category: pain.below.label, pain.worse.category: pain.worse.label}
    for latest in (0.0, 1.5, 3.0, 4.0, 4.5, 6.0, 9.0):
        s = summarise([nrs(5, 0), nrs(latest, 10)], "nrs", FIRST)
        assert s.category is not None
        assert s.category_label == labels[s.category]
        assert "_" not in s.category_label and s.category_label != s.category


def test_a_rise_from_a_zero_baseline_is_worse_though_its_percent_is_not_computed() -> None:
    rise = summarise([nrs(0, 0), nrs(2, 10)], "nrs", FIRST)
    assert rise.percent_improvement is None and rise.category == "worse"
    still = summarise([nrs(0, 0), nrs(0, 10)], "nrs", FIRST)
    assert still.category is None
    assert still.not_computed == "baseline is 0: percent change not computed"


def bpi(value: float, day: int) -> Score:
    return Score(instrument="bpi-sf.interference", value=value, on=FIRST + timedelta(days=day))


# Dworkin 2008: a 1-point decrease in BPI interference is minimally important.
@pytest.mark.parametrize(
    ("base", "latest", "category"),
    [
        (5.0, 4.0, "important_improvement"),  # -1
        (5.0, 4.1, "no_important_change"),  # -0.9
        (5.0, 3.9, "important_improvement"),  # -1.1
        (5.0, 5.0, "no_important_change"),
        (5.0, 5.1, "worse"),  # +0.1
        (4.285714, 3.285714, "important_improvement"),  # a 7-item mean, exactly -1
        (0.0, 0.0, "no_important_change"),
        (0.0, 1.0, "worse"),
        (1.0, 0.0, "important_improvement"),
    ],
)
def test_bpi_interference_is_classified_in_points(
    base: float, latest: float, category: str
) -> None:
    s = summarise([bpi(base, 0), bpi(latest, 10)], "bpi-sf.interference", FIRST)
    assert s.category == category
    rule = outcome_knowledge().bpi_interference
    assert s.category_label in {c.label for c in rule.categories()}
    assert s.responders == {}
    assert "dworkin2008" in s.sources


def test_it_does_not_classify_an_instrument_without_immpact_bands() -> None:
    scores = [
        Score(instrument="dsis", value=v, on=FIRST + timedelta(days=d))
        for v, d in ((8, 0), (2, 20))
    ]
    s = summarise(scores, "dsis", FIRST)
    assert s.category is None and s.percent_improvement == pytest.approx(75)


def test_it_rejects_a_score_outside_the_scale() -> None:
    with pytest.raises(ValidationError, match="outside"):
        nrs(11, 0)


def test_pgic_much_and_very_much_improved_count_as_improved() -> None:
    assert pgic_improved("much_improved") and pgic_improved("very_much_improved")
    assert not pgic_improved("minimally_improved")
    with pytest.raises(ValueError, match="not one of"):
        pgic_improved("better")


values = st.integers(0, 100).map(lambda n: n / 10)


@given(values, values, values)
def test_category_never_decreases_as_the_follow_up_score_falls(
    base: float, a: float, b: float
) -> None:
    if base == 0:
        return
    hi, lo = max(a, b), min(a, b)
    order = ["worse", "no_meaningful_change", "minimal", "moderate", "substantial"]
    p_hi = percent_reduction(Fraction(repr(base)), Fraction(repr(hi)))
    p_lo = percent_reduction(Fraction(repr(base)), Fraction(repr(lo)))
    assert p_hi is not None and p_lo is not None
    assert order.index(immpact_category(p_lo)) >= order.index(immpact_category(p_hi))


@given(st.lists(values, min_size=4, max_size=7), values)
def test_run_in_baseline_is_the_mean_and_change_is_latest_minus_baseline(
    run: list[float], latest: float
) -> None:
    s = summarise([*run_in(*run), nrs(latest, 14)], "nrs", FIRST)
    assert s.baseline.value == pytest.approx(sum(run) / len(run))
    assert s.change == pytest.approx(latest - sum(run) / len(run))


def test_an_instrument_can_take_its_baseline_from_the_last_pre_treatment_score() -> None:
    scores = [
        Score(instrument="bpi-sf.interference", value=v, on=FIRST + timedelta(days=d))
        for v, d in ((7, -6), (6, -5), (6, -4), (5, -3), (5, 0))
    ]
    b = baseline(scores, "bpi-sf.interference", FIRST)
    assert (b.value, b.rule, b.fell_back, b.dates) == (5, "last_pre_treatment", False, [FIRST])


def test_it_says_when_there_is_no_score_after_the_first_session() -> None:
    s = summarise(run_in(6, 6, 6, 6), "nrs", FIRST)
    assert s.latest is None and s.not_computed == "no score after the first session"


def test_it_names_an_instrument_that_is_not_followed_as_an_outcome() -> None:
    with pytest.raises(ValidationError, match=r"score\.instrument: 'dn5'"):
        Score(instrument="dn5", value=1, on=FIRST)


@given(values, values)
def test_a_score_above_its_baseline_is_always_worse(base: float, latest: float) -> None:
    s = summarise([nrs(base, 0), nrs(latest, 10)], "nrs", FIRST)
    assert (s.category == "worse") is (latest > base)
    b = summarise([bpi(base, 0), bpi(latest, 10)], "bpi-sf.interference", FIRST)
    assert (b.category == "worse") is (latest > base)
    assert (b.category == "important_improvement") is (Fraction(repr(base)) - Fraction(
        repr(latest)) >= 1)
