"""System-to-system FHIR access: registered backend clients, spent assertions, bulk exports.

A ``FhirClient`` is a SMART Backend Services client an administrator registered for one clinic
with its public keys (a JWKS) and the scopes it may ask for. ``FhirAssertion`` keeps the ``jti``
of every client assertion accepted until it expires, so a replayed assertion is refused.
``FhirExportJob`` and ``FhirExportFile`` hold a Bulk Data ``$export`` and its NDJSON files, in
the database so that every worker answers the status and file requests alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from acuneuro.store._base import Base, UTCDateTime, utcnow

__all__ = ["FhirAssertion", "FhirClient", "FhirExportFile", "FhirExportJob"]


class FhirClient(Base):
    """A backend client of one clinic: its public keys and the scopes it was granted."""

    __tablename__ = "fhir_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The public JSON Web Key Set; private keys never reach acuneuro.
    jwks_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    scopes: Mapped[str] = mapped_column(String(2000))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FhirAssertion(Base):
    """A client assertion already used: its ``jti`` may not be used again before it expires."""

    __tablename__ = "fhir_assertions"
    __table_args__ = (UniqueConstraint("client_id", "jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    jti: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class FhirExportJob(Base):
    """One Bulk Data export: who asked, for what, and where it stands."""

    __tablename__ = "fhir_export_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    # The caller as the audit trail names it: only the same caller may poll and download.
    requested_by: Mapped[str] = mapped_column(String(254))
    request_url: Mapped[str] = mapped_column(String(2000))
    types: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="in-progress")
    error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FhirExportFile(Base):
    """One NDJSON file of an export: the resources of one type."""

    __tablename__ = "fhir_export_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(
        ForeignKey("fhir_export_jobs.id", ondelete="CASCADE"), index=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
