"""Practitioners, the clinic's calendar, appointments and the reminders sent for them.

A practitioner is a login account with a profile (the name, qualification and registration
number that sign session records, letters and PDFs). The clinic calendar keeps opening hours
and closed days as JSON (read back whole by ``clinical.calendar.ClinicCalendar``). An
appointment is clinic-local wall time (a day, a start time, minutes), the calendar's time zone
saying where: a clinic's 09:00 stays 09:00 across a daylight-saving change. Appointments
carry no clinical content; ``reminder_sent_at`` makes a reminder go out once.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column

from acuneuro.store._base import Base, UTCDateTime, utcnow

__all__ = ["Appointment", "AppointmentStatus", "ClinicCalendarRecord", "Practitioner"]

# booked: agreed with the patient; proposed: placed by a course, awaiting the clinician;
# cancelled and no-show keep the row (a visit that did not happen is part of the record).
AppointmentStatus = ("booked", "proposed", "cancelled", "no-show")


class Practitioner(Base):
    """The profile of a login account that treats patients."""

    __tablename__ = "practitioners"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    qualification: Mapped[str | None] = mapped_column(String(200))
    registration_number: Mapped[str | None] = mapped_column(String(100))
    # SHA-256 of the calendar feed's secret (the secret itself is shown once, never stored).
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ClinicCalendarRecord(Base):
    """The clinic's opening hours and closed days (``clinical.calendar.ClinicCalendar``)."""

    __tablename__ = "clinic_calendars"

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    calendar_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Appointment(Base):
    """A patient's appointment with a practitioner, in the clinic's local time."""

    __tablename__ = "appointments"
    __table_args__ = (
        ForeignKeyConstraint(["clinic_id", "patient_id"], ["patients.clinic_id", "patients.id"]),
        CheckConstraint("status IN ('booked', 'proposed', 'cancelled', 'no-show')", "status"),
        CheckConstraint("minutes > 0 AND minutes <= 480", "minutes"),
        Index("ix_appointments_practitioner_day", "practitioner_id", "on_day"),
        Index("ix_appointments_clinic_day", "clinic_id", "on_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    patient_id: Mapped[int] = mapped_column(index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioners.id"))
    on_day: Mapped[date] = mapped_column(Date)
    starts: Mapped[time] = mapped_column(Time)
    minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    planned_session_id: Mapped[int | None] = mapped_column(ForeignKey("planned_sessions.id"))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
