"""Clinics and their staff accounts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from acuneuro.store._base import Base, UTCDateTime, utcnow

__all__ = ["Clinic", "Role", "User"]


class Role(enum.StrEnum):
    """What a staff member may do; the services check it for every use case."""

    CLINICIAN = "clinician"
    ADMIN = "admin"
    RESEARCHER = "researcher"


class Clinic(Base):
    """A tenant: every row that holds patient data points to one clinic."""

    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The synthetic demo clinic is labelled on every page so no one mistakes it for real data.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="clinic")


class User(Base):
    """One account per person (HIPAA 164.312(a)(2)(i) unique user identification)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", values_callable=lambda e: [m.value for m in e])
    )
    # argon2id PHC string, e.g. "$argon2id$v=19$m=65536,t=3,p=4$...".
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Tokens and session cookies issued before this moment are refused: logging out, a reset
    # second factor or a disabled account ends every copy of them (ASVS 5.0 7.4.1, 7.4.3).
    sessions_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The language this person reads pages and PDFs in ("en", "it"); NULL follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8))

    clinic: Mapped[Clinic] = relationship(back_populates="users")
