"""Medication statements over a course: add, stop, change a dose; daily MME and the reduction.

A statement is a drug at a constant total daily dose from ``start_on`` to ``stop_on`` (the last
day taken; open while taken). Changing a dose closes the old statement the day before the change
and opens a new one at the new dose, so the history stays as it was lived. The daily MME (CDC
2022, ``clinical.medication.mme_on``) and the medication change from baseline
(``clinical.medication.medication_change``) are COMPUTED from the statements, never typed in.
MME is a dose-burden figure only, never a conversion between opioids (CDC 2022).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.clinical.medication import (
    MedicationChange,
    MedicationStatement,
    MmeResult,
    medication_change,
    mme_on,
)
from acuneuro.i18n import format_date
from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._clinical_checks import check_clinical_date
from acuneuro.services._context import Context
from acuneuro.services._course_common import (
    CourseRefused,
    accepted_plan,
    audited_read,
    load_patient,
    not_found,
    refused,
    require,
)
from acuneuro.services._input_limits import check_input
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action, record
from acuneuro.store import ACTIVE, MedicationStatementRecord, Patient

__all__ = [
    "DoseChange",
    "MedicationIn",
    "MedicationStop",
    "MedicationSummary",
    "MedicationView",
    "add_medication",
    "change_dose",
    "list_medications",
    "medication_rows",
    "medication_summary",
    "statements_of",
    "stop_medication",
]

_RESOURCE = "medication"


# Row ids are PostgreSQL INTEGERs: a larger number would reach the database and fail there.
_MAX_ID = 2**31 - 1


class MedicationIn(BaseModel):
    """A drug taken at a total daily dose from ``start_on`` (``stop_on``: last day, optional)."""

    model_config = ConfigDict(extra="forbid")

    drug: str = Field(min_length=1, max_length=64)
    daily_dose: float = Field(gt=0, le=100_000, allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=16)
    start_on: date
    stop_on: date | None = None


class MedicationStop(BaseModel):
    """The last day the drug of statement ``statement_id`` was taken."""

    model_config = ConfigDict(extra="forbid")

    statement_id: int = Field(ge=1, le=_MAX_ID)
    stop_on: date


class DoseChange(BaseModel):
    """A new total daily dose from ``on`` (statement ``statement_id`` ends the day before)."""

    model_config = ConfigDict(extra="forbid")

    statement_id: int = Field(ge=1, le=_MAX_ID)
    daily_dose: float = Field(gt=0, le=100_000, allow_inf_nan=False)
    on: date


class MedicationView(BaseModel):
    """A stored statement."""

    id: int
    patient: str
    drug: str
    daily_dose: float
    unit: str
    start_on: date
    stop_on: date | None


class MedicationSummary(BaseModel):
    """MME today and at baseline, and the computed change per drug between the two."""

    patient: str
    baseline_date: date | None
    on: date
    statements: list[MedicationView]
    mme: MmeResult
    change: MedicationChange | None


def _view(row: MedicationStatementRecord, pseudo_id: str) -> MedicationView:
    return MedicationView(id=row.id, patient=pseudo_id, drug=row.drug, daily_dose=row.daily_dose,
                          unit=row.unit, start_on=row.start_on, stop_on=row.stop_on)


def statements_of(rows: list[MedicationStatementRecord]) -> list[MedicationStatement]:
    """The clinical statements of stored rows."""
    return [MedicationStatement(drug=r.drug, daily_dose=r.daily_dose, unit=r.unit,
                                start=r.start_on, stop=r.stop_on) for r in rows]


def medication_rows(session: Session, patient: Patient) -> list[MedicationStatementRecord]:
    return list(session.scalars(
        select(MedicationStatementRecord)
        .where(MedicationStatementRecord.clinic_id == patient.clinic_id,
               MedicationStatementRecord.patient_id == patient.id,
               MedicationStatementRecord.status == ACTIVE)
        .order_by(MedicationStatementRecord.start_on, MedicationStatementRecord.id)
    ))


def _one(session: Session, patient: Patient, statement_id: int
         ) -> MedicationStatementRecord | None:
    return session.scalar(
        select(MedicationStatementRecord)
        .where(MedicationStatementRecord.clinic_id == patient.clinic_id,
               MedicationStatementRecord.patient_id == patient.id,
               MedicationStatementRecord.id == statement_id,
               MedicationStatementRecord.status == ACTIVE)
    )


def add_medication(ctx: Context, actor: Actor, pseudo_id: str,
                   data: MedicationIn | Mapping[str, Any]) -> MedicationView:
    """Record a drug the patient takes (the drug name is normalised to lower case)."""
    require(ctx, actor, UseCase.COURSE_WRITE, Action.CREATE, _RESOURCE, pseudo_id)
    with ctx.db.write() as session:
        patient = load_patient(session, actor, pseudo_id)
        if patient is not None:
            given = data if isinstance(data, MedicationIn) else MedicationIn.model_validate(data)
            check_input(given)
            check_clinical_date("start_on", _("The start date"), given.start_on,
                                patient.identity.date_of_birth)
            # The clinical model checks the dates and normalises the name.
            stmt = MedicationStatement(drug=given.drug, daily_dose=given.daily_dose,
                                       unit=given.unit.strip(), start=given.start_on,
                                       stop=given.stop_on)
            row = MedicationStatementRecord(
                clinic_id=patient.clinic_id, patient_id=patient.id, drug=stmt.drug,
                daily_dose=stmt.daily_dose, unit=stmt.unit, start_on=stmt.start,
                stop_on=stmt.stop, created_by=actor.user_id)
            session.add(row)
            session.flush()
            record(session, ctx.audit_key, actor=actor, action=Action.CREATE,
                   resource=_RESOURCE, patient=pseudo_id)
            return _view(row, pseudo_id)
    not_found(ctx, actor, Action.CREATE, _RESOURCE, pseudo_id)


def stop_medication(ctx: Context, actor: Actor, pseudo_id: str,
                    data: MedicationStop | Mapping[str, Any]) -> MedicationView:
    """Close an open statement on its last day taken."""
    require(ctx, actor, UseCase.COURSE_WRITE, Action.UPDATE, _RESOURCE, pseudo_id)
    try:
        with ctx.db.write() as session:
            patient = load_patient(session, actor, pseudo_id)
            if patient is not None:
                given = (data if isinstance(data, MedicationStop)
                         else MedicationStop.model_validate(data))
                check_input(given)
                row = _one(session, patient, given.statement_id)
                if row is not None:
                    _close(row, given.stop_on)
                    session.flush()
                    record(session, ctx.audit_key, actor=actor, action=Action.UPDATE,
                           resource=_RESOURCE, patient=pseudo_id)
                    return _view(row, pseudo_id)
    except CourseRefused as exc:
        refused(ctx, actor, Action.UPDATE, _RESOURCE, pseudo_id, str(exc))
    not_found(ctx, actor, Action.UPDATE, _RESOURCE, pseudo_id,
              "patient" if patient is None else "medication statement")


def _close(row: MedicationStatementRecord, stop_on: date) -> None:
    if row.stop_on is not None:
        raise CourseRefused(_("%(drug)s was already stopped on %(day)s.") % {
            "drug": row.drug, "day": format_date(row.stop_on)})
    if stop_on < row.start_on:
        raise CourseRefused(_("%(drug)s: the stop (%(stop)s) is before the start (%(start)s).") % {
            "drug": row.drug, "stop": format_date(stop_on), "start": format_date(row.start_on)})
    row.stop_on = stop_on


def change_dose(ctx: Context, actor: Actor, pseudo_id: str,
                data: DoseChange | Mapping[str, Any]) -> MedicationView:
    """Close the statement the day before ``on`` and open a new one at the new dose from ``on``."""
    require(ctx, actor, UseCase.COURSE_WRITE, Action.UPDATE, _RESOURCE, pseudo_id)
    try:
        with ctx.db.write() as session:
            patient = load_patient(session, actor, pseudo_id)
            if patient is not None:
                given = data if isinstance(data, DoseChange) else DoseChange.model_validate(data)
                check_input(given)
                row = _one(session, patient, given.statement_id)
                if row is not None:
                    new = _reopen(row, given, actor)
                    session.add(new)
                    session.flush()
                    record(session, ctx.audit_key, actor=actor, action=Action.UPDATE,
                           resource=_RESOURCE, patient=pseudo_id)
                    return _view(new, pseudo_id)
    except CourseRefused as exc:
        refused(ctx, actor, Action.UPDATE, _RESOURCE, pseudo_id, str(exc))
    not_found(ctx, actor, Action.UPDATE, _RESOURCE, pseudo_id,
              "patient" if patient is None else "medication statement")


def _reopen(row: MedicationStatementRecord, given: DoseChange, actor: Actor
            ) -> MedicationStatementRecord:
    if given.on <= row.start_on:
        raise CourseRefused(_("%(drug)s: a dose change must come after the start (%(start)s).") % {
            "drug": row.drug, "start": format_date(row.start_on)})
    _close(row, given.on - timedelta(days=1))
    return MedicationStatementRecord(
        clinic_id=row.clinic_id, patient_id=row.patient_id, drug=row.drug,
        daily_dose=given.daily_dose, unit=row.unit, start_on=given.on, created_by=actor.user_id)


def list_medications(ctx: Context, actor: Actor, pseudo_id: str) -> list[MedicationView]:
    """The patient's statements, by start date."""
    return audited_read(
        ctx, actor, UseCase.COURSE_READ, Action.LIST, _RESOURCE, pseudo_id,
        lambda session, patient: [_view(r, pseudo_id) for r in medication_rows(session, patient)],
    )


def medication_summary(ctx: Context, actor: Actor, pseudo_id: str, *, on: date
                       ) -> MedicationSummary:
    """Daily MME on ``on`` and the change from baseline (the day of the first session).

    Baseline is the accepted plan's first session; without an accepted plan there is no
    baseline and ``change`` is None.
    """
    require(ctx, actor, UseCase.COURSE_READ, Action.READ, _RESOURCE, pseudo_id)
    with ctx.db.write() as session:
        patient = load_patient(session, actor, pseudo_id)
        if patient is not None:
            rows = medication_rows(session, patient)
            plan = accepted_plan(session, patient)
            baseline = plan.start_on if plan is not None else None
            statements = statements_of(rows)
            summary = MedicationSummary(
                patient=pseudo_id, baseline_date=baseline, on=on,
                statements=[_view(r, pseudo_id) for r in rows], mme=mme_on(statements, on),
                change=(medication_change(statements, baseline, on)
                        if baseline is not None and baseline <= on else None),
            )  # fmt: skip
            record(session, ctx.audit_key, actor=actor, action=Action.READ,
                   resource=_RESOURCE, patient=pseudo_id)
            return summary
    not_found(ctx, actor, Action.READ, _RESOURCE, pseudo_id)
