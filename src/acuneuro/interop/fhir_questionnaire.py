"""FHIR R4 mapping of the validated instruments: Questionnaire, QuestionnaireResponse, Observation.

Every resource is built as plain JSON and validated with the R4B classes of
``fhir.resources`` (R4B is wire-compatible with R4 for these three resources; the package's
default classes are R5 and are not used). Option codes live in a code system per item under
the acuneuro base URL; a score's ``Observation.code`` is the LOINC code where the
instrument's data names one (e.g. NRS 72514-3) and a local code otherwise.

References
----------
HL7 FHIR R4 (4.0.1): Questionnaire, QuestionnaireResponse, Observation.
Structured Data Capture extensions ``minValue`` / ``maxValue`` for number limits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from acuneuro.clinical.scoring import AnswerError, ScoreResult, get_instrument, normalise_answers
from acuneuro.knowledge import Instrument, Item

__all__ = [
    "BASE_URL",
    "FhirMappingError",
    "answers_from_response",
    "questionnaire",
    "questionnaire_response",
    "questionnaire_url",
    "score_observation",
]

BASE_URL = "https://acuneuro.org/fhir"
_SCORE_SYSTEM = f"{BASE_URL}/CodeSystem/instrument-score"
_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"


class FhirMappingError(ValueError):
    """A FHIR resource that does not map onto an acuneuro instrument."""


def questionnaire_url(instrument_id: str) -> str:
    """Canonical URL of an instrument's Questionnaire."""
    return f"{BASE_URL}/Questionnaire/{instrument_id}"


def _option_system(instrument: Instrument, item: Item) -> str:
    return f"{BASE_URL}/CodeSystem/{instrument.id}/{item.id}"


def _fhir_type(item: Item) -> str:
    if item.type == "number":
        return "integer" if item.integer else "decimal"
    return item.type


def _limit(url: str, item: Item, value: float) -> dict[str, Any]:
    if item.integer:
        return {"url": url, "valueInteger": int(value)}
    return {"url": url, "valueDecimal": value}


def _question(instrument: Instrument, item: Item) -> dict[str, Any]:
    question: dict[str, Any] = {
        "linkId": item.id,
        "text": item.text,
        "type": _fhir_type(item),
        "required": not item.optional,
    }
    if item.type == "choice":
        system = _option_system(instrument, item)
        question["answerOption"] = [
            {"valueCoding": {"system": system, "code": o.code, "display": o.label}}
            for o in item.options
        ]
    if item.type == "number" and item.min is not None and item.max is not None:
        question["extension"] = [_limit(_MIN, item, item.min), _limit(_MAX, item, item.max)]
    return question


def _validated(model: Any, resource: dict[str, Any]) -> dict[str, Any]:
    parsed = model.model_validate(resource)
    result: dict[str, Any] = json.loads(parsed.model_dump_json())
    return result


def questionnaire(instrument_id: str) -> dict[str, Any]:
    """The instrument as a FHIR R4 Questionnaire (validated), items in published order."""
    instrument = get_instrument(instrument_id)
    resource = {
        "resourceType": "Questionnaire",
        "id": instrument.id,
        "url": questionnaire_url(instrument.id),
        "version": instrument.version,
        "name": "".join(ch for ch in instrument.id.title() if ch.isalnum()),
        "title": instrument.name,
        "status": "active",
        "copyright": f"{instrument.licence.holder}. {instrument.licence.note}",
        # Questionnaire.code: the instrument's standard code(s) where its data names one.
        **({"code": [{"system": c.system, "code": c.code, "display": c.display}
                     for c in instrument.codes if c.score == (instrument.total or "total")]}
           if any(c.score == (instrument.total or "total") for c in instrument.codes) else {}),
        "item": [_question(instrument, item) for item in instrument.items],
    }
    return _validated(Questionnaire, resource)


def _answer(instrument: Instrument, item: Item, value: str | float) -> dict[str, Any]:
    if item.type == "boolean":
        return {"valueBoolean": value == "yes"}
    if item.type == "choice":
        option = next(o for o in item.options if o.code == value)
        system = _option_system(instrument, item)
        return {"valueCoding": {"system": system, "code": option.code, "display": option.label}}
    number = float(value)
    return {"valueInteger": int(number)} if item.integer else {"valueDecimal": number}


def questionnaire_response(
    instrument_id: str,
    answers: Mapping[str, object],
    *,
    subject: str | None = None,
    authored: str | None = None,
) -> dict[str, Any]:
    """A completed QuestionnaireResponse from ``{item id: answer}`` (answers checked first)."""
    instrument = get_instrument(instrument_id)
    checked = normalise_answers(instrument, answers)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_url(instrument.id),
        "status": "completed",
        "item": [
            {
                "linkId": item.id,
                "text": item.text,
                "answer": [_answer(instrument, item, checked[item.id])],
            }
            for item in instrument.items
            if item.id in checked
        ],
    }
    if subject is not None:
        resource["subject"] = {"reference": subject}
    if authored is not None:
        resource["authored"] = authored
    return _validated(QuestionnaireResponse, resource)


def _read_answer(instrument: Instrument, item: Item, answer: Mapping[str, Any]) -> object:
    if item.type == "boolean" and "valueBoolean" in answer:
        return bool(answer["valueBoolean"])
    if item.type == "choice" and "valueCoding" in answer:
        coding = answer["valueCoding"]
        if coding.get("system") != _option_system(instrument, item):
            raise FhirMappingError(f"item {item.id!r}: coding from an unknown system")
        return coding.get("code")
    if item.type == "number" and ("valueInteger" in answer or "valueDecimal" in answer):
        return answer.get("valueInteger", answer.get("valueDecimal"))
    raise FhirMappingError(f"item {item.id!r}: answer of the wrong type for a {item.type} item")


def answers_from_response(resource: Mapping[str, Any]) -> tuple[str, dict[str, object]]:
    """The instrument id and ``{item id: answer}`` of a QuestionnaireResponse.

    The inverse of :func:`questionnaire_response`: the answers come back exactly as given.
    """
    parsed = _validated(QuestionnaireResponse, dict(resource))
    url = str(parsed.get("questionnaire", ""))
    prefix = f"{BASE_URL}/Questionnaire/"
    if not url.startswith(prefix):
        raise FhirMappingError(f"questionnaire {url!r} is not an acuneuro instrument")
    instrument = get_instrument(url.removeprefix(prefix))
    known = {item.id: item for item in instrument.items}
    answers: dict[str, object] = {}
    for entry in parsed.get("item", []):
        item = known.get(entry["linkId"])
        if item is None:
            raise FhirMappingError(f"item {entry['linkId']!r} is not in {instrument.id}")
        given = entry.get("answer", [])
        if len(given) != 1:
            raise FhirMappingError(f"item {item.id!r}: expects exactly one answer")
        answers[item.id] = _read_answer(instrument, item, given[0])
    try:
        normalise_answers(instrument, answers)
    except AnswerError as exc:
        raise FhirMappingError(str(exc)) from exc
    return instrument.id, answers


def _score_code(instrument: Instrument, score_id: str, label: str) -> dict[str, Any]:
    codings = [
        {"system": c.system, "code": c.code, "display": c.display}
        for c in instrument.codes
        if c.score == score_id
    ]
    codings.append(
        {"system": _SCORE_SYSTEM, "code": f"{instrument.id}.{score_id}", "display": label}
    )
    return {"coding": codings, "text": label}


def score_observation(
    result: ScoreResult,
    *,
    subject: str | None = None,
    effective: str | None = None,
    derived_from: str | None = None,
) -> dict[str, Any]:
    """The score as an Observation: total as the value, subscales as components."""
    instrument = get_instrument(result.instrument)
    total_id = instrument.total or "total"
    label = instrument.score_rule(total_id).label if instrument.total else instrument.name
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                    }
                ]
            }
        ],
        "code": _score_code(instrument, total_id, label),
        "note": [{"text": result.interpretation}],
    }
    if result.total is not None:
        resource["valueQuantity"] = {"value": result.total}
    else:
        resource["dataAbsentReason"] = {"coding": [{"system": _ABSENT, "code": "unknown"}]}
    if result.positive is not None:
        code = "POS" if result.positive else "NEG"
        resource["interpretation"] = [{"coding": [{"system": _INTERPRETATION, "code": code}]}]
    components = []
    for score_id, value in result.subscales.items():
        component: dict[str, Any] = {
            "code": _score_code(instrument, score_id, instrument.score_rule(score_id).label)
        }
        if value is None:
            component["dataAbsentReason"] = {"coding": [{"system": _ABSENT, "code": "unknown"}]}
        else:
            component["valueQuantity"] = {"value": value}
        components.append(component)
    if components:
        resource["component"] = components
    if subject is not None:
        resource["subject"] = {"reference": subject}
    if effective is not None:
        resource["effectiveDateTime"] = effective
    if derived_from is not None:
        resource["derivedFrom"] = [{"reference": derived_from}]
    return _validated(Observation, resource)
