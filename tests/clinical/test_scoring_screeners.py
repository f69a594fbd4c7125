"""S-LANSS and painDETECT give a total and a reading for every complete answer set.

S-LANSS: Bennett MI et al., J Pain 2005;6:149-158 -- seven yes/no items weighted 5, 5, 3, 2,
1, 5 (item 6, the patient rubbing the painful area) and 3 (item 7, pressing it with a
fingertip); total 0-24, 12 or more: pain of predominantly neuropathic origin likely.
painDETECT: Freynhagen R et al., Curr Med Res Opin 2006;22:1911-1920 -- seven sensory items
0-5, pain course 0 / -1 / +1 / +1 (Nikaido T et al., PLoS One 2018;13:e0193987, Table 1),
radiating pain +2; total -1 to 38; 12 or less unlikely, 13-18 unclear, 19 or more likely.

The expected values below are the published weights written out again by hand, not read
from the knowledge files, so a wrong weight in the data fails here.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.clinical.scoring import score

# --- S-LANSS ---------------------------------------------------------------------------

SLANSS_WEIGHTS = {
    "dysaesthesia": 5,
    "autonomic": 5,
    "evoked_pain": 3,
    "paroxysmal": 2,
    "thermal": 1,
    "self_allodynia": 5,
    "self_pinprick": 3,
}
SLANSS_NO = dict.fromkeys(SLANSS_WEIGHTS, False)


def test_the_s_lanss_maximum_is_the_published_24() -> None:
    result = score("s-lanss", dict.fromkeys(SLANSS_WEIGHTS, True))
    assert result.total == 24
    assert result.positive is True


@pytest.mark.parametrize(("item", "weight"), [("self_allodynia", 5), ("self_pinprick", 3)])
def test_each_s_lanss_self_test_carries_its_published_weight(item: str, weight: int) -> None:
    assert score("s-lanss", {**SLANSS_NO, item: True}).total == weight


@pytest.mark.parametrize(
    ("yes", "total", "positive"),
    [
        (["dysaesthesia", "evoked_pain", "paroxysmal", "thermal"], 11, False),
        (["dysaesthesia", "autonomic", "paroxysmal"], 12, True),
        (["evoked_pain", "paroxysmal", "thermal", "self_pinprick"], 9, False),
        (["dysaesthesia", "thermal", "self_allodynia"], 11, False),
        (["dysaesthesia", "paroxysmal", "thermal", "self_allodynia"], 13, True),
        (["self_allodynia", "self_pinprick", "paroxysmal", "thermal"], 11, False),
        (["self_allodynia", "self_pinprick", "paroxysmal", "thermal", "evoked_pain"], 14, True),
    ],
)
def test_s_lanss_cut_off_twelve_just_inside_and_outside(
    yes: list[str], total: int, positive: bool
) -> None:
    result = score("s-lanss", {**SLANSS_NO, **dict.fromkeys(yes, True)})
    assert (result.total, result.positive) == (total, positive)


def test_every_s_lanss_answer_set_has_a_total_and_a_reading() -> None:
    # All 2^7 complete answer sets: never a range, never above 24, always read.
    for answers in product([False, True], repeat=len(SLANSS_WEIGHTS)):
        given_answers = dict(zip(SLANSS_WEIGHTS, answers, strict=True))
        expected = sum(w for item, w in SLANSS_WEIGHTS.items() if given_answers[item])
        result = score("s-lanss", given_answers)
        assert result.total == expected
        assert 0 <= expected <= 24
        assert result.positive is (expected >= 12)
        assert ("12 or more" if expected >= 12 else "below 12") in result.interpretation
        assert "range" not in result.interpretation


# --- painDETECT --------------------------------------------------------------------------

SENSORY = ["burning", "tingling", "light_touch", "pain_attacks", "temperature", "numbness",
           "pressure"]
LEVELS = ["never", "hardly", "slightly", "moderately", "strongly", "very_strongly"]
COURSE = {
    "persistent_slight_fluctuations": 0,
    "persistent_with_attacks": -1,
    "attacks_without_pain_between": 1,
    "attacks_with_pain_between": 1,
}


def paindetect(sensory_sum: int, course: str, radiating: bool) -> dict[str, Any]:
    """Answers whose seven sensory items add up to ``sensory_sum`` (0-35)."""
    answers: dict[str, Any] = {}
    remaining = sensory_sum
    for item in SENSORY:
        level = min(5, remaining)
        answers[item] = LEVELS[level]
        remaining -= level
    return {**answers, "course_pattern": course, "radiating": radiating}


def band(total: int) -> tuple[bool | None, str]:
    if total <= 12:
        return False, "12 or less"
    if total <= 18:
        return None, "13-18"
    return True, "19 or more"


@pytest.mark.parametrize(("course", "value"), list(COURSE.items()))
def test_each_pain_course_pictogram_carries_its_published_value(course: str, value: int) -> None:
    result = score("paindetect", paindetect(0, course, False))
    assert result.total == value
    assert result.positive is False


@pytest.mark.parametrize(
    ("sensory", "course", "radiating", "total"),
    [
        (12, "persistent_slight_fluctuations", False, 12),
        (13, "persistent_with_attacks", False, 12),
        (12, "attacks_without_pain_between", False, 13),
        (11, "persistent_slight_fluctuations", True, 13),
        (18, "persistent_slight_fluctuations", False, 18),
        (19, "persistent_with_attacks", False, 18),
        (16, "attacks_with_pain_between", True, 19),
        (20, "persistent_with_attacks", False, 19),
        (35, "attacks_with_pain_between", True, 38),
        (0, "persistent_with_attacks", False, -1),
    ],
)
def test_paindetect_bands_just_inside_and_outside_each_cut_off(
    sensory: int, course: str, radiating: bool, total: int
) -> None:
    result = score("paindetect", paindetect(sensory, course, radiating))
    positive, words = band(total)
    assert result.total == total
    assert result.subscales["sensory"] == sensory
    assert result.positive is positive
    assert words in result.interpretation


def test_every_paindetect_sensory_sum_course_and_radiation_has_a_total_and_a_reading() -> None:
    for sensory, course, radiating in product(range(36), COURSE, (False, True)):
        expected = sensory + COURSE[course] + (2 if radiating else 0)
        result = score("paindetect", paindetect(sensory, course, radiating))
        assert result.total == expected
        assert -1 <= expected <= 38
        positive, words = band(expected)
        assert result.positive is positive
        assert words in result.interpretation


@settings(max_examples=300, deadline=None)
@given(
    levels=st.lists(st.integers(0, 5), min_size=7, max_size=7),
    course=st.sampled_from(list(COURSE)),
    radiating=st.booleans(),
)
def test_any_complete_paindetect_answer_set_is_scored_by_the_published_sum(
    levels: list[int], course: str, radiating: bool
) -> None:
    answers = {item: LEVELS[level] for item, level in zip(SENSORY, levels, strict=True)}
    result = score("paindetect", {**answers, "course_pattern": course, "radiating": radiating})
    expected = sum(levels) + COURSE[course] + (2 if radiating else 0)
    assert result.total == expected
    assert result.positive is band(expected)[0]
    assert result.missing == []
