"""Pain type from the NeuPSIG grade and the screening recorded in the case (acuneuro design)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.pain_type import classify
from acuneuro.clinical.scoring import AnswerError, UnknownInstrumentError

from ._cases import DN4_ITEMS, yes_count


def dn4(count: int) -> dict[str, bool]:
    return yes_count(DN4_ITEMS, count)


def case(findings: dict[str, Any], screening: dict[str, Any] | None = None) -> ClinicalCase:
    # The shape of shared/design/case-example.json, reduced to what classification reads.
    return ClinicalCase.model_validate(
        {
            "patient": {"age": 58, "sex": "female", "pregnant": False},
            "condition": {"kind": "cipn", "icd10": "G62.0"},
            "screening": screening or {},
            "findings": findings,
            "assessed_on": "2026-11-24",
        }
    )


PROBABLE = {
    "lesion_or_disease": True,
    "plausible_distribution": True,
    "sensory_signs": True,
    "confirmatory_test": None,
}


def test_the_design_case_is_probable_and_neuropathic() -> None:
    result = classify(case(PROBABLE, {"dn4": dn4(6)}))
    assert result.neupsig_grade == "probable"
    assert result.pain_type == "neuropathic"
    assert any("dn4: total 6, positive" in r for r in result.reasons)
    assert any("design decision" in r for r in result.reasons)
    assert {"finnerup2016", "bouhassira2005"} <= set(result.sources)


def test_probable_with_a_negative_screen_is_mixed() -> None:
    assert classify(case(PROBABLE, {"dn4": dn4(2)})).pain_type == "mixed"


def test_a_positive_screen_alone_never_grades_nor_types_the_pain() -> None:
    result = classify(case({}, {"dn4": dn4(10)}))
    assert result.neupsig_grade is None
    assert result.pain_type == "undetermined"


INTERVIEW_ONLY = {**dn4(7), "hypoesthesia_touch": False, "hypoesthesia_pinprick": False,
                  "brushing": False}
POSSIBLE = {"lesion_or_disease": True, "plausible_distribution": True}


def test_possible_with_a_positive_screen_stays_undetermined_until_examined() -> None:
    # DN4 7/10 from the interview alone: positive screen, no sign found on examination.
    result = classify(case(POSSIBLE, {"dn4": INTERVIEW_ONLY}))
    assert result.neupsig_grade == "possible"
    assert result.pain_type == "undetermined"
    assert any("found none of" in r and "other sensory signs not assessed" in r
               for r in result.reasons)


@pytest.mark.parametrize("sign", ["hypoesthesia_touch", "hypoesthesia_pinprick", "brushing"])
def test_a_dn4_examination_sign_recorded_by_the_clinician_makes_possible_probable(
    sign: str,
) -> None:
    # Finnerup 2016 step 2: sensory signs in the painful, plausible area.
    result = classify(case(POSSIBLE, {"dn4": {**INTERVIEW_ONLY, sign: True}}))
    assert result.neupsig_grade == "probable"
    assert result.pain_type == "neuropathic"
    assert any("sensory signs found on examination" in r for r in result.reasons)
    assert "bouhassira2005" in result.sources


def test_a_lanss_bedside_test_counts_as_a_sensory_sign_too() -> None:
    lanss = {"dysaesthesia": True, "autonomic": True, "evoked_pain": True, "paroxysmal": False,
             "thermal": False, "allodynia": True, "pinprick_threshold": False}
    result = classify(case(POSSIBLE, {"lanss": lanss}))
    assert result.neupsig_grade == "probable"


def test_a_dn4_sign_with_a_confirmatory_test_reaches_definite() -> None:
    findings = {**POSSIBLE, "confirmatory_test": True}
    assert classify(case(findings, {"dn4": dn4(8)})).neupsig_grade == "definite"


def test_a_dn4_sign_against_a_recorded_absence_of_signs_is_not_counted() -> None:
    # The clinician wrote "no sensory signs" yet ticked hypoaesthesia: fail to the lower grade.
    findings = {**POSSIBLE, "sensory_signs": False}
    result = classify(case(findings, {"dn4": dn4(8)}))
    assert result.neupsig_grade == "possible"
    assert any("treated as not assessed" in r for r in result.reasons)


def test_unlikely_with_a_negative_screen_is_nociceptive() -> None:
    result = classify(
        case({"lesion_or_disease": False, "plausible_distribution": True}, {"dn4": dn4(1)})
    )
    assert (result.neupsig_grade, result.pain_type) == ("unlikely", "nociceptive")


def test_discordant_screens_are_reported_as_such() -> None:
    lanss_no = dict.fromkeys(
        [
            "dysaesthesia",
            "autonomic",
            "evoked_pain",
            "paroxysmal",
            "thermal",
            "allodynia",
            "pinprick_threshold",
        ],
        False,
    )
    result = classify(case(PROBABLE, {"dn4": dn4(6), "lanss": lanss_no}))
    assert "screening overall: discordant" in result.reasons
    assert result.pain_type == "neuropathic"


def test_an_incomplete_screen_has_no_reading() -> None:
    answers: dict[str, Any] = dn4(6)
    answers["brushing"] = None
    result = classify(case(PROBABLE, {"dn4": answers}))
    assert "screening overall: indeterminate" in result.reasons


def test_outcome_instruments_in_screening_do_not_count_as_screens() -> None:
    result = classify(case(PROBABLE, {"nrs": {"pain": 6}}))
    assert "screening overall: none" in result.reasons


def test_a_bad_screening_answer_names_the_item() -> None:
    with pytest.raises(AnswerError) as caught:
        classify(case(PROBABLE, {"dn4": {"burnign": True}}))
    assert caught.value.item == "burnign"


def test_an_unknown_screening_instrument_is_refused() -> None:
    with pytest.raises(UnknownInstrumentError):
        classify(case(PROBABLE, {"dn5": {}}))


facts = st.sampled_from([True, False, None])


ORDER = [None, "unlikely", "possible", "probable", "definite"]


@given(history=facts, distribution=facts, signs=facts, test=facts, count=st.integers(0, 7),
       exam=st.lists(st.booleans(), min_size=3, max_size=3))
def test_only_the_dn4_examination_can_change_the_grade_and_only_by_a_sign_found(
    history: bool | None,
    distribution: bool | None,
    signs: bool | None,
    test: bool | None,
    count: int,
    exam: list[bool],
) -> None:
    findings = {
        "lesion_or_disease": history,
        "plausible_distribution": distribution,
        "sensory_signs": signs,
        "confirmatory_test": test,
    }
    without = classify(case(findings))
    # The interview items (the screening part) never change the grade.
    interview = {**dn4(count), **dict.fromkeys(DN4_ITEMS[7:], False)}
    assert classify(case(findings, {"dn4": interview})).neupsig_grade == without.neupsig_grade
    # Examination items can: up only when a sign is found and none was recorded as absent.
    examined = {**dn4(count), **dict(zip(DN4_ITEMS[7:], exam, strict=True))}
    with_exam = classify(case(findings, {"dn4": examined}))
    if not any(exam) or signs is not None:
        assert ORDER.index(with_exam.neupsig_grade) <= ORDER.index(without.neupsig_grade)
    else:
        assert ORDER.index(with_exam.neupsig_grade) >= ORDER.index(without.neupsig_grade)
    if with_exam.pain_type == "neuropathic":
        assert with_exam.neupsig_grade in {"probable", "definite"}


def test_the_classification_json_is_the_published_contract() -> None:
    result = classify(case(PROBABLE, {"dn4": dn4(6)}))
    doc = result.as_json()
    assert doc == {"neupsig_grade": result.neupsig_grade, "pain_type": result.pain_type,
                   "reasons": result.reasons, "sources": result.sources}
    assert doc["reasons"] and doc["sources"]
    assert doc["reasons"] is not result.reasons  # a copy: the caller may not edit the result
