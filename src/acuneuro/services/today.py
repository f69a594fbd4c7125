"""Today's list: who comes when (per practitioner) and what is due for each patient.

For each appointment of the day: the planned visit's re-assessment instruments, the facts
of the day's screen that are past their window (labs to check among them) and the screen's
cautions, read through the course services (``sessions.course_overview``, ``day_screen``), so
the list says what the session page will say. A patient without an accepted plan shows the
appointment only.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from acuneuro.clinical.safety_model import SafetyFinding
from acuneuro.clinical.scoring import UnknownInstrumentError, get_instrument
from acuneuro.services import sessions as session_service
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._course_common import CourseRefused
from acuneuro.services.appointments import AppointmentView, appointments_between

__all__ = ["TodayRow", "todays_list"]


class TodayRow(BaseModel):
    """One appointment of the day and what is due at it."""

    model_config = ConfigDict(frozen=True)

    appointment: AppointmentView
    has_plan: bool
    next_number: int | None = None
    # The names of the instruments to take before needling (not their ids).
    instruments_due: list[str] = Field(default_factory=list)
    to_check: list[str] = Field(default_factory=list)
    # The day's cautions (one per message), shown in the reader's language (SafetyFinding.shown).
    cautions: list[SafetyFinding] = Field(default_factory=list)


def todays_list(ctx: Context, actor: Actor, today: date,
                practitioner_id: int | None = None) -> list[TodayRow]:
    """The day's appointments (cancelled ones left out), each with what is due."""
    rows = []
    for appointment in appointments_between(ctx, actor, today, today, practitioner_id):
        rows.append(_due(ctx, actor, appointment, today))
    return rows


def _instrument_name(instrument_id: str) -> str:
    """The instrument's name as the pages show it (never its id)."""
    try:
        return get_instrument(instrument_id).name
    except UnknownInstrumentError:
        return instrument_id


def _due(ctx: Context, actor: Actor, appointment: AppointmentView, today: date) -> TodayRow:
    if appointment.status in {"cancelled", "no-show"}:
        return TodayRow(appointment=appointment, has_plan=False)
    course = session_service.course_overview(ctx, actor, appointment.patient, today=today)
    if course.plan_id is None:
        return TodayRow(appointment=appointment, has_plan=False)
    instruments = [_instrument_name(i) for i in dict.fromkeys(
        i for v in course.due_today for i in v.instruments_due)]
    try:
        screen = session_service.day_screen(ctx, actor, appointment.patient, {}, today)
    except CourseRefused:
        return TodayRow(appointment=appointment, has_plan=True,
                        next_number=course.next_number, instruments_due=instruments)
    return TodayRow(
        appointment=appointment, has_plan=True, next_number=course.next_number,
        instruments_due=instruments,
        to_check=[f.label for f in screen.facts if not f.current],
        cautions=list({f.message: f for f in screen.screen.cautions
                       if not f.not_assessed}.values()),
    )
