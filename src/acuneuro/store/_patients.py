"""Patients: the pseudonymous clinical record, the identity kept apart, episodes and encounters.

Names, birth date, contact data and the clinic's record number live only in
``patient_identities`` (GDPR Art. 4(5): the additional information is kept separately); every
other table refers to the patient by the internal key, and everything leaving the database
(audit rows, URLs, exports) uses the random ``pseudo_id``. Every table carries ``clinic_id``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from acuneuro.clinical.case import ConditionKind
from acuneuro.store._base import Base, Correctable, UTCDateTime, utcnow
from acuneuro.store._fhir_ids import FhirIdentified
from acuneuro.store._name_key import name_key

__all__ = ["ConditionKind", "Encounter", "Episode", "Patient", "PatientIdentity"]


class Patient(Correctable, Base):
    """The pseudonymous clinical record: no name, no birth date, no contact data."""

    __tablename__ = "patients"
    # Lets child tables reference (clinic_id, id) so a row can never point into another clinic.
    __table_args__ = (UniqueConstraint("clinic_id", "id", name="uq_patients_clinic_id_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    pseudo_id: Mapped[str] = mapped_column(String(32), unique=True)
    sex: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    identity: Mapped[PatientIdentity] = relationship(
        back_populates="patient", uselist=False, cascade="all, delete-orphan"
    )
    episodes: Mapped[list[Episode]] = relationship(
        back_populates="patient", order_by="Episode.id", cascade="all, delete-orphan"
    )


class PatientIdentity(Base):
    """Who the patient is: the only table with identifying data."""

    __tablename__ = "patient_identities"
    __table_args__ = (
        ForeignKeyConstraint(["clinic_id", "patient_id"], ["patients.clinic_id", "patients.id"]),
        UniqueConstraint("clinic_id", "record_number", name="uq_patient_identities_record"),
        # The patient list reads a clinic in name order: an index scan, not a sort (migration 0004).
        Index("ix_patient_identities_clinic_name", "clinic_id", "family_name", "given_name"),
        # Search reads only this narrow index of one clinic's folded names (migration 0017);
        # the duplicate check reads one clinic's patients born on one day.
        Index("ix_patient_identities_clinic_name_key", "clinic_id", "name_key"),
        Index("ix_patient_identities_clinic_birth", "clinic_id", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(unique=True)
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(254))
    record_number: Mapped[str | None] = mapped_column(String(64))
    # Folded "given family" (store._name_key): kept in step with the names on every flush.
    name_key: Mapped[str | None] = mapped_column(String(402))

    patient: Mapped[Patient] = relationship(back_populates="identity")


@event.listens_for(PatientIdentity, "before_insert")
@event.listens_for(PatientIdentity, "before_update")
def _refresh_name_key(_mapper: object, _connection: object, target: PatientIdentity) -> None:
    target.name_key = name_key(target.given_name, target.family_name)


class Episode(FhirIdentified, Correctable, Base):
    """An episode of care for one condition (ICD-10 coded), from its onset."""

    __tablename__ = "episodes"
    __table_args__ = (
        ForeignKeyConstraint(["clinic_id", "patient_id"], ["patients.clinic_id", "patients.id"]),
        UniqueConstraint("clinic_id", "id", name="uq_episodes_clinic_id_id"),
        CheckConstraint("closed_on IS NULL OR onset IS NULL OR closed_on >= onset", "dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(index=True)
    condition_kind: Mapped[ConditionKind] = mapped_column(
        Enum(ConditionKind, name="condition_kind", values_callable=lambda e: [m.value for m in e])
    )
    icd10: Mapped[str | None] = mapped_column(String(8))
    onset: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    patient: Mapped[Patient] = relationship(back_populates="episodes")


class Encounter(Base):
    """One contact with the patient (assessment, treatment session, follow-up)."""

    __tablename__ = "encounters"
    __table_args__ = (
        ForeignKeyConstraint(["clinic_id", "patient_id"], ["patients.clinic_id", "patients.id"]),
        ForeignKeyConstraint(["clinic_id", "episode_id"], ["episodes.clinic_id", "episodes.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(index=True)
    episode_id: Mapped[int | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
