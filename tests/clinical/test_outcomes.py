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
    assert s.percent_improvement is None and s.category is None and s.change == 2
    assert percent_reduction(Fraction(0), Fraction(1)) is None


def test_it_uses_only_scores_up_to_as_of() -> None:
    scores = [nrs(8, 0), nrs(6, 14), nrs(3, 28)]
    assert summarise(scores, "nrs", FIRST, as_of=FIRST + timedelta(days=20)).latest == scores[1]


def test_a_worsening_is_no_meaningful_change_and_no_responder() -> None:
    s = summarise([nrs(4, 0), nrs(6, 10)], "nrs", FIRST)
    assert s.category == "no_meaningful_change" and not s.responders["responder_30"]


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
    order = ["no_meaningful_change", "minimal", "moderate", "substantial"]
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
