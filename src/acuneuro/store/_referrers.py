"""The clinic's directory of referring doctors, to whom the referral letter is addressed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from acuneuro.store._base import Base, UTCDateTime, utcnow

__all__ = ["Referrer"]


class Referrer(Base):
    """A referring doctor of one clinic: name, practice and postal address."""

    __tablename__ = "referrers"
    __table_args__ = (UniqueConstraint("clinic_id", "name", "practice",
                                       name="uq_referrers_clinic_name_practice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    practice: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
