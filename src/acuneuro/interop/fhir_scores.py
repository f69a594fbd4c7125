"""A stored score as FHIR (Observation + QuestionnaireResponse with stable ids), and the way back.

Export: the Observation carries the STORED total, subscales and reading (never a re-scoring),
coded with the instrument's standard code where its data names one (LOINC 72514-3 for the NRS)
next to acuneuro's own score code; the answers, when there are any, are a QuestionnaireResponse
the Observation is ``derivedFrom``. Import (:func:`parse_scores`) takes those back and also a
plain standard Observation from another system (a LOINC-coded NRS with ``valueQuantity`` or
``valueInteger``), and a QuestionnaireResponse to an acuneuro Questionnaire (a DN4, say), which
is scored by the engine. A resource it cannot place is reported by its id, never skipped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from acuneuro.clinical.scoring import (
    ScoreResult,
    UnknownInstrumentError,
    get_instrument,
    list_instruments,
    score,
)
from acuneuro.i18n import gettext as _
from acuneuro.interop.fhir_ids import reference
from acuneuro.interop.fhir_questionnaire import (
    FhirMappingError,
    answers_from_response,
    questionnaire_response,
    score_observation,
)
from acuneuro.knowledge import Instrument, fhir_codes

__all__ = ["ImportedScore", "parse_scores", "score_resources"]

_SCORE_SYSTEM = "https://acuneuro.org/fhir/CodeSystem/instrument-score"
_POSITIVE = {"POS": True, "NEG": False}


@dataclass(frozen=True)
class ImportedScore:
    """One score read from FHIR: what the store needs to keep it."""

    instrument: str
    taken_on: date
    total: float | None
    subscales: dict[str, float | None]
    positive: bool | None
    answers: dict[str, Any] = field(default_factory=dict)


def score_resources(result: ScoreResult, answers: Mapping[str, Any], *, patient_ref: str,
                    taken_on: date, observation_id: str, response_id: str,
                    meta: Mapping[str, Any] | None = None,
                    entered_in_error: bool = False,
                    with_response: bool = True) -> list[dict[str, Any]]:
    """The score's QuestionnaireResponse (when it has answers) and its Observation.

    ``with_response=False`` gives the Observation alone (the same one: its ``derivedFrom``
    still names the response), for a caller that serves Observations only.
    """
    out: list[dict[str, Any]] = []
    derived = None
    status = "entered-in-error" if entered_in_error else None
    if answers and not with_response:
        derived = reference("QuestionnaireResponse", response_id)
    elif answers:
        response = questionnaire_response(result.instrument, answers, subject=patient_ref,
                                          authored=taken_on.isoformat())
        response = {"resourceType": "QuestionnaireResponse", "id": response_id,
                    **({"meta": dict(meta)} if meta else {}),
                    **{k: v for k, v in response.items() if k != "resourceType"}}
        if status:
            response["status"] = status
        out.append(response)
        derived = reference("QuestionnaireResponse", response_id)
    observation = score_observation(result, subject=patient_ref,
                                    effective=taken_on.isoformat(), derived_from=derived)
    if not result.interpretation:
        observation.pop("note", None)
    if "valueQuantity" in observation:
        observation["valueQuantity"] |= {"system": fhir_codes().systems["ucum"],
                                         "code": "{score}", "unit": "{score}"}
    observation = {"resourceType": "Observation", "id": observation_id,
                   **({"meta": dict(meta)} if meta else {}),
                   **{k: v for k, v in observation.items() if k != "resourceType"}}
    if status:
        observation["status"] = status
    out.append(observation)
    return out


def _instrument_of(concept: Mapping[str, Any]) -> tuple[Instrument, str] | None:
    """The instrument and score id an Observation.code names (acuneuro's code, else a standard)."""
    for coding in concept.get("coding", []):
        if coding.get("system") == _SCORE_SYSTEM:
            instrument_id, _, score_id = str(coding.get("code", "")).partition(".")
            try:
                return get_instrument(instrument_id), score_id
            except UnknownInstrumentError:
                return None
    for listed in list_instruments():
        instrument = get_instrument(listed["id"])
        for coding in concept.get("coding", []):
            for c in instrument.codes:
                if (coding.get("system"), coding.get("code")) == (c.system, c.code):
                    return instrument, c.score
    return None


def _number(item: Mapping[str, Any]) -> float | None:
    if "valueQuantity" in item:
        return float(item["valueQuantity"]["value"])
    if "valueInteger" in item:
        return float(item["valueInteger"])
    return None


def _observation(r: Mapping[str, Any], responses: Mapping[str, Mapping[str, Any]]
                 ) -> ImportedScore:
    found = _instrument_of(r.get("code", {}))
    if found is None:
        codes = ", ".join(f"{c.get('system')}|{c.get('code')}"
                          for c in r.get("code", {}).get("coding", []))
        raise FhirMappingError(_("code %(codes)s is not an instrument acuneuro knows")
                               % {"codes": codes or "(none)"})
    instrument, score_id = found
    if score_id != (instrument.total or "total"):
        raise FhirMappingError(_("code names the %(score)s subscale, not the instrument's "
                                 "total") % {"score": score_id})
    subscales: dict[str, float | None] = {}
    for component in r.get("component", []):
        part = _instrument_of(component.get("code", {}))
        if part is not None and part[0].id == instrument.id:
            subscales[part[1]] = _number(component)
    flags = [c.get("code") for i in r.get("interpretation", []) for c in i.get("coding", [])]
    positive = next((_POSITIVE[f] for f in flags if f in _POSITIVE), None)
    answers: dict[str, Any] = {}
    for ref in r.get("derivedFrom", []):
        source = responses.get(str(ref.get("reference", "")))
        if source is not None:
            answers = answers_from_response(source)[1]
    when = r.get("effectiveDateTime")
    if not isinstance(when, str):
        raise FhirMappingError(_("effectiveDateTime is needed (the day the score was taken)"))
    return ImportedScore(instrument=instrument.id, taken_on=date.fromisoformat(when[:10]),
                         total=_number(r), subscales=subscales, positive=positive,
                         answers=answers)


def _response(r: Mapping[str, Any]) -> ImportedScore:
    instrument_id, answers = answers_from_response(r)
    result = score(instrument_id, answers)
    when = r.get("authored")
    if not isinstance(when, str):
        raise FhirMappingError(_("authored is needed (the day the questionnaire was "
                                 "answered)"))
    return ImportedScore(instrument=instrument_id, taken_on=date.fromisoformat(when[:10]),
                         total=result.total, subscales=dict(result.subscales),
                         positive=result.positive, answers=answers)


def parse_scores(resources: list[Mapping[str, Any]]) -> tuple[list[ImportedScore], list[str]]:
    """Scores from Observations and QuestionnaireResponses, and one sentence per refused resource.

    A QuestionnaireResponse an Observation is derived from gives that score its answers; one
    that no Observation names is scored by the engine.
    """
    responses = {reference("QuestionnaireResponse", str(r.get("id"))): r for r in resources
                 if r.get("resourceType") == "QuestionnaireResponse"}
    used: set[str] = set()
    scores: list[ImportedScore] = []
    problems: list[str] = []
    for r in resources:
        if r.get("resourceType") != "Observation":
            continue
        used |= {str(x.get("reference")) for x in r.get("derivedFrom", [])}
        try:
            scores.append(_observation(r, responses))
        except (FhirMappingError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"Observation/{r.get('id')}: {exc}")
    for ref, r in responses.items():
        if ref in used:
            continue
        try:
            scores.append(_response(r))
        except (FhirMappingError, UnknownInstrumentError, ValueError, KeyError) as exc:
            problems.append(f"{ref}: {exc}")
    return scores, problems
