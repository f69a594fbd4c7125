"""The treatment course over JSON: sessions, adverse events, medication, outcomes, FHIR Bundle.

Each route parses, calls one service function and renders; clinic scope, roles and audit are
the services'. Bodies are validated by the service AFTER the patient is found, so another
clinic's caller gets the same 404 whatever they send; a body that does not validate is 422
naming the field, and a session the day's screen forbids is 400 with every reason.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from acuneuro.api._bodies import RawBody, body_schema, unprocessable
from acuneuro.api._fhir import FhirResponse
from acuneuro.api._json import as_json
from acuneuro.api.deps import ActorDep, ContextDep
from acuneuro.clinical.adverse_events import AdverseEvent
from acuneuro.services import course as course_service
from acuneuro.services import course_fhir
from acuneuro.services import medication as medication_service
from acuneuro.services import outcomes as outcome_service
from acuneuro.services import sessions as session_service
from acuneuro.services.course import AdverseEventView
from acuneuro.services.medication import (
    DoseChange,
    MedicationIn,
    MedicationStop,
    MedicationSummary,
    MedicationView,
)
from acuneuro.services.outcomes import OutcomesView
from acuneuro.services.sessions import CourseOverview, SessionIn, SessionView

__all__ = ["fhir_router", "router"]

router = APIRouter(tags=["course"])
fhir_router = APIRouter(prefix="/fhir", tags=["fhir"])

_P = "/patients/{patient_id}"





@router.get(_P + "/course")
def read_course(ctx: ContextDep, actor: ActorDep, patient_id: str) -> CourseOverview:
    """The accepted plan's schedule, what is due today, the sessions recorded and adherence."""
    return session_service.course_overview(ctx, actor, patient_id, today=date.today())


@router.get(_P + "/sessions")
def list_sessions(ctx: ContextDep, actor: ActorDep, patient_id: str) -> list[SessionView]:
    """Recorded sessions, oldest first."""
    return session_service.list_sessions(ctx, actor, patient_id)


@router.post(_P + "/sessions", status_code=201, openapi_extra=body_schema(SessionIn))
def record_session(ctx: ContextDep, actor: ActorDep, patient_id: str, body: RawBody
                   ) -> SessionView:
    """Record a session behind the day's screen; excluded point or unacknowledged caution: 400."""
    try:
        return session_service.record_session(ctx, actor, patient_id, body)
    except ValidationError as exc:
        raise unprocessable(exc) from None


@router.get(_P + "/adverse-events")
def list_adverse_events(ctx: ContextDep, actor: ActorDep, patient_id: str
                        ) -> list[AdverseEventView]:
    """Adverse events, oldest first."""
    return course_service.list_adverse_events(ctx, actor, patient_id)


@router.post(_P + "/adverse-events", status_code=201, openapi_extra=body_schema(AdverseEvent))
def add_adverse_event(ctx: ContextDep, actor: ActorDep, patient_id: str, body: RawBody
                      ) -> AdverseEventView:
    """Record an adverse event (CTCAE v5.0 grade, NCI attribution)."""
    try:
        return course_service.add_adverse_event(ctx, actor, patient_id, body)
    except ValidationError as exc:
        raise unprocessable(exc) from None


@router.get(_P + "/medications")
def list_medications(ctx: ContextDep, actor: ActorDep, patient_id: str
                     ) -> list[MedicationView]:
    """Medication statements by start date."""
    return medication_service.list_medications(ctx, actor, patient_id)


@router.post(_P + "/medications", status_code=201, openapi_extra=body_schema(MedicationIn))
def add_medication(ctx: ContextDep, actor: ActorDep, patient_id: str, body: RawBody
                   ) -> MedicationView:
    """Add a statement: drug, total daily dose, unit, start (and stop)."""
    try:
        return medication_service.add_medication(ctx, actor, patient_id, body)
    except ValidationError as exc:
        raise unprocessable(exc) from None


@router.post(_P + "/medication-stops", openapi_extra=body_schema(MedicationStop))
def stop_medication(ctx: ContextDep, actor: ActorDep, patient_id: str, body: RawBody
                    ) -> MedicationView:
    """Close a statement on its last day taken."""
    try:
        return medication_service.stop_medication(ctx, actor, patient_id, body)
    except ValidationError as exc:
        raise unprocessable(exc) from None


@router.post(_P + "/dose-changes", status_code=201, openapi_extra=body_schema(DoseChange))
def change_dose(ctx: ContextDep, actor: ActorDep, patient_id: str, body: RawBody
                ) -> MedicationView:
    """Change a dose: the old statement closes the day before, the new one is returned."""
    try:
        return medication_service.change_dose(ctx, actor, patient_id, body)
    except ValidationError as exc:
        raise unprocessable(exc) from None


@router.get(_P + "/medication-summary")
def medication_summary(ctx: ContextDep, actor: ActorDep, patient_id: str
                       ) -> MedicationSummary:
    """Daily MME today and the computed change from baseline (CDC 2022; not for conversion)."""
    return medication_service.medication_summary(ctx, actor, patient_id, on=date.today())


@router.get(_P + "/outcomes", response_model=OutcomesView)
def read_outcomes(ctx: ContextDep, actor: ActorDep, patient_id: str) -> Response:
    """Every followed score over time with baseline, change, IMMPACT category; PGIC; feet."""
    return as_json(outcome_service.outcomes(ctx, actor, patient_id, as_of=date.today()))


@fhir_router.get("/Patient/{patient_id}/$everything", response_class=FhirResponse)
def patient_everything(request: Request, ctx: ContextDep, actor: ActorDep, patient_id: str
                       ) -> JSONResponse:
    """Every resource of the patient (pseudonymous) as a FHIR R4 ``searchset`` Bundle."""
    bundle = course_fhir.everything(ctx, actor, patient_id, self_url=str(request.url))
    return JSONResponse(bundle, media_type="application/fhir+json")
