"""``/api/v1/patients``: create, list, read and update patients of the caller's clinic.

The routes parse, call one service function and render; the clinic scope, the role check
and the audit trail are the services' (``acuneuro.services.patients``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from acuneuro.api.deps import ActorDep, ContextDep
from acuneuro.services import PatientCreate, PatientUpdate, PatientView
from acuneuro.services import patients as service

__all__ = ["router"]

router = APIRouter(prefix="/patients", tags=["patients"])
# Beyond any clinic's size; a larger number overflows the databases' 64-bit OFFSET (a 500).
_MAX_OFFSET = 10**9


class PatientList(BaseModel):
    """One page of patients."""

    items: list[PatientView]
    count: int


@router.post("", status_code=status.HTTP_201_CREATED)
def create_patient(ctx: ContextDep, actor: ActorDep, body: PatientCreate) -> PatientView:
    """Register a patient in the caller's clinic."""
    return service.create_patient(ctx, actor, body)


@router.get("")
def list_patients(
    ctx: ContextDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=_MAX_OFFSET)] = 0,
) -> PatientList:
    """Patients of the caller's clinic, by family name (search is a POST: no names in URLs)."""
    items = service.list_patients(ctx, actor, limit=limit, offset=offset)
    return PatientList(items=items, count=len(items))


class Search(BaseModel):
    """A search by name, record number or pseudonymous id."""

    model_config = {"extra": "forbid"}

    q: str
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=_MAX_OFFSET)


@router.post("/search")
def search_patients(ctx: ContextDep, actor: ActorDep, body: Search) -> PatientList:
    """Search patients of the caller's clinic; the terms travel in the body, not the URL."""
    items = service.list_patients(ctx, actor, body.q, limit=body.limit, offset=body.offset)
    return PatientList(items=items, count=len(items))


@router.get("/{patient_id}")
def read_patient(ctx: ContextDep, actor: ActorDep, patient_id: str) -> PatientView:
    """One patient; 404 when it is not in the caller's clinic."""
    return service.get_patient(ctx, actor, patient_id)


@router.patch("/{patient_id}")
def update_patient(
    ctx: ContextDep, actor: ActorDep, patient_id: str, body: PatientUpdate
) -> PatientView:
    """Change the fields given; 404 when the patient is not in the caller's clinic."""
    return service.update_patient(ctx, actor, patient_id, body)
