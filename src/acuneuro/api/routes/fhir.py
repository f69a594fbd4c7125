"""FHIR R4 endpoints of the assessments, mounted at ``/fhir``.

``Questionnaire`` (one, or all as a searchset Bundle) and ``QuestionnaireResponse`` (create);
reading and searching every other resource is the REST face's (``routes.fhir_rest``).
Every endpoint needs the bearer token of the JSON API;
responses are ``application/fhir+json`` and refusals are OperationOutcome resources
(:mod:`acuneuro.api._fhir`). Patient scope and audit are the services'.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, status

from acuneuro.api._fhir import FHIR_JSON, FhirResponse, FhirRoute, operation_outcome
from acuneuro.api.deps import ActorDep, ContextDep
from acuneuro.clinical.scoring import UnknownInstrumentError, list_instruments
from acuneuro.interop.fhir_questionnaire import questionnaire, questionnaire_url
from acuneuro.services import NotFound
from acuneuro.services import fhir_assessment as service

__all__ = ["FHIR_PREFIX", "router"]

FHIR_PREFIX = "/fhir"
# A completed instrument is a few kilobytes; this leaves room for narrative and extensions.
_MAX_BODY = 256 * 1024
_ACCEPTED_TYPES = frozenset({FHIR_JSON, "application/json"})

router = APIRouter(prefix=FHIR_PREFIX, tags=["fhir"], route_class=FhirRoute,
                   default_response_class=FhirResponse)


@router.get("/Questionnaire")
def questionnaires(actor: ActorDep) -> FhirResponse:
    """Every instrument as a Questionnaire, in a searchset Bundle."""
    entries = [
        {"fullUrl": questionnaire_url(i["id"]), "resource": questionnaire(i["id"]),
         "search": {"mode": "match"}}
        for i in list_instruments()
    ]
    return FhirResponse({"resourceType": "Bundle", "type": "searchset", "total": len(entries),
                         "entry": entries})


@router.get("/Questionnaire/{instrument_id}")
def read_questionnaire(actor: ActorDep, instrument_id: str) -> FhirResponse:
    """One instrument as a Questionnaire; 404 for an unknown id."""
    try:
        return FhirResponse(questionnaire(instrument_id))
    except UnknownInstrumentError as exc:
        return operation_outcome(status.HTTP_404_NOT_FOUND, str(exc))


@router.post("/QuestionnaireResponse", status_code=status.HTTP_201_CREATED)
async def create_questionnaire_response(
    request: Request, ctx: ContextDep, actor: ActorDep
) -> FhirResponse:
    """Score and store a completed response; answer the response and its score Observation.

    The body is a ``collection`` Bundle of the QuestionnaireResponse as posted (with the
    ``id`` given to it) and the Observation of its score; ``Location`` names the response.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in _ACCEPTED_TYPES:
        return operation_outcome(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                                 f"send the resource as {FHIR_JSON}")
    body = await request.body()
    if len(body) > _MAX_BODY:
        return operation_outcome(status.HTTP_413_CONTENT_TOO_LARGE,
                                 f"a QuestionnaireResponse of at most {_MAX_BODY} bytes")
    try:
        resource: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return operation_outcome(status.HTTP_400_BAD_REQUEST, f"the body is not JSON: {exc}")
    try:
        stored, observation = service.record_questionnaire_response(
            ctx, actor, resource, today=date.today()
        )
    except NotFound as exc:
        return operation_outcome(status.HTTP_404_NOT_FOUND, str(exc),
                                 "QuestionnaireResponse.subject")
    location = f"{FHIR_PREFIX}/QuestionnaireResponse/{stored['id']}"
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": str(request.base_url).rstrip("/") + location, "resource": stored},
            {"fullUrl": str(request.base_url).rstrip("/")
             + f"{FHIR_PREFIX}/Observation/{observation['id']}", "resource": observation},
        ],
    }
    return FhirResponse(bundle, status_code=status.HTTP_201_CREATED,
                        headers={"Location": location})
