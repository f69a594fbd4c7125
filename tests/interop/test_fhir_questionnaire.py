"""FHIR R4 Questionnaire, QuestionnaireResponse round trip and score Observation."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.clinical.scoring import get_instrument, list_instruments, score
from acuneuro.interop.fhir_questionnaire import (
    FhirMappingError,
    answers_from_response,
    questionnaire,
    questionnaire_response,
    score_observation,
)
from acuneuro.knowledge import Item

IDS = [i["id"] for i in list_instruments()]


@pytest.mark.parametrize("instrument_id", IDS)
def test_every_instrument_is_a_valid_r4_questionnaire(instrument_id: str) -> None:
    resource = questionnaire(instrument_id)
    parsed = Questionnaire.model_validate(resource)
    assert parsed.status == "active" and parsed.item is not None
    assert [i.linkId for i in parsed.item] == [i.id for i in get_instrument(instrument_id).items]


def answer(item: Item) -> st.SearchStrategy[Any]:
    if item.type == "boolean":
        return st.booleans()
    if item.type == "choice":
        return st.sampled_from([o.code for o in item.options])
    return st.integers(int(item.min or 0), int(item.max or 0))


@pytest.mark.parametrize("instrument_id", IDS)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_a_questionnaire_response_round_trips_unchanged(
    instrument_id: str, data: st.DataObject
) -> None:
    instrument = get_instrument(instrument_id)
    chosen = data.draw(st.lists(st.sampled_from(instrument.items), unique_by=lambda i: i.id))
    answers = {item.id: data.draw(answer(item)) for item in chosen}
    resource = questionnaire_response(
        instrument_id, answers, subject="Patient/p1", authored="2026-11-24"
    )
    assert answers_from_response(resource) == (instrument_id, answers)


def test_the_nrs_score_observation_carries_loinc_72514_3() -> None:
    resource = score_observation(
        score("nrs", {"pain": 6}), subject="Patient/p1", effective="2026-11-24"
    )
    parsed = Observation.model_validate(resource)
    assert parsed.code.coding is not None and parsed.valueQuantity is not None
    codes = {(c.system, c.code) for c in parsed.code.coding}
    assert ("http://loinc.org", "72514-3") in codes
    assert parsed.valueQuantity.value == 6


def test_a_score_without_loinc_uses_the_local_code_and_components() -> None:
    answers = {
        "worst": 6,
        "least": 2,
        "average": 4,
        "now": 3,
        "general_activity": 2,
        "mood": 4,
        "walking": 6,
        "work": 8,
    }
    resource = score_observation(score("bpi-sf", answers))
    assert (
        resource["code"]["coding"][0]["system"]
        == "https://acuneuro.org/fhir/CodeSystem/instrument-score"
    )
    assert "dataAbsentReason" in resource  # the BPI has no single total
    local = "https://acuneuro.org/fhir/CodeSystem/instrument-score"
    components = {next(x["code"] for x in c["code"]["coding"] if x["system"] == local): c
                  for c in resource["component"]}
    assert components["bpi-sf.interference"]["valueQuantity"]["value"] == 5
    # The interference subscale has a LOINC code (77565-0); the severity subscale has none.
    assert {"system": "http://loinc.org", "code": "77565-0",
            "display": "Pain interference score [BPI Short Form]"} in \
        components["bpi-sf.interference"]["code"]["coding"]
    assert [x["system"] for x in components["bpi-sf.severity"]["code"]["coding"]] == [local]
    assert resource["interpretation"][0]["coding"][0]["code"] == "POS"


def test_a_response_for_an_unknown_questionnaire_is_refused() -> None:
    resource = questionnaire_response("nrs", {"pain": 3})
    resource["questionnaire"] = "https://example.org/Questionnaire/other"
    with pytest.raises(FhirMappingError):
        answers_from_response(resource)


def test_a_response_with_a_wrong_answer_type_is_refused() -> None:
    resource = questionnaire_response("dn4", {"burning": True})
    resource["item"][0]["answer"] = [{"valueInteger": 1}]
    with pytest.raises(FhirMappingError, match="burning"):
        answers_from_response(resource)
