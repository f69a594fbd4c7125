"""Clinic settings (administrators): opening hours and closed days, practitioner profiles, and
the calendar feeds; and the feed itself, opened by its secret address without a login.

The routes parse the forms and call one service each (``services.clinic_calendar``,
``services.practitioners``, ``services.calendar_feed``); the services check the role and audit.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from acuneuro.clinical.calendar import ClinicCalendar
from acuneuro.i18n import gettext as _
from acuneuro.services import clinic_calendar as calendar_service
from acuneuro.services import practitioners as practitioner_service
from acuneuro.services.calendar_feed import feed_for_token
from acuneuro.services.practitioners import FieldRefused, ProfileIn
from acuneuro.web.deps import ContextDep, WebActorDep, check_csrf, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_WEEKDAYS = range(7)


def _weekday_names() -> list[str]:
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
            _("Saturday"), _("Sunday")]


def _values(calendar: ClinicCalendar) -> dict[str, str]:
    values: dict[str, str] = {}
    for day in _WEEKDAYS:
        spans = sorted((s.opens, s.closes) for s in calendar.hours if s.weekday == day)
        for k, (opens, closes) in enumerate(spans[:2], start=1):
            values[f"opens_{day}_{k}"] = f"{opens:%H:%M}"
            values[f"closes_{day}_{k}"] = f"{closes:%H:%M}"
    values["closed_yearly"] = ", ".join(calendar.closed_yearly)
    values["closed_dates"] = "\n".join(d.isoformat() for d in calendar.closed_dates)
    values["appointment_minutes"] = str(calendar.appointment_minutes)
    values["timezone"] = calendar.timezone
    return values


def _hours_page(request: Request, ctx: ContextDep, actor: WebActorDep, values: dict[str, str],
                errors: dict[str, str], *, saved: bool = False, status_code: int = 200
                ) -> Response:
    return render(request, "clinic_hours.html", {
        "values": values, "errors": errors, "weekdays": list(enumerate(_weekday_names())),
        "saved": saved}, ctx=ctx, actor=actor, status_code=status_code)


@router.get("/clinic/hours")
def hours_page(request: Request, ctx: ContextDep, actor: WebActorDep,
               saved: Annotated[str | None, Query(max_length=8)] = None) -> Response:
    """The opening hours form, filled with the clinic's calendar."""
    calendar_service.require_settings(ctx, actor)
    calendar = calendar_service.clinic_calendar(ctx, actor)
    return _hours_page(request, ctx, actor, _values(calendar), {}, saved=saved == "yes")


def _document(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The calendar document of the form, and a sentence per field that is not a time/date."""
    errors: dict[str, str] = {}
    hours = []
    for day in _WEEKDAYS:
        for k in (1, 2):
            opens, closes = form.get(f"opens_{day}_{k}", ""), form.get(f"closes_{day}_{k}", "")
            if not opens and not closes:
                continue
            try:
                hours.append({"weekday": day, "opens": time.fromisoformat(opens),
                              "closes": time.fromisoformat(closes)})
            except ValueError:
                errors[f"hours_{day}"] = _("Give both an opening and a closing time (HH:MM).")
    dates = []
    for line in form.get("closed_dates", "").replace(",", "\n").splitlines():
        if line.strip():
            try:
                dates.append(date.fromisoformat(line.strip()))
            except ValueError:
                errors["closed_dates"] = _("%(text)s is not a date (year-month-day).") % {
                    "text": line.strip()[:20]}
    yearly = [t.strip() for t in form.get("closed_yearly", "").split(",") if t.strip()]
    return {"hours": hours, "closed_yearly": yearly, "closed_dates": dates,
            "appointment_minutes": form.get("appointment_minutes", "").strip() or "45",
            "timezone": form.get("timezone", "").strip()}, errors


@router.post("/clinic/hours")
async def post_hours(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """Save the opening hours, or the form again with the sentence on the field."""
    form = {k: str(v)[:2000] for k, v in (await request.form()).items()}
    check_csrf(request, form.get("csrf", ""))
    calendar_service.require_settings(ctx, actor)
    document, errors = _document(form)
    if not errors:
        try:
            calendar_service.save_calendar(ctx, actor, document)
        except FieldRefused as exc:
            errors[exc.field] = str(exc)
    if errors:
        return _hours_page(request, ctx, actor, form, errors,
                           status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return RedirectResponse("/clinic/hours?saved=yes", status.HTTP_303_SEE_OTHER)


def _people_page(request: Request, ctx: ContextDep, actor: WebActorDep, values: dict[str, str],
                 errors: dict[str, str], *, message: str | None = None,
                 feed: str | None = None, status_code: int = 200) -> Response:
    return render(request, "clinic_practitioners.html", {
        "practitioners": practitioner_service.list_practitioners(ctx, actor),
        "values": values, "errors": errors, "message": message, "feed": feed},
        ctx=ctx, actor=actor, status_code=status_code)


@router.get("/clinic/practitioners")
def practitioners_page(request: Request, ctx: ContextDep, actor: WebActorDep,
                       saved: Annotated[str | None, Query(max_length=8)] = None) -> Response:
    """The clinic's practitioners and the form to add or change a profile."""
    calendar_service.require_settings(ctx, actor)
    message = _("The profile is saved.") if saved == "yes" else (
        _("The calendar address is revoked.") if saved == "revoked" else None)
    return _people_page(request, ctx, actor, {}, {}, message=message)


_Text = Annotated[str, Form(max_length=300)]


@router.post("/clinic/practitioners")
def post_practitioner(request: Request, ctx: ContextDep, actor: WebActorDep,
                      csrf: Annotated[str, Form()] = "", email: _Text = "",
                      display_name: _Text = "", qualification: _Text = "",
                      registration_number: _Text = "") -> Response:
    """Save a profile, or the form again with the sentence on the field."""
    check_csrf(request, csrf)
    calendar_service.require_settings(ctx, actor)
    values = {"email": email, "display_name": display_name, "qualification": qualification,
              "registration_number": registration_number}
    errors: dict[str, str] = {}
    if len(display_name.strip()) < 2:
        errors["display_name"] = _("Give the name as letters and records are signed with.")
    elif len(display_name) > 200 or len(qualification) > 200:
        errors["display_name"] = _("The name and qualification are at most 200 characters.")
    elif len(registration_number) > 100:
        errors["registration_number"] = _("The registration number is at most 100 characters.")
    if not errors:
        try:
            practitioner_service.save_profile(ctx, actor, email, ProfileIn(
                display_name=display_name, qualification=qualification,
                registration_number=registration_number))
        except FieldRefused as exc:
            errors[exc.field] = str(exc)
    if errors:
        return _people_page(request, ctx, actor, values, errors,
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return RedirectResponse("/clinic/practitioners?saved=yes", status.HTTP_303_SEE_OTHER)


@router.post("/clinic/practitioners/{practitioner_id}/feed")
def post_feed(request: Request, ctx: ContextDep, actor: WebActorDep, practitioner_id: int,
              csrf: Annotated[str, Form()] = "", revoke: _Text = "") -> Response:
    """Make a new secret calendar address (shown once), or revoke the current one."""
    check_csrf(request, csrf)
    if revoke:
        practitioner_service.revoke_feed_token(ctx, actor, practitioner_id)
        return RedirectResponse("/clinic/practitioners?saved=revoked", status.HTTP_303_SEE_OTHER)
    token = practitioner_service.issue_feed_token(ctx, actor, practitioner_id)
    address = str(request.base_url).rstrip("/") + f"/feeds/{token}.ics"
    return _people_page(request, ctx, actor, {}, {}, feed=address, message=_(
        "The new calendar address is shown once below; the previous one no longer works."))


@router.get("/feeds/{token}.ics")
def feed(ctx: ContextDep, token: str) -> Response:
    """The practitioner's appointments as iCalendar (initials only, no clinical detail)."""
    body = feed_for_token(ctx, token, today=date.today())
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "no-store"})
