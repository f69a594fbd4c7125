"""Corrections over JSON: amend a clinical record, mark it entered in error, withdraw a plan.

``kind`` is one of patient, episode, score, session, adverse-event, medicine, plan; ``ref`` the
record's id (``details`` for the patient's own details). Every body carries a ``reason``;
``version`` (optional) refuses with 409 a record changed since it was read. A refused value is
422 with ``field`` and a sentence; nothing is written. Scope, roles and audit are the service's.
"""

from __future__ import annotations

from fastapi import APIRouter

from acuneuro.api._bodies import RawBody, body_schema
from acuneuro.api.deps import ActorDep, ContextDep
from acuneuro.services import corrections as service
from acuneuro.services.corrections import CorrectionIn, RecordEntry

__all__ = ["router"]

router = APIRouter(tags=["corrections"])

_P = "/patients/{patient_id}"


@router.get(_P + "/records")
def list_records(ctx: ContextDep, actor: ActorDep, patient_id: str) -> list[RecordEntry]:
    """Every clinical record of the patient, entered-in-error ones too, with its history."""
    return service.patient_records(ctx, actor, patient_id)


@router.get(_P + "/records/{kind}/{ref}")
def read_record(ctx: ContextDep, actor: ActorDep, patient_id: str, kind: str, ref: str
                ) -> RecordEntry:
    """One record with its current values, status, version and history."""
    return service.record_entry(ctx, actor, patient_id, kind, ref)


@router.post(_P + "/records/{kind}/{ref}/amend", openapi_extra=body_schema(CorrectionIn))
def amend(ctx: ContextDep, actor: ActorDep, patient_id: str, kind: str, ref: str,
          body: RawBody) -> RecordEntry:
    """Change the fields in ``changes``; the previous values stay in the history."""
    return service.amend_record(ctx, actor, patient_id, kind, ref, body)


@router.post(_P + "/records/{kind}/{ref}/entered-in-error",
             openapi_extra=body_schema(CorrectionIn))
def entered_in_error(ctx: ContextDep, actor: ActorDep, patient_id: str, kind: str, ref: str,
                     body: RawBody) -> RecordEntry:
    """Mark the record entered in error: kept, struck through, left out of every count."""
    return service.mark_entered_in_error(ctx, actor, patient_id, kind, ref, body)


@router.post(_P + "/plans/{plan_id}/withdraw", openapi_extra=body_schema(CorrectionIn))
def withdraw(ctx: ContextDep, actor: ActorDep, patient_id: str, plan_id: str, body: RawBody
             ) -> RecordEntry:
    """Withdraw a proposed plan that was never accepted."""
    # Anything but a plan number names no plan: 404 from the service, audited.
    number = int(plan_id) if plan_id.isascii() and plan_id.isdigit() and len(plan_id) < 10 else 0
    return service.withdraw_plan(ctx, actor, patient_id, number, body)
