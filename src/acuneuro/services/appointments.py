"""The appointment book: book, move, cancel, mark no-show, confirm, and the course's proposals.

Every change is checked against the clinic's calendar (open that day, inside one opening span)
and the practitioner's other appointments (never two at once), and refused with a sentence on
the field at fault (``FieldRefused``) before anything is written. Every change writes its audit
row in the same transaction; lists are audited per patient shown. An appointment holds who,
with whom and when: no diagnosis, no note.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from acuneuro.clinical.calendar import ClinicCalendar, free_starts
from acuneuro.i18n import format_date
from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._context import Context
from acuneuro.services._course_common import accepted_plan, load_patient, require
from acuneuro.services._errors import NotFound
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.services.clinic_calendar import calendar_in
from acuneuro.services.practitioners import FieldRefused, practitioner_of
from acuneuro.store import (
    Appointment,
    Patient,
    PatientIdentity,
    PlannedSession,
    Practitioner,
    utcnow,
)

__all__ = [
    "AppointmentView",
    "appointment",
    "appointments_between",
    "appointments_of",
    "book",
    "cancel",
    "confirm",
    "move",
    "no_show",
    "parse_when",
    "propose_course",
    "sees_appointments",
    "status_label",
]

_RESOURCE = "appointment"
_ACTIVE = ("booked", "proposed")


class AppointmentView(BaseModel):
    """An appointment as the calendar and today's list show it."""

    model_config = ConfigDict(frozen=True)

    id: int
    patient: str
    patient_name: str
    practitioner_id: int
    practitioner_name: str
    on_day: date
    starts: time
    minutes: int
    status: str
    session_number: int | None = None

    @property
    def ends(self) -> time:
        return (datetime.combine(self.on_day, self.starts) + timedelta(minutes=self.minutes)).time()


@contextmanager
def _audited_refusals(ctx: Context, actor: Actor, action: Action,
                      pseudo_id: str | None = None) -> Iterator[None]:
    """A refusal (the write rolled back) gets its own audit row, as the course services do."""
    try:
        yield
    except FieldRefused:
        record_alone(ctx, actor=actor, action=action, resource=_RESOURCE,
                     outcome=Outcome.FAILURE, patient=(pseudo_id or "")[:32] or None)
        raise
    except NotFound:
        record_alone(ctx, actor=actor, action=action, resource=_RESOURCE,
                     outcome=Outcome.NOT_FOUND, patient=(pseudo_id or "")[:32] or None)
        raise


def sees_appointments(actor: Actor) -> bool:
    """True when the caller's role may read the appointment book (a login's home page)."""
    return allowed(actor.role, UseCase.APPOINTMENT_READ)


def parse_when(on_day: object, starts: object) -> tuple[date, time]:
    """The day and start time of a form, or ``FieldRefused`` naming the one that is not."""
    try:
        day = on_day if isinstance(on_day, date) else date.fromisoformat(str(on_day).strip())
    except ValueError:
        raise FieldRefused("on_day", _("The day must be a date (year-month-day).")) from None
    try:
        at = starts if isinstance(starts, time) else time.fromisoformat(str(starts).strip())
    except ValueError:
        raise FieldRefused("starts", _("The start time must be a time such as 09:30.")) from None
    return day, at.replace(second=0, microsecond=0, tzinfo=None)


def _minutes(value: object, calendar: ClinicCalendar) -> int:
    if value is None or str(value).strip() == "":
        return calendar.appointment_minutes
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 5 <= int(text) <= 240:
        raise FieldRefused("minutes", _("The length must be a whole number of minutes from 5 "
                                        "to 240."))
    return int(text)


def _check_slot(session: Session, calendar: ClinicCalendar, practitioner: Practitioner,
                day: date, starts: time, minutes: int, *, ignore: int | None = None) -> None:
    if not calendar.is_open_on(day):
        raise FieldRefused("on_day", _("The clinic is closed on %(day)s: choose a day it is "
                                       "open.") % {"day": format_date(day)})
    if not calendar.fits(day, starts, minutes):
        spans = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in calendar.spans_on(day))
        raise FieldRefused("starts", _("The appointment must lie within the opening hours of "
                                       "that day (%(hours)s).") % {"hours": spans})
    begin = datetime.combine(day, starts)
    end = begin + timedelta(minutes=minutes)
    for other in session.scalars(select(Appointment).where(
            Appointment.practitioner_id == practitioner.id, Appointment.on_day == day,
            Appointment.status.in_(_ACTIVE))):
        o_begin = datetime.combine(day, other.starts)
        if other.id != ignore and begin < o_begin + timedelta(minutes=other.minutes) and (
                o_begin < end):
            raise FieldRefused("starts", _("%(name)s already has an appointment from %(time)s "
                                           "that day: choose another time.") % {
                "name": practitioner.display_name, "time": f"{other.starts:%H:%M}"})


def _view(session: Session, row: Appointment) -> AppointmentView:
    views = _views(session, select(Appointment).where(Appointment.id == row.id))
    return views[0]


def _views(session: Session, query: Select[Appointment]) -> list[AppointmentView]:
    """The views of the appointments ``query`` selects, in its order, in one statement.

    The patient, name, practitioner and planned visit come joined in, not one query each per
    appointment (a day's list of 40 took 160 queries; docs/performance.md).
    """
    rows = session.execute(
        query.with_only_columns(
            Appointment.id, Appointment.practitioner_id, Appointment.on_day, Appointment.starts,
            Appointment.minutes, Appointment.status, Patient.pseudo_id,
            PatientIdentity.given_name, PatientIdentity.family_name, Practitioner.display_name,
            PlannedSession.number, maintain_column_froms=True)
        .outerjoin(Patient, Patient.id == Appointment.patient_id)
        .outerjoin(PatientIdentity, PatientIdentity.patient_id == Appointment.patient_id)
        .outerjoin(Practitioner, Practitioner.id == Appointment.practitioner_id)
        .outerjoin(PlannedSession, PlannedSession.id == Appointment.planned_session_id)).all()
    return [AppointmentView(
        id=r.id, patient=r.pseudo_id or "",
        patient_name=f"{r.given_name} {r.family_name}" if r.given_name is not None else "",
        practitioner_id=r.practitioner_id, practitioner_name=r.display_name or "",
        on_day=r.on_day, starts=r.starts, minutes=r.minutes, status=r.status,
        session_number=r.number) for r in rows]


def book(ctx: Context, actor: Actor, form: Mapping[str, Any]) -> AppointmentView:
    """Book ``form`` (patient, practitioner_id, on_day, starts, minutes) after every check."""
    require(ctx, actor, UseCase.APPOINTMENT_WRITE, Action.CREATE, _RESOURCE, None)
    with _audited_refusals(ctx, actor, Action.CREATE, str(form.get("patient") or "")):
        return _book(ctx, actor, form)


def _book(ctx: Context, actor: Actor, form: Mapping[str, Any]) -> AppointmentView:
    day, starts = parse_when(form.get("on_day"), form.get("starts"))
    with ctx.db.write() as session:
        patient = load_patient(session, actor, str(form.get("patient") or ""), lock=True)
        if patient is None:  # another clinic's patient is "not found", like one never made
            raise NotFound(_("no such patient"))
        practitioner = _practitioner(session, actor, form.get("practitioner_id"))
        calendar = calendar_in(session, actor.clinic_id)
        minutes = _minutes(form.get("minutes"), calendar)
        _check_slot(session, calendar, practitioner, day, starts, minutes)
        row = Appointment(clinic_id=actor.clinic_id, patient_id=patient.id,
                          practitioner_id=practitioner.id, on_day=day, starts=starts,
                          minutes=minutes, status="booked", created_by=actor.user_id)
        session.add(row)
        session.flush()
        record(session, ctx.audit_key, actor=actor, action=Action.CREATE, resource=_RESOURCE,
               patient=patient.pseudo_id)
        return _view(session, row)


def _practitioner(session: Session, actor: Actor, value: object) -> Practitioner:
    text = str(value or "").strip()
    try:
        return practitioner_of(session, actor, int(text))
    except (ValueError, NotFound):
        raise FieldRefused("practitioner_id", _("Choose a practitioner of this clinic.")
                           ) from None


def _own(session: Session, actor: Actor, appointment_id: int) -> Appointment:
    row = session.get(Appointment, appointment_id, with_for_update=True)
    if row is None or row.clinic_id != actor.clinic_id:
        raise NotFound(_("no such appointment"))
    return row


def _pseudo(session: Session, row: Appointment) -> str | None:
    patient = session.get(Patient, row.patient_id)
    return None if patient is None else patient.pseudo_id


def move(ctx: Context, actor: Actor, appointment_id: int, form: Mapping[str, Any]
         ) -> AppointmentView:
    """Move an appointment (and a proposed one becomes booked); same checks as booking."""
    require(ctx, actor, UseCase.APPOINTMENT_WRITE, Action.UPDATE, _RESOURCE, None)
    with _audited_refusals(ctx, actor, Action.UPDATE):
        return _move(ctx, actor, appointment_id, form)


def _move(ctx: Context, actor: Actor, appointment_id: int, form: Mapping[str, Any]
          ) -> AppointmentView:
    day, starts = parse_when(form.get("on_day"), form.get("starts"))
    with ctx.db.write() as session:
        row = _own(session, actor, appointment_id)
        if row.status not in _ACTIVE:
            raise FieldRefused("on_day", _("A cancelled or missed appointment cannot be moved: "
                                           "book a new one."))
        practitioner = (_practitioner(session, actor, form["practitioner_id"])
                        if form.get("practitioner_id") else
                        practitioner_of(session, actor, row.practitioner_id))
        calendar = calendar_in(session, actor.clinic_id)
        minutes = _minutes(form.get("minutes") or row.minutes, calendar)
        _check_slot(session, calendar, practitioner, day, starts, minutes, ignore=row.id)
        row.on_day, row.starts, row.minutes = day, starts, minutes
        row.practitioner_id = practitioner.id
        row.status = "booked"
        row.reminder_sent_at = None  # a new time deserves a new reminder
        row.updated_at = utcnow()
        record(session, ctx.audit_key, actor=actor, action=Action.UPDATE, resource=_RESOURCE,
               patient=_pseudo(session, row))
        return _view(session, row)


def _set_status(ctx: Context, actor: Actor, appointment_id: int, status: str,
                allowed_from: tuple[str, ...]) -> AppointmentView:
    require(ctx, actor, UseCase.APPOINTMENT_WRITE, Action.UPDATE, _RESOURCE, None)
    with _audited_refusals(ctx, actor, Action.UPDATE), ctx.db.write() as session:
        row = _own(session, actor, appointment_id)
        if row.status not in allowed_from:
            raise FieldRefused("status", _("This appointment is already %(status)s.") % {
                "status": status_label(row.status)})
        row.status = status
        row.updated_at = utcnow()
        record(session, ctx.audit_key, actor=actor, action=Action.UPDATE, resource=_RESOURCE,
               patient=_pseudo(session, row))
        return _view(session, row)


def status_label(status: str) -> str:
    """The word a page shows for a status."""
    return {"booked": _("booked"), "proposed": _("proposed, to confirm"),
            "cancelled": _("cancelled"), "no-show": _("did not come")}.get(status, status)


def cancel(ctx: Context, actor: Actor, appointment_id: int) -> AppointmentView:
    """Cancel a booked or proposed appointment (the row stays, marked cancelled)."""
    return _set_status(ctx, actor, appointment_id, "cancelled", _ACTIVE)


def no_show(ctx: Context, actor: Actor, appointment_id: int) -> AppointmentView:
    """Mark that the patient did not come to a booked appointment."""
    return _set_status(ctx, actor, appointment_id, "no-show", ("booked",))


def confirm(ctx: Context, actor: Actor, appointment_id: int) -> AppointmentView:
    """Confirm a visit the course proposed, at its proposed time."""
    return _set_status(ctx, actor, appointment_id, "booked", ("proposed",))


def appointments_between(ctx: Context, actor: Actor, first: date, last: date,
                         practitioner_id: int | None = None, *, cancelled: bool = False
                         ) -> list[AppointmentView]:
    """Appointments from ``first`` to ``last`` (one practitioner or all), by time; audited."""
    require(ctx, actor, UseCase.APPOINTMENT_READ, Action.LIST, _RESOURCE, None)
    with ctx.db.read() as session:
        query = select(Appointment).where(Appointment.clinic_id == actor.clinic_id,
                                          Appointment.on_day >= first, Appointment.on_day <= last)
        if practitioner_id is not None:
            query = query.where(Appointment.practitioner_id == practitioner_id)
        if not cancelled:
            query = query.where(Appointment.status != "cancelled")
        views = _views(session, query.order_by(Appointment.on_day, Appointment.starts,
                                               Appointment.id))
    record_read(ctx, actor, Action.LIST, _RESOURCE, [v.patient for v in views])
    return views


def appointment(ctx: Context, actor: Actor, appointment_id: int) -> AppointmentView:
    """One appointment of the clinic (``NotFound`` otherwise); audited."""
    require(ctx, actor, UseCase.APPOINTMENT_READ, Action.READ, _RESOURCE, None)
    with _audited_refusals(ctx, actor, Action.READ), ctx.db.read() as session:
        row = session.get(Appointment, appointment_id)
        if row is None or row.clinic_id != actor.clinic_id:
            raise NotFound(_("no such appointment"))
        view = _view(session, row)
    record_read(ctx, actor, Action.READ, _RESOURCE, [view.patient])
    return view


def appointments_of(ctx: Context, actor: Actor, pseudo_id: str, first: date
                    ) -> list[AppointmentView]:
    """The patient's appointments from ``first`` on (cancelled ones too), by time; audited."""
    require(ctx, actor, UseCase.APPOINTMENT_READ, Action.LIST, _RESOURCE, pseudo_id)
    with ctx.db.read() as session:
        patient = load_patient(session, actor, pseudo_id)
        if patient is None:
            raise NotFound(_("no such patient"))
        views = _views(session, select(Appointment).where(
            Appointment.clinic_id == actor.clinic_id, Appointment.patient_id == patient.id,
            Appointment.on_day >= first).order_by(Appointment.on_day, Appointment.starts))
    record_read(ctx, actor, Action.LIST, _RESOURCE, [pseudo_id])
    return views


def propose_course(ctx: Context, actor: Actor, pseudo_id: str, practitioner_id: int | str, *,
                   today: date) -> list[AppointmentView]:
    """Propose an appointment for every coming visit of the accepted plan that has none.

    Each goes on its planned day (already an open day, ``clinical.course.schedule``) at the
    practitioner's first free time, or on the next open day with a free time; the clinician
    then confirms or moves each.
    """
    require(ctx, actor, UseCase.APPOINTMENT_WRITE, Action.CREATE, _RESOURCE, pseudo_id)
    with _audited_refusals(ctx, actor, Action.CREATE, pseudo_id), ctx.db.write() as session:
        patient = load_patient(session, actor, pseudo_id, lock=True)
        if patient is None:
            raise NotFound(_("no such patient"))
        practitioner = _practitioner(session, actor, practitioner_id)
        plan = accepted_plan(session, patient)
        if plan is None:
            raise FieldRefused("patient", _("The patient has no accepted plan, so no course "
                                            "visits to propose."))
        calendar = calendar_in(session, actor.clinic_id)
        have = set(session.scalars(select(Appointment.planned_session_id).where(
            Appointment.patient_id == patient.id, Appointment.status.in_(_ACTIVE))))
        visits = session.scalars(select(PlannedSession).where(
            PlannedSession.plan_id == plan.id, PlannedSession.due_on >= today)
            .order_by(PlannedSession.number)).all()
        made = []
        for visit in visits:
            if visit.id in have:
                continue
            day, starts = _free(session, calendar, practitioner, visit.due_on)
            row = Appointment(clinic_id=actor.clinic_id, patient_id=patient.id,
                              practitioner_id=practitioner.id, on_day=day, starts=starts,
                              minutes=calendar.appointment_minutes, status="proposed",
                              planned_session_id=visit.id, created_by=actor.user_id)
            session.add(row)
            session.flush()
            made.append(row)
        record(session, ctx.audit_key, actor=actor, action=Action.CREATE, resource=_RESOURCE,
               patient=pseudo_id)
        return [_view(session, r) for r in made]


def _free(session: Session, calendar: ClinicCalendar, practitioner: Practitioner, day: date
          ) -> tuple[date, time]:
    for _k in range(60):
        day = calendar.next_open_day(day)
        busy = [(a.starts, a.minutes) for a in session.scalars(select(Appointment).where(
            Appointment.practitioner_id == practitioner.id, Appointment.on_day == day,
            Appointment.status.in_(_ACTIVE)))]
        starts = free_starts(calendar, day, calendar.appointment_minutes, busy)
        if starts:
            return day, starts[0]
        day += timedelta(days=1)
    raise FieldRefused("practitioner_id", _("The practitioner has no free time in the next "
                                            "two months."))
