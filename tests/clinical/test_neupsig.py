"""NeuPSIG grading (Finnerup 2016, Figure 2) from history and examination findings."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acuneuro.clinical.case import Findings
from acuneuro.clinical.neupsig import ExaminedSigns, grade_neuropathic_pain

facts = st.sampled_from([True, False, None])


def findings(
    history: bool | None,
    distribution: bool | None,
    signs: bool | None = None,
    test: bool | None = None,
) -> Findings:
    return Findings(
        lesion_or_disease=history,
        plausible_distribution=distribution,
        sensory_signs=signs,
        confirmatory_test=test,
    )


@pytest.mark.parametrize(
    ("history", "distribution", "signs", "test", "grade"),
    [
        (True, True, True, True, "definite"),
        (True, True, True, False, "probable"),
        (True, True, True, None, "probable"),
        (True, True, False, True, "probable"),  # legend: confirmed lesion, signs hard to show
        (True, True, None, True, "probable"),
        (True, True, False, False, "possible"),
        (True, True, None, None, "possible"),
        (False, True, True, True, "unlikely"),
        (True, False, True, True, "unlikely"),
        (False, None, None, None, "unlikely"),
        (None, True, True, True, None),
        (True, None, True, True, None),
        (None, None, None, None, None),
    ],
)
def test_it_follows_the_flow_chart(
    history: bool | None,
    distribution: bool | None,
    signs: bool | None,
    test: bool | None,
    grade: str | None,
) -> None:
    assert grade_neuropathic_pain(findings(history, distribution, signs, test)).grade == grade


def test_not_assessed_entry_stops_the_grading_and_says_why() -> None:
    result = grade_neuropathic_pain(findings(None, True, True, True))
    assert result.grade is None
    assert any("not assessed" in r for r in result.reasons)
    assert any("stops" in r for r in result.reasons)


def test_a_missing_confirmatory_test_stops_at_probable_and_says_so() -> None:
    result = grade_neuropathic_pain(findings(True, True, True, None))
    assert result.grade == "probable"
    assert any("confirmatory test: not assessed" in r for r in result.reasons)
    assert result.sources == ["finnerup2016"]


@given(history=facts, distribution=facts, signs=facts, test=facts)
def test_definite_needs_every_step_and_unlikely_needs_a_failed_entry(
    history: bool | None, distribution: bool | None, signs: bool | None, test: bool | None
) -> None:
    grade = grade_neuropathic_pain(findings(history, distribution, signs, test)).grade
    if grade == "definite":
        assert (history, distribution, signs, test) == (True, True, True, True)
    if grade == "unlikely":
        assert history is False or distribution is False
    if grade in {"possible", "probable", "definite"}:
        assert history is True and distribution is True


def test_every_combination_has_reasons() -> None:
    for combo in itertools.product([True, False, None], repeat=4):
        assert grade_neuropathic_pain(findings(*combo)).reasons


def test_a_sign_found_on_an_examination_form_is_step_two() -> None:
    exam = ExaminedSigns("DN4 examination", found=["hypoaesthesia to touch"])
    result = grade_neuropathic_pain(findings(True, True, None, None), [exam])
    assert result.grade == "probable"
    assert any("DN4 examination: hypoaesthesia to touch" in r for r in result.reasons)


def test_an_examination_form_with_no_sign_leaves_the_step_not_assessed() -> None:
    exam = ExaminedSigns("DN4 examination", absent=["brush allodynia"])
    result = grade_neuropathic_pain(findings(True, True, None, None), [exam])
    assert result.grade == "possible"
    assert any("other sensory signs not assessed" in r for r in result.reasons)


@given(history=facts, distribution=facts, signs=facts, test=facts)
def test_an_examination_form_never_lowers_a_grade_nor_lifts_a_failed_entry(
    history: bool | None, distribution: bool | None, signs: bool | None, test: bool | None
) -> None:
    order = [None, "unlikely", "possible", "probable", "definite"]
    plain = grade_neuropathic_pain(findings(history, distribution, signs, test)).grade
    exam = ExaminedSigns("DN4 examination", found=["brush allodynia"])
    added = grade_neuropathic_pain(findings(history, distribution, signs, test), [exam]).grade
    if history is not True or distribution is not True or signs is not None:
        # A failed or unassessed entry stays; a recorded finding (or a disputed one) is kept.
        assert added == plain
    else:
        assert order.index(added) >= order.index(plain)
