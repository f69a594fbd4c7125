"""``/api/v1/patients``: create, list, read and update patients of the caller's clinic.

The routes parse, call one service function and render; the clinic scope, the role check
and the audit trail are the services' (``acuneuro.services.patients``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from acuneuro.api._json import as_json
from acuneuro.api.deps import ActorDep, ContextDep
from acuneuro.services import PatientCreate, PatientUpdate, PatientView
from acuneuro.services import patients as service
from acuneuro.services.patients import PatientPage, PatientSort

__all__ = ["router"]

router = APIRouter(prefix="/patients", tags=["patients"])
# Beyond any clinic's size; a larger number overflows the databases' 64-bit OFFSET (a 500).
_MAX_OFFSET = 10**9


class PatientList(BaseModel):
    """One page of patients: ``count`` on this page, ``total`` matching in the clinic."""

    items: list[PatientView]
    count: int
    total: int
    offset: int
    limit: int
    sort: PatientSort


def _listed(page: PatientPage) -> PatientList:
    return PatientList(items=page.items, count=len(page.items), total=page.total,
                       offset=page.offset, limit=page.limit, sort=page.sort)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={status.HTTP_409_CONFLICT: {
        "description": "A probable duplicate exists (``candidates`` are their ids); send "
                       "``confirm_duplicate: true`` to create the patient anyway."}},
)
def create_patient(ctx: ContextDep, actor: ActorDep, body: PatientCreate) -> PatientView:
    """Register a patient in the caller's clinic (409 with candidates if one looks the same)."""
    return service.create_patient(ctx, actor, body)


@router.get("", response_model=PatientList)
def list_patients(
    ctx: ContextDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=_MAX_OFFSET)] = 0,
    sort: PatientSort = PatientSort.NAME,
) -> Response:
    """Patients of the caller's clinic, one page (search is a POST: no names in URLs)."""
    return as_json(_listed(service.search_patients(ctx, actor, sort=sort, limit=limit,
                                                   offset=offset)))


class Search(BaseModel):
    """A search by name (either order, "Surname, Name"), birth date or year, record number or id."""

    model_config = {"extra": "forbid"}

    q: str
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=_MAX_OFFSET)
    sort: PatientSort = PatientSort.NAME


@router.post("/search")
def search_patients(ctx: ContextDep, actor: ActorDep, body: Search) -> PatientList:
    """Search patients of the caller's clinic; the terms travel in the body, not the URL."""
    return _listed(service.search_patients(ctx, actor, body.q, sort=body.sort,
                                           limit=body.limit, offset=body.offset))


@router.get("/{patient_id}", response_model=PatientView)
def read_patient(ctx: ContextDep, actor: ActorDep, patient_id: str) -> Response:
    """One patient; 404 when it is not in the caller's clinic."""
    return as_json(service.get_patient(ctx, actor, patient_id))


@router.patch("/{patient_id}")
def update_patient(
    ctx: ContextDep, actor: ActorDep, patient_id: str, body: PatientUpdate
) -> PatientView:
    """Change the fields given; 404 when the patient is not in the caller's clinic."""
    return service.update_patient(ctx, actor, patient_id, body)
