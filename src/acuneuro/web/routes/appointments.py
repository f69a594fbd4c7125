"""Today's list (the home page after login), the practitioners' calendars and the booking forms.

Each route parses the form, calls one service (``services.appointments``, ``services.today``)
and renders; checks, scope and audit are the services'. A refused form comes back with the
sentence under the field at fault and what was typed kept (``FieldRefused.field``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.services import NotFound
from acuneuro.services import appointments as service
from acuneuro.services import patients as patients_service
from acuneuro.services.appointments import AppointmentView, status_label
from acuneuro.services.practitioners import FieldRefused, list_practitioners, profile_of
from acuneuro.services.today import todays_list
from acuneuro.web.deps import ContextDep, WebActorDep, check_csrf, render
from acuneuro.web.sections import Section, add_section

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_Text = Annotated[str, Form(max_length=100)]


def _day(text: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(text) if text else fallback
    except ValueError:
        return fallback


@router.get("/today")
def today_page(request: Request, ctx: ContextDep, actor: WebActorDep,
               saved: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    """Who comes today, per practitioner, what is due, and one click into the session form."""
    today = date.today()
    rows = todays_list(ctx, actor, today)
    by_practitioner: dict[str, list[Any]] = {}
    for row in rows:
        by_practitioner.setdefault(row.appointment.practitioner_name, []).append(row)
    return render(request, "today.html", {
        "today": today, "groups": by_practitioner, "saved": _saved(saved),
        "status_label": status_label}, ctx=ctx, actor=actor)


def _saved(code: str | None) -> str | None:
    return {"booked": _("The appointment is booked."), "moved": _("The appointment is moved."),
            "cancelled": _("The appointment is cancelled."),
            "no-show": _("The appointment is marked: the patient did not come."),
            "confirmed": _("The appointment is confirmed."),
            "proposed": _("The course's visits are proposed: confirm or move each."),
            }.get(code or "")


@router.get("/calendar")
def calendar_page(request: Request, ctx: ContextDep, actor: WebActorDep,
                  practitioner: Annotated[int | None, Query(ge=1)] = None,
                  day: Annotated[str | None, Query(max_length=10)] = None,
                  view: Annotated[str, Query(pattern="^(day|week)$")] = "day",
                  saved: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    """One practitioner's day or week (the caller's own when they have a profile)."""
    practitioners = list_practitioners(ctx, actor)
    own = profile_of(ctx, actor)
    chosen = practitioner or (own.id if own else (practitioners[0].id if practitioners else None))
    on = _day(day, date.today())
    first = on - timedelta(days=on.weekday()) if view == "week" else on
    last = first + timedelta(days=6) if view == "week" else on
    found = ([] if chosen is None else
             service.appointments_between(ctx, actor, first, last, chosen, cancelled=True))
    days: dict[date, list[AppointmentView]] = {
        first + timedelta(days=k): [] for k in range((last - first).days + 1)}
    for a in found:
        days[a.on_day].append(a)
    step = timedelta(days=7 if view == "week" else 1)
    return render(request, "calendar.html", {
        "practitioners": practitioners, "chosen": chosen, "view": view, "on": on,
        "days": days, "previous": on - step, "next": on + step, "saved": _saved(saved),
        "status_label": status_label}, ctx=ctx, actor=actor)


def _back(appointment: AppointmentView, code: str) -> Response:
    return RedirectResponse(
        f"/calendar?practitioner={appointment.practitioner_id}&day="
        f"{appointment.on_day.isoformat()}&saved={code}", status.HTTP_303_SEE_OTHER)


@router.get("/appointments/new")
def new_appointment(request: Request, ctx: ContextDep, actor: WebActorDep,
                    patient: Annotated[str, Query(max_length=64)] = "") -> Response:
    """The booking form for one patient (without one: where to choose the patient)."""
    list_practitioners(ctx, actor)  # the role check, before any page
    if not patient:
        return render(request, "appointment_choose.html", {}, ctx=ctx, actor=actor)
    own = profile_of(ctx, actor)
    values = {"patient": patient, "practitioner_id": str(own.id) if own else "",
              "on_day": date.today().isoformat(), "starts": "", "minutes": ""}
    return _form_page(request, ctx, actor, values, {})


def _form_page(request: Request, ctx: ContextDep, actor: WebActorDep, values: dict[str, str],
               errors: dict[str, str], *, appointment: AppointmentView | None = None,
               status_code: int = 200) -> Response:
    person = patients_service.get_patient(ctx, actor, values["patient"]) if values.get(
        "patient") else None
    return render(request, "appointment_form.html", {
        "values": values, "errors": errors, "person": person, "appointment": appointment,
        "practitioners": list_practitioners(ctx, actor)}, ctx=ctx, actor=actor,
        status_code=status_code)


@router.post("/appointments/new")
def post_appointment(request: Request, ctx: ContextDep, actor: WebActorDep,
                     csrf: Annotated[str, Form()] = "", patient: _Text = "",
                     practitioner_id: _Text = "", on_day: _Text = "", starts: _Text = "",
                     minutes: _Text = "") -> Response:
    """Book, or the form again with the sentence on the field and nothing written."""
    check_csrf(request, csrf)
    values = {"patient": patient, "practitioner_id": practitioner_id, "on_day": on_day,
              "starts": starts, "minutes": minutes}
    try:
        booked = service.book(ctx, actor, values)
    except FieldRefused as exc:
        return _form_page(request, ctx, actor, values, {exc.field: str(exc)},
                          status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return _back(booked, "booked")


@router.get("/appointments/{appointment_id}/move")
def move_page(request: Request, ctx: ContextDep, actor: WebActorDep, appointment_id: int
              ) -> Response:
    """The form to move an appointment (or confirm a proposed one at another time)."""
    a = service.appointment(ctx, actor, appointment_id)
    values = {"patient": a.patient, "practitioner_id": str(a.practitioner_id),
              "on_day": a.on_day.isoformat(), "starts": f"{a.starts:%H:%M}",
              "minutes": str(a.minutes)}
    return _form_page(request, ctx, actor, values, {}, appointment=a)


@router.post("/appointments/{appointment_id}/move")
def post_move(request: Request, ctx: ContextDep, actor: WebActorDep, appointment_id: int,
              csrf: Annotated[str, Form()] = "", practitioner_id: _Text = "",
              on_day: _Text = "", starts: _Text = "", minutes: _Text = "") -> Response:
    """Move, or the form again with the sentence on the field."""
    check_csrf(request, csrf)
    values = {"practitioner_id": practitioner_id, "on_day": on_day, "starts": starts,
              "minutes": minutes}
    try:
        moved = service.move(ctx, actor, appointment_id, values)
    except FieldRefused as exc:
        a = service.appointment(ctx, actor, appointment_id)
        return _form_page(request, ctx, actor, {**values, "patient": a.patient},
                          {exc.field: str(exc)}, appointment=a,
                          status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return _back(moved, "moved")


_ACTIONS = {"cancel": (service.cancel, "cancelled"), "no-show": (service.no_show, "no-show"),
            "confirm": (service.confirm, "confirmed")}


@router.post("/appointments/{appointment_id}/{action}")
def post_status(request: Request, ctx: ContextDep, actor: WebActorDep, appointment_id: int,
                action: str, csrf: Annotated[str, Form()] = "") -> Response:
    """Cancel, mark no-show or confirm."""
    check_csrf(request, csrf)
    if action not in _ACTIONS:
        raise NotFound(_("no such action"))
    change, code = _ACTIONS[action]
    return _back(change(ctx, actor, appointment_id), code)


@router.post("/patients/{patient_id}/appointments/propose")
def post_propose(request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str,
                 csrf: Annotated[str, Form()] = "", practitioner_id: _Text = "") -> Response:
    """Propose the course's coming visits as appointments with the chosen practitioner."""
    check_csrf(request, csrf)
    try:
        made = service.propose_course(ctx, actor, patient_id, practitioner_id, today=date.today())
    except FieldRefused as exc:
        return render(request, "appointment_refused.html", {
            "message": str(exc), "patient_id": patient_id}, ctx=ctx, actor=actor,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    if not made:
        return RedirectResponse(f"/patients/{patient_id}#section-appointments",
                                status.HTTP_303_SEE_OTHER)
    return _back(made[0], "proposed")


def _appointments_section(ctx: ContextDep, actor: WebActorDep, patient: Any
                          ) -> dict[str, object]:
    coming = service.appointments_of(ctx, actor, patient.id, date.today())
    return {"coming": coming, "practitioners": list_practitioners(ctx, actor),
            "status_label": status_label}


add_section(Section("appointments", N_("Appointments"), "sections/appointments.html", order=60,
                    load=_appointments_section))
