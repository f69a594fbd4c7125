"""The clinic's curated trial library: each added or corrected trial, with its provenance.

An entry is one revision of one trial's numbers (the trial as ``knowledge.Trial`` JSON), who
extracted it from which source (page or table) and when, and whether a second person verified
it. Rows are never updated except to record the verification or rejection.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from acuneuro.store._base import Base, UTCDateTime, utcnow

__all__ = ["CuratedTrialEntry"]


class CuratedTrialEntry(Base):
    """One revision of a trial's data in a clinic's library (pending, verified or rejected)."""

    __tablename__ = "curated_trial_entries"
    __table_args__ = (UniqueConstraint("clinic_id", "trial_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    trial_id: Mapped[str] = mapped_column(String(64), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500))
    location: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    extracted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    extracted_by_email: Mapped[str] = mapped_column(String(254))
    extracted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_by_email: Mapped[str | None] = mapped_column(String(254))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
