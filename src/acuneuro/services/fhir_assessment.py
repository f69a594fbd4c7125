"""Assessment over FHIR R4: store a QuestionnaireResponse, read it back, read its Observation.

A posted QuestionnaireResponse must be ``completed``, name its patient as
``Patient/<pseudonymous id>`` and answer an acuneuro Questionnaire (optionally
``url|version``, which must be the current version, because the answers are scored with
it). It is scored by the same engine as every other response, stored verbatim (the server
assigns ``id``, as FHIR ``create`` does) and read back unchanged; the score comes back as an
Observation built from the STORED numbers, never from a re-scoring.

References
----------
HL7 FHIR R4 (4.0.1): RESTful API ``create`` and ``read``; QuestionnaireResponse;
Observation; OperationOutcome ``issue.expression`` (FHIRPath of the element at fault).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError

from acuneuro.clinical.scoring import (
    AnswerError,
    ClinicianOnlyError,
    ScoreResult,
    UnknownInstrumentError,
    get_instrument,
)
from acuneuro.i18n import gettext as _
from acuneuro.interop.fhir_ids import logical_id
from acuneuro.interop.fhir_questionnaire import (
    BASE_URL,
    FhirMappingError,
    answers_from_response,
    questionnaire_response,
    score_observation,
)
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._erasure import minimal_questionnaire_response
from acuneuro.services._errors import ServiceError
from acuneuro.services.assessment import (
    NotSelfReport,
    NotStorable,
    ScoreIn,
    ScoreView,
    get_score,
    record_score,
)
from acuneuro.store import ScoreRecord

__all__ = [
    "FhirInputError",
    "observation_of",
    "questionnaire_response_of",
    "read_observation",
    "read_questionnaire_response",
    "record_questionnaire_response",
]

_QR = "QuestionnaireResponse"
_SUBJECT = re.compile(r"^Patient/([A-Za-z0-9\-.]{1,64})$")
_AUTHORED = re.compile(r"^(\d{4}-\d{2}-\d{2})(T.*)?$")
_ITEM = re.compile(r"^item '([a-z0-9_]+)'")


class FhirInputError(ServiceError):
    """A resource acuneuro cannot accept; ``expression`` is the FHIRPath of the element."""

    def __init__(self, expression: str, message: str) -> None:
        self.expression = expression
        self.message = message
        super().__init__(f"{expression}: {message}")


def record_questionnaire_response(
    ctx: Context, actor: Actor, resource: Mapping[str, Any], *, today: date
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Score and store a QuestionnaireResponse; return it (with its new ``id``) and the score.

    Raises :class:`FhirInputError` naming the element for a resource that cannot be stored,
    and :class:`~acuneuro.services.NotFound` when the subject is not a patient of the caller's
    clinic. ``today`` is the day recorded when the response has no ``authored``.
    """
    if not isinstance(resource, Mapping) or resource.get("resourceType") != _QR:
        raise FhirInputError(f"{_QR}.resourceType", _("expected a QuestionnaireResponse"))
    # Narrative, display names and extensions are dropped here, never stored or served back.
    posted = minimal_questionnaire_response(resource)
    instrument_id = _instrument_of(posted)
    answers = _answers(posted, instrument_id)
    if posted.get("status") != "completed":
        raise FhirInputError(f"{_QR}.status", _("only a completed response can be scored"))
    reference = (posted.get("subject") or {}).get("reference", "")
    subject = _SUBJECT.match(reference) if isinstance(reference, str) else None
    if subject is None:
        raise FhirInputError(f"{_QR}.subject", _("expected a reference Patient/<id>"))
    # FHIR QuestionnaireResponse.source: who answered. The patient answering alone gets the
    # tablet's rule: self-report items only.
    source = (posted.get("source") or {}).get("reference", "")
    by_patient = isinstance(source, str) and source.startswith("Patient/")
    try:
        request = ScoreIn(instrument=instrument_id, answers=answers,
                          taken_on=_taken_on(posted, today),
                          completed_by="patient" if by_patient else "clinician")
    except ValidationError as exc:
        raise FhirInputError(f"{_QR}.authored", exc.errors()[0]["msg"]) from None
    try:
        view = record_score(ctx, actor, subject.group(1), request, fhir_resource=posted)
    except NotStorable as exc:
        raise FhirInputError(f"{_QR}.questionnaire", str(exc)) from None
    except NotSelfReport as exc:
        raise FhirInputError(f"{_QR}.source", str(exc)) from None
    except ClinicianOnlyError as exc:
        raise FhirInputError(_item_path(posted, str(exc)), str(exc)) from None
    # The ids the export and the REST face give this score (interop/fhir_ids.py), so the
    # Location answered here can be read back.
    response_id = logical_id(actor.clinic_id, ScoreRecord.__tablename__, view.id, "response")
    observation = _with_id(observation_of(view), logical_id(
        actor.clinic_id, ScoreRecord.__tablename__, view.id))
    observation["derivedFrom"] = [{"reference": f"{_QR}/{response_id}"}]
    return _with_id(posted, response_id), observation


def read_questionnaire_response(ctx: Context, actor: Actor, score_id: int) -> dict[str, Any]:
    """The stored response as posted; a score entered on a form is given as FHIR too."""
    return questionnaire_response_of(get_score(ctx, actor, score_id))


def questionnaire_response_of(view: ScoreView) -> dict[str, Any]:
    """The QuestionnaireResponse of a stored score: as posted, or built from its answers."""
    if view.fhir_resource is not None:
        return _with_id(view.fhir_resource, view.id)
    built = questionnaire_response(view.instrument, view.answers,
                                   subject=f"Patient/{view.patient}",
                                   authored=view.taken_on.isoformat())
    return _with_id(built, view.id)


def read_observation(ctx: Context, actor: Actor, score_id: int) -> dict[str, Any]:
    """The stored score as an Observation."""
    return observation_of(get_score(ctx, actor, score_id))


def observation_of(view: ScoreView) -> dict[str, Any]:
    """The Observation of a stored score: its stored total, subscales and reading."""
    stored = ScoreResult(
        instrument=view.instrument,
        version=view.version,
        total=view.total,
        subscales=view.subscales,
        positive=view.positive,
        interpretation=view.interpretation or view.note or "",
        sources=view.sources,
    )
    observation = score_observation(
        stored,
        subject=f"Patient/{view.patient}",
        effective=view.taken_on.isoformat(),
        derived_from=f"{_QR}/{view.id}",
    )
    return _with_id(observation, view.id)


def _with_id(resource: Mapping[str, Any], score_id: int | str) -> dict[str, Any]:
    return {"resourceType": resource["resourceType"], "id": str(score_id),
            **{k: v for k, v in resource.items() if k not in {"resourceType", "id"}}}


def _instrument_of(posted: dict[str, Any]) -> str:
    url = posted.get("questionnaire")
    prefix = f"{BASE_URL}/Questionnaire/"
    if not isinstance(url, str) or not url.startswith(prefix):
        raise FhirInputError(f"{_QR}.questionnaire",
                             _("expected an acuneuro Questionnaire URL (%(prefix)sID)") % {
                                 "prefix": prefix})
    instrument_id, _bar, version = url.removeprefix(prefix).partition("|")
    try:
        current = get_instrument(instrument_id).version
    except UnknownInstrumentError as exc:
        raise FhirInputError(f"{_QR}.questionnaire", str(exc)) from None
    if version and version != current:
        raise FhirInputError(f"{_QR}.questionnaire",
                             _("version %(version)s is not the current version %(current)s") % {
                                 "version": version, "current": current})
    return instrument_id


def _answers(posted: dict[str, Any], instrument_id: str) -> dict[str, object]:
    bare = {**posted, "questionnaire": f"{BASE_URL}/Questionnaire/{instrument_id}"}
    try:
        _, answers = answers_from_response(bare)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise FhirInputError(_path(first["loc"]), first["msg"]) from None
    except (FhirMappingError, AnswerError) as exc:
        raise FhirInputError(_item_path(posted, str(exc)), str(exc)) from None
    return answers


def _path(loc: tuple[int | str, ...]) -> str:
    path = _QR
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{'resourceType' if part == 'resource_type' else part}"
    return path


def _item_path(posted: dict[str, Any], message: str) -> str:
    """``QuestionnaireResponse.item[i]`` for the item a message names, else ``.item``."""
    named = _ITEM.search(message.split(": ", 1)[-1]) or _ITEM.search(message)
    items = posted.get("item")
    if named is not None and isinstance(items, list):
        for index, entry in enumerate(items):
            if isinstance(entry, Mapping) and entry.get("linkId") == named.group(1):
                return f"{_QR}.item[{index}]"
    return f"{_QR}.item"


def _taken_on(posted: dict[str, Any], today: date) -> date:
    authored = posted.get("authored")
    if authored is None:
        return today
    match = _AUTHORED.match(authored) if isinstance(authored, str) else None
    try:
        if match is None:
            raise ValueError(authored)
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise FhirInputError(f"{_QR}.authored", _("expected a date or dateTime")) from None
