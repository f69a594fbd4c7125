"""Corrections, never deletion: the previous state of every amended clinical row.

Each clinical table carries ``version`` (1 when written, one more per correction) and
``status`` (``active`` or ``entered-in-error``; plans keep their own life cycle and add
``withdrawn`` and ``entered-in-error``). Before a row is changed, its previous columns are
copied here as JSON with who changed it, when and why, so the original stays readable
(FHIR R4 ``meta.versionId`` and ``status = entered-in-error``; ISO 13606 / EN 13940
"no deletion of clinical data, only new versions").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from acuneuro.store._base import Base, UTCDateTime, utcnow

__all__ = ["ACTIVE", "ENTERED_IN_ERROR", "RecordRevision"]

ACTIVE = "active"
ENTERED_IN_ERROR = "entered-in-error"


class RecordRevision(Base):
    """One correction of one clinical row: its state before, the change, who, when and why."""

    __tablename__ = "record_revisions"
    __table_args__ = (
        Index("ix_record_revisions_record", "clinic_id", "kind", "record_id", "version"),
        Index("ix_record_revisions_patient", "clinic_id", "patient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    patient_id: Mapped[int] = mapped_column(Integer)
    # Which table: patient, episode, score, session, adverse-event, medicine, plan.
    kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    # The version this row held before the change (the new one is version + 1).
    version: Mapped[int] = mapped_column(Integer)
    # amended, entered-in-error or withdrawn.
    action: Mapped[str] = mapped_column(String(20))
    previous_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_label: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
