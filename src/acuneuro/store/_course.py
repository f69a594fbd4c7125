"""The treatment course: plans, scheduled and recorded sessions, scores, medication, adverse events.

Each row carries ``clinic_id`` and points at its patient through ``(clinic_id, patient_id)``,
so a row can never reference another clinic's patient. Clinical documents that the clinical
core produces and reads back whole (the accepted plan, the STRICTA record, the day's safety
screen, instrument answers) are kept as JSON beside the columns that queries filter on.
Scores keep the instrument version they were scored with and are never re-scored silently.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from acuneuro.store._base import Base, Correctable, UTCDateTime, utcnow
from acuneuro.store._fhir_ids import FhirIdentified

__all__ = [
    "AdverseEventRecord",
    "MedicationStatementRecord",
    "PlanRecord",
    "PlannedSession",
    "ScoreRecord",
    "TreatmentSession",
]


def _patient_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["clinic_id", "patient_id"], ["patients.clinic_id", "patients.id"])


class PlanRecord(FhirIdentified, Base):
    """A proposed or accepted acupuncture plan, with the case it was built from."""

    __tablename__ = "plans"
    __table_args__ = (
        _patient_fk(),
        UniqueConstraint("clinic_id", "id", name="uq_plans_clinic_id_id"),
        CheckConstraint("status IN ('proposed', 'accepted', 'superseded', 'withdrawn', "
                        "'entered-in-error')", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(index=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id"))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    # One more per correction (store._revisions); FHIR meta.versionId.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    condition_kind: Mapped[str] = mapped_column(String(16))
    safety_status: Mapped[str] = mapped_column(String(16))
    case_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    plan_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    start_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PlannedSession(Base):
    """One session of an accepted plan's schedule; re-assessment visits name the instruments due."""

    __tablename__ = "planned_sessions"
    __table_args__ = (
        _patient_fk(),
        ForeignKeyConstraint(["clinic_id", "plan_id"], ["plans.clinic_id", "plans.id"]),
        UniqueConstraint("plan_id", "number", name="uq_planned_sessions_plan_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(index=True)
    plan_id: Mapped[int] = mapped_column(index=True)
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    reassessment: Mapped[bool] = mapped_column(Boolean, default=False)
    instruments_due: Mapped[list[str]] = mapped_column(JSON, default=list)


class TreatmentSession(FhirIdentified, Correctable, Base):
    """A session as delivered (STRICTA 2010), or cancelled or missed, with the day's screen."""

    __tablename__ = "treatment_sessions"
    __table_args__ = (
        _patient_fk(),
        UniqueConstraint("clinic_id", "id", name="uq_treatment_sessions_clinic_id_id"),
        CheckConstraint("attendance IN ('attended', 'cancelled', 'missed')", "attendance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    planned_session_id: Mapped[int | None] = mapped_column(ForeignKey("planned_sessions.id"))
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    attendance: Mapped[str] = mapped_column(String(16))
    record_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    screen_json: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    acknowledged_rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    deviation: Mapped[str | None] = mapped_column(Text)
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScoreRecord(FhirIdentified, Correctable, Base):
    """An instrument's answers and its score, kept with the instrument version used."""

    __tablename__ = "score_records"
    # A patient's series in date order straight from one index: without table statistics
    # SQLite otherwise searched the whole clinic (ix_score_records_clinic_id) and sorted,
    # 0.7-1.1 s per outcome read at 1,000,000 patients (docs/performance.md).
    __table_args__ = (
        _patient_fk(),
        Index("ix_score_records_patient_series", "clinic_id", "patient_id", "taken_on", "id"),
    )

    # The QuestionnaireResponse of the answers has its own logical id (store._fhir_ids).
    fhir_parts: ClassVar[dict[str, str]] = {"fhir_response_id": "response"}
    fhir_response_id: Mapped[str | None] = mapped_column(String(36), index=True, unique=True)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(index=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"))
    instrument_id: Mapped[str] = mapped_column(String(32), index=True)
    instrument_version: Mapped[str] = mapped_column(String(128))
    taken_on: Mapped[date] = mapped_column(Date, index=True)
    answers_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    total: Mapped[float | None] = mapped_column(Float)
    subscales_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    positive: Mapped[bool | None] = mapped_column(Boolean)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MedicationStatementRecord(FhirIdentified, Correctable, Base):
    """A drug taken at a daily dose from ``start_on`` until ``stop_on`` (open when null)."""

    __tablename__ = "medication_statements"
    __table_args__ = (
        _patient_fk(),
        CheckConstraint("stop_on IS NULL OR stop_on >= start_on", "dates"),
        CheckConstraint("daily_dose >= 0", "dose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(index=True)
    drug: Mapped[str] = mapped_column(String(64))
    daily_dose: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    start_on: Mapped[date] = mapped_column(Date)
    stop_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AdverseEventRecord(FhirIdentified, Correctable, Base):
    """An adverse event: type, CTCAE-style grade, relatedness, action and outcome."""

    __tablename__ = "adverse_events"
    __table_args__ = (
        _patient_fk(),
        CheckConstraint("grade BETWEEN 1 AND 5", "grade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_sessions.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    grade: Mapped[int] = mapped_column(Integer)
    relatedness: Mapped[str] = mapped_column(String(32))
    action: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
