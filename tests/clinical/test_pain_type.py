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


def test_possible_with_a_positive_screen_stays_undetermined_until_examined() -> None:
    result = classify(
        case({"lesion_or_disease": True, "plausible_distribution": True}, {"dn4": dn4(8)})
    )
    assert result.neupsig_grade == "possible"
    assert result.pain_type == "undetermined"


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


@given(history=facts, distribution=facts, signs=facts, test=facts, count=st.integers(0, 10))
def test_screening_never_changes_the_grade(
    history: bool | None,
    distribution: bool | None,
    signs: bool | None,
    test: bool | None,
    count: int,
) -> None:
    findings = {
        "lesion_or_disease": history,
        "plausible_distribution": distribution,
        "sensory_signs": signs,
        "confirmatory_test": test,
    }
    with_screen = classify(case(findings, {"dn4": dn4(count)}))
    without = classify(case(findings))
    assert with_screen.neupsig_grade == without.neupsig_grade
    if with_screen.pain_type == "neuropathic":
        assert with_screen.neupsig_grade in {"probable", "definite"}


def test_the_classification_json_is_the_published_contract() -> None:
    result = classify(case(PROBABLE, {"dn4": dn4(6)}))
    doc = result.as_json()
    assert doc == {"neupsig_grade": result.neupsig_grade, "pain_type": result.pain_type,
                   "reasons": result.reasons, "sources": result.sources}
    assert doc["reasons"] and doc["sources"]
    assert doc["reasons"] is not result.reasons  # a copy: the caller may not edit the result
