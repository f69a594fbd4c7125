"""The clinic's opening hours and closed days, read by every booking and set by an administrator.

A clinic that has not set its own calendar has ``clinical.calendar.default_calendar()`` (from
``knowledge/calendar.yaml``, a design choice awaiting clinical sign-off). Saving is audited.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import ValidationError
from sqlalchemy.orm import Session

from acuneuro.clinical.calendar import ClinicCalendar, default_calendar
from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._course_common import require
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action, record
from acuneuro.services.practitioners import FieldRefused
from acuneuro.store import ClinicCalendarRecord, utcnow

__all__ = ["calendar_in", "calendar_of", "clinic_calendar", "require_settings", "save_calendar",
           "zone_of"]

_RESOURCE = "clinic-calendar"


def calendar_in(session: Session, clinic_id: int) -> ClinicCalendar:
    """The clinic's calendar inside an open transaction (the default when none is set)."""
    row = session.get(ClinicCalendarRecord, clinic_id)
    return default_calendar() if row is None else ClinicCalendar.model_validate(
        row.calendar_json)


def calendar_of(ctx: Context, clinic_id: int) -> ClinicCalendar:
    """The clinic's calendar (no patient data: anyone of the clinic may read it)."""
    with ctx.db.read() as session:
        return calendar_in(session, clinic_id)


def clinic_calendar(ctx: Context, actor: Actor) -> ClinicCalendar:
    """The caller's clinic's calendar."""
    return calendar_of(ctx, actor.clinic_id)


def zone_of(calendar: ClinicCalendar) -> ZoneInfo:
    """The calendar's time zone (UTC when the name is unknown to this machine)."""
    try:
        return ZoneInfo(calendar.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def require_settings(ctx: Context, actor: Actor) -> None:
    """Refuse (and audit) a caller who may not change the clinic's settings."""
    require(ctx, actor, UseCase.CLINIC_SETTINGS, Action.READ, _RESOURCE, None)


def save_calendar(ctx: Context, actor: Actor, document: dict[str, Any]) -> ClinicCalendar:
    """Validate and store the clinic's calendar; ``FieldRefused`` names the field at fault."""
    require(ctx, actor, UseCase.CLINIC_SETTINGS, Action.UPDATE, _RESOURCE, None)
    try:
        calendar = ClinicCalendar.model_validate(document)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = [str(p) for p in first["loc"]]
        field = loc[0] if loc else "hours"
        if field == "hours" and len(loc) > 1 and loc[1].isdigit():
            span = document.get("hours", [])[int(loc[1])]
            field = f"hours_{span.get('weekday', '')}" if isinstance(span, dict) else field
        raise FieldRefused(field, _sentence(field, str(first["msg"]))) from None
    if calendar.timezone not in available_timezones():
        raise FieldRefused("timezone", _("The time zone is not one this computer knows "
                                         "(for example Europe/Rome)."))
    with ctx.db.write() as session:
        row = session.get(ClinicCalendarRecord, actor.clinic_id)
        if row is None:
            row = ClinicCalendarRecord(clinic_id=actor.clinic_id, calendar_json={})
            session.add(row)
        row.calendar_json = calendar.model_dump(mode="json")
        row.updated_by = actor.user_id
        row.updated_at = utcnow()
        record(session, ctx.audit_key, actor=actor, action=Action.UPDATE, resource=_RESOURCE)
    return calendar


def _sentence(field: str, message: str) -> str:
    text = message.removeprefix("Value error, ").rstrip(".")
    if field.startswith("hours"):
        if "at least 1" in text:
            return _("Open the clinic on at least one day.")
        return _("The opening hours: %(why)s.") % {"why": text}
    if field == "closed_yearly":
        return _("The days closed every year: %(why)s.") % {"why": text}
    if field == "closed_dates":
        return _("The closed dates must be dates (year-month-day).")
    if field == "appointment_minutes":
        return _("The appointment length must be a whole number of minutes from 5 to 240.")
    return _("The time zone must be a name such as Europe/Rome.")
