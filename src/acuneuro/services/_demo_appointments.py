"""The demo clinic's practitioners, opening hours and a realistic week of appointments.

Two practitioner profiles (the demo login and a second, synthetic colleague), the default
calendar (``knowledge/calendar.yaml``), and appointments for the patients on a course: a
morning list today for the demo login and an afternoon list for the colleague, and the rest of
the week. The demo is made on whatever day it is run, so when the clinic would be closed that
day the demo calendar opens it (labelled in ``basis``), or the home page would show no list.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.clinical.calendar import ClinicCalendar, OpeningSpan, default_calendar, free_starts
from acuneuro.services.audit import Action, record
from acuneuro.store import (
    Appointment,
    ClinicCalendarRecord,
    Patient,
    PlanRecord,
    Practitioner,
    User,
)

__all__ = ["add_demo_appointments"]

_PROFILES = [
    ("Dr Ada Synthetic-Demo", "MD, acupuncture certificate (demo)", "DEMO-REG-001"),
    ("Dr Ben Synthetic-Colleague", "MD, pain medicine (demo)", "DEMO-REG-002"),
]


def _demo_calendar(today: date) -> ClinicCalendar:
    calendar = default_calendar()
    if calendar.is_open_on(today):
        return calendar
    extra = [OpeningSpan(weekday=today.weekday(), opens=time(8, 30), closes=time(12, 30)),
             OpeningSpan(weekday=today.weekday(), opens=time(14, 0), closes=time(18, 0))]
    yearly = [d for d in calendar.closed_yearly if d != f"{today.month:02d}-{today.day:02d}"]
    return calendar.model_copy(update={
        "hours": [s for s in calendar.hours if s.weekday != today.weekday()] + extra,
        "closed_yearly": yearly})


def add_demo_appointments(session: Session, key: bytes, clinic_id: int, today: date,
                          rng: random.Random) -> int:
    """Profiles, the calendar and the week's appointments; returns how many were booked."""
    calendar = _demo_calendar(today)
    # The clinic may already have them (a demo whose patients were removed and re-seeded).
    stored = session.get(ClinicCalendarRecord, clinic_id)
    if stored is None:
        session.add(ClinicCalendarRecord(clinic_id=clinic_id,
                                         calendar_json=calendar.model_dump(mode="json")))
    else:
        stored.calendar_json = calendar.model_dump(mode="json")
    users = session.scalars(select(User).where(User.clinic_id == clinic_id)
                            .order_by(User.id)).all()
    practitioners = []
    for user, (name, qualification, registration) in zip(users, _PROFILES, strict=False):
        row = session.scalar(select(Practitioner).where(Practitioner.user_id == user.id))
        if row is None:
            row = Practitioner(clinic_id=clinic_id, user_id=user.id, display_name=name,
                               qualification=qualification, registration_number=registration)
            session.add(row)
        practitioners.append(row)
    session.flush()
    treated = session.scalars(
        select(Patient).join(PlanRecord, (PlanRecord.patient_id == Patient.id)
                             & (PlanRecord.clinic_id == Patient.clinic_id))
        .where(Patient.clinic_id == clinic_id, PlanRecord.status == "accepted")
        .order_by(Patient.id)).unique().all()
    booked = 0
    monday = today - timedelta(days=today.weekday())
    days = [today] + [monday + timedelta(days=k) for k in range(7)
                      if monday + timedelta(days=k) != today]
    for k, patient in enumerate(treated):
        practitioner = practitioners[k % len(practitioners)]
        day = days[(k // 8) % len(days)] if k >= 8 else today
        if not calendar.is_open_on(day):
            continue
        busy = [(a.starts, a.minutes) for a in session.scalars(select(Appointment).where(
            Appointment.practitioner_id == practitioner.id, Appointment.on_day == day))]
        starts = free_starts(calendar, day, calendar.appointment_minutes, busy)
        if not starts:
            continue
        # The demo login's list is the morning, the colleague's the afternoon.
        pick = starts[0] if practitioner is practitioners[0] else starts[len(starts) // 2]
        session.add(Appointment(clinic_id=clinic_id, patient_id=patient.id,
                                practitioner_id=practitioner.id, on_day=day, starts=pick,
                                minutes=calendar.appointment_minutes,
                                status="booked" if rng.random() < 0.9 else "proposed"))
        session.flush()
        record(session, key, actor=None, actor_label="system:demo", action=Action.CREATE,
               resource="appointment", patient=patient.pseudo_id, source_address="local")
        booked += 1
    return booked
