"""``/api/v1/plan``, ``/api/v1/points`` and ``/api/v1/patients/{id}/plans``.

``POST /plan`` is the pure planner (the same JSON as ``acuneuro plan``); ``/points`` lists the
atlas. The patient routes parse, call one service function and render: clinic scope, roles
and audit are the services' (``acuneuro.services.planning``). A case that does not validate
answers 422 with the field's location, like every other request body.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from acuneuro.api._bodies import RawBody, body_schema, unprocessable
from acuneuro.api._json import as_json
from acuneuro.api.deps import ActorDep, ContextDep
from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.planner import Plan, build_plan
from acuneuro.knowledge import AtlasPoint
from acuneuro.knowledge import points as atlas_points
from acuneuro.services import planning as service
from acuneuro.services.planning import (
    Acceptance,
    PlanEdit,
    PlanSummary,
    PlanView,
    PointRefused,
)

__all__ = ["router"]

router = APIRouter(tags=["planning"])


@router.post("/plan")
def plan_case(actor: ActorDep, case: ClinicalCase) -> Plan:
    """Screen a clinical case and plan points, stimulation and course (nothing is stored)."""
    return build_plan(case)


@router.get("/points")
def list_points(
    actor: ActorDep,
    meridian: Annotated[str | None, Query(max_length=8)] = None,
    region: Annotated[str | None, Query(max_length=32)] = None,
) -> list[AtlasPoint]:
    """Atlas points (WHO 2008 and the extra points used), optionally by meridian and region."""
    try:
        return atlas_points(meridian=meridian, region=region)
    except ValueError as exc:
        # FastAPI's 422 shape, naming the parameter (the atlas checks the meridian first).
        field = "meridian" if str(exc).startswith("unknown meridian") else "region"
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", field), "msg": str(exc)}]
        ) from None


class PlanList(BaseModel):
    """A patient's plans, newest first."""

    items: list[PlanSummary]
    count: int


_PLANS = "/patients/{patient_id}/plans"


def _plan_number(text: str) -> int:
    """A plan id from the path; anything else names no plan (404 from the service, audited)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0





@router.post(_PLANS, status_code=status.HTTP_201_CREATED)
def propose_plan(
    ctx: ContextDep,
    actor: ActorDep,
    patient_id: str,
    case: Annotated[dict[str, Any], Body(description="clinical case; gaps filled from the record")],
) -> PlanView:
    """Build the case (record facts fill its gaps), plan it and store it as proposed."""
    try:
        return service.propose_plan(ctx, actor, patient_id, case, today=date.today())
    except ValidationError as exc:
        raise unprocessable(exc) from None


@router.get(_PLANS, response_model=PlanList)
def list_plans(ctx: ContextDep, actor: ActorDep, patient_id: str) -> Response:
    """The patient's plans; 404 when the patient is not in the caller's clinic."""
    items = service.list_plans(ctx, actor, patient_id)
    return as_json(PlanList(items=items, count=len(items)))


@router.get(_PLANS + "/{plan_id}")
def read_plan(ctx: ContextDep, actor: ActorDep, patient_id: str, plan_id: str) -> PlanView:
    """One plan with its case and, once accepted, its schedule."""
    return service.get_plan(ctx, actor, patient_id, _plan_number(plan_id))


# The bodies are validated by the service after the plan is found: an outsider gets the same
# 404 whatever they send.
@router.patch(_PLANS + "/{plan_id}", openapi_extra=body_schema(PlanEdit))
def edit_plan(
    ctx: ContextDep, actor: ActorDep, patient_id: str, plan_id: str, body: RawBody
) -> PlanView:
    """Remove points, change sides, add atlas points, set the course; excluded points: 400.

    A never-needled point, or a danger-zone point without its acknowledgement and needling
    limit, is 422 naming the field (``add.0.code``, ``add.0.max_depth_mm``, ...).
    """
    try:
        return service.edit_plan(ctx, actor, patient_id, _plan_number(plan_id), body)
    except ValidationError as exc:
        raise unprocessable(exc) from None
    except PointRefused as exc:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", *exc.loc), "msg": str(exc)}]
        ) from None


@router.post(_PLANS + "/{plan_id}/accept", openapi_extra=body_schema(Acceptance))
def accept_plan(
    ctx: ContextDep, actor: ActorDep, patient_id: str, plan_id: str, body: RawBody
) -> PlanView:
    """Accept a proposed plan and schedule it from ``start_on``; a stop plan: 400."""
    try:
        return service.accept_plan(ctx, actor, patient_id, _plan_number(plan_id), body)
    except ValidationError as exc:
        raise unprocessable(exc) from None
