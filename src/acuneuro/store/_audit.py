"""The audit trail: one row per access to patient data, per login and per refusal.

Rows hold pseudonymous ids only (never names), so the trail survives erasure of an identity.
``prev_hmac``/``hmac`` chain each row to the one before with a key kept outside the database
(see ``services.audit``); no foreign keys, so deleting a user or patient cannot cascade here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from acuneuro.store._base import Base, UTCDateTime, utcnow

__all__ = ["AuditEvent"]


class AuditEvent(Base):
    """Who (user, role, address) did what (action, resource, patient) when, with what outcome."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column()
    actor: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str | None] = mapped_column(String(32))
    clinic_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(32))
    resource: Mapped[str] = mapped_column(String(64))
    patient_pseudo_id: Mapped[str | None] = mapped_column(String(32), index=True)
    source_address: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    prev_hmac: Mapped[str | None] = mapped_column(String(64))
    hmac: Mapped[str | None] = mapped_column(String(64))
