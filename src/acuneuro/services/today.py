"""Today's list: who comes when (per practitioner) and what is due for each patient.

For each appointment of the day: the planned visit's re-assessment instruments, the facts
of the day's screen that are past their window (labs to check among them) and the screen's
cautions, computed by the course services' own functions (the parts of
``sessions.overview_from`` and ``screen_from`` the list shows: ``course_of``,
``next_unrecorded``, ``day_facts_known``, ``screened_from``; what ``course_overview`` and
``day_screen`` answer), so the list says what the session page will say. A patient without an
accepted plan shows the appointment only.

The day's courses are read in one read transaction, a few statements for the whole day (not
two audited write transactions per patient: 1.8 s for a day of 40, docs/performance.md), and
audited as those two services audit them, one row per patient and resource, committed before
the list is returned (``_audit_group.record_reads``, one commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from acuneuro.clinical.safety_model import SafetyFinding
from acuneuro.clinical.scoring import UnknownInstrumentError, get_instrument
from acuneuro.clinical.stricta import next_unrecorded
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_reads
from acuneuro.services._context import Context
from acuneuro.services._course_common import require
from acuneuro.services._policy import UseCase
from acuneuro.services._session_rows import course_of
from acuneuro.services._today_screens import PlanText, SessionText, list_screen, plan_of
from acuneuro.services.appointments import AppointmentView, appointments_between
from acuneuro.services.audit import Action
from acuneuro.store import ACTIVE, Patient, PlannedSession, PlanRecord, TreatmentSession

__all__ = ["TodayRow", "todays_list"]

_SESSIONS = "session"  # the resources course_overview and day_screen audit
_PLAN = "plan"


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


class _Visit(NamedTuple):
    """A planned visit, as the list reads it (the columns, not an ORM object per row)."""

    plan_id: int
    number: int
    due_on: date
    instruments_due: list[str]


@dataclass
class _Course:
    """One patient's rows: the newest accepted plan, its visits, the sessions in force."""

    pseudo_id: str
    plan: PlanText | None = None
    planned: list[_Visit] = field(default_factory=list)
    recorded: list[SessionText] = field(default_factory=list)


def todays_list(ctx: Context, actor: Actor, today: date,
                practitioner_id: int | None = None) -> list[TodayRow]:
    """The day's appointments (cancelled ones left out), each with what is due."""
    appointments = appointments_between(ctx, actor, today, today, practitioner_id)
    wanted = list(dict.fromkeys(a.patient for a in appointments
                                if a.status not in {"cancelled", "no-show"}))
    if not wanted:
        return [TodayRow(appointment=a, has_plan=False) for a in appointments]
    require(ctx, actor, UseCase.COURSE_READ, Action.READ, _SESSIONS, None)
    with ctx.db.read() as session:
        courses = _courses(session, actor, wanted)
        rows = [_due(courses.get(a.patient) if a.status not in {"cancelled", "no-show"}
                     else None, a, today) for a in appointments]
    # The reads course_overview (every patient) and day_screen (those with a plan) audit, in
    # one commit.
    record_reads(ctx, actor, Action.READ, [
        (_SESSIONS, list(courses)),
        (_PLAN, [p for p, c in courses.items() if c.plan is not None])])
    return rows


def _courses(session: Session, actor: Actor, pseudo_ids: Sequence[str]) -> dict[str, _Course]:
    """The courses of the caller's clinic's patients ``pseudo_ids``, in four statements.

    Each statement selects by the patients' (or plans') own ids, not also by clinic: with an
    ``IN`` list and a clinic term SQLite searched the clinic's index, a scan of the whole clinic
    (``EXPLAIN QUERY PLAN``). The clinic is checked on the patients read, and every row below
    belongs to its patient's clinic (foreign key on clinic and patient).
    """
    patients: dict[int, str] = {
        pid: pseudo for pid, clinic, pseudo in session.execute(
            select(Patient.id, Patient.clinic_id, Patient.pseudo_id).where(
                Patient.pseudo_id.in_(pseudo_ids)))
        if clinic == actor.clinic_id}
    courses = {pid: _Course(pseudo) for pid, pseudo in patients.items()}
    # Columns, not ORM objects: an object per visit and session (600-800 a day) and each
    # session's whole STRICTA record decoded were a third of the list's time; the session
    # number is read from the record in the statement (``recorded_of`` holds the same rows).
    # The plan's and the sessions' documents come as the stored text, decoded only when a
    # course's screen is not already known (``_today_screens``).
    for pid, plan_id, plan_text, case_text in session.execute(select(
            PlanRecord.patient_id, PlanRecord.id, cast(PlanRecord.plan_json, Text),
            cast(PlanRecord.case_json, Text)).where(
            PlanRecord.patient_id.in_(patients), PlanRecord.status == "accepted")
            .order_by(PlanRecord.id)):
        courses[pid].plan = PlanText(plan_id, plan_text, case_text)  # the newest wins
    plans = {c.plan.id: c for c in courses.values() if c.plan is not None}
    for visit in session.execute(select(
            PlannedSession.plan_id, PlannedSession.number, PlannedSession.due_on,
            PlannedSession.instruments_due).where(
            PlannedSession.plan_id.in_(plans)).order_by(PlannedSession.number)):
        plans[visit.plan_id].planned.append(_Visit(*visit))
    for row in session.execute(select(
            TreatmentSession.patient_id, TreatmentSession.plan_id, TreatmentSession.occurred_on,
            cast(TreatmentSession.screen_json, Text),
            TreatmentSession.record_json["session_number"].as_integer()).where(
            TreatmentSession.patient_id.in_(patients), TreatmentSession.status == ACTIVE)
            .order_by(TreatmentSession.occurred_on, TreatmentSession.id)):
        courses[row.patient_id].recorded.append(SessionText(*row))
    return {c.pseudo_id: c for c in courses.values()}


def _instrument_name(instrument_id: str) -> str:
    """The instrument's name as the pages show it (never its id)."""
    try:
        return get_instrument(instrument_id).name
    except UnknownInstrumentError:
        return instrument_id


def _due(course: _Course | None, appointment: AppointmentView, today: date) -> TodayRow:
    """What ``course_overview`` and ``day_screen`` say of this patient today, by their parts.

    The instruments of the visits due today and the next session (the first course session
    with no record: ``next_unrecorded`` from the recorded session numbers, as ``next_session``
    does from whole records), then the day's facts and screen (``screened_from``, what
    ``screen_from`` shows on the session page, remembered by all its inputs:
    ``_today_screens``). The whole overview (every session record validated, every visit
    built) and the page's view of the case were most of the list's cost and are not shown here.
    """
    if course is None or course.plan is None:
        return TodayRow(appointment=appointment, has_plan=False)
    plan = plan_of(course.plan.plan_text)
    recorded = {t.session_number for t in course.recorded}
    upcoming = next_unrecorded(recorded, course_of(plan, course.planned))
    instruments = [_instrument_name(i) for i in dict.fromkeys(
        i for v in course.planned if v.due_on == today for i in v.instruments_due)]
    screen = list_screen(course.plan, course.recorded, today)
    return TodayRow(
        appointment=appointment, has_plan=True,
        next_number=upcoming[0] if upcoming else None, instruments_due=instruments,
        to_check=list(screen.to_check), cautions=list(screen.cautions),
    )
