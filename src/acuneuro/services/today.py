"""Today's list: who comes when (per practitioner) and what is due for each patient.

For each appointment of the day: the planned visit's re-assessment instruments, the facts
of the day's screen that are past their window (labs to check among them) and the screen's
cautions, computed by the course services' own functions (``sessions.overview_from``,
``screen_from``: what ``course_overview`` and ``day_screen`` answer), so the list says what
the session page will say. A patient without an accepted plan shows the appointment only.

The day's courses are read in one read transaction, a few statements for the whole day (not
two audited write transactions per patient: 1.8 s for a day of 40, docs/performance.md), and
audited as those two services audit them, one row per patient and resource, committed before
the list is returned (``_audit_group.record_read``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.clinical.planner import Plan
from acuneuro.clinical.safety_model import SafetyFinding
from acuneuro.clinical.scoring import UnknownInstrumentError, get_instrument
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._context import Context
from acuneuro.services._course_common import require
from acuneuro.services._policy import UseCase
from acuneuro.services.appointments import AppointmentView, appointments_between
from acuneuro.services.audit import Action
from acuneuro.services.sessions import overview_from, screen_from
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


@dataclass
class _Course:
    """One patient's rows: the newest accepted plan, its visits, the sessions in force."""

    pseudo_id: str
    plan: PlanRecord | None = None
    planned: list[PlannedSession] = field(default_factory=list)
    recorded: list[TreatmentSession] = field(default_factory=list)


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
    # The reads course_overview (every patient) and day_screen (those with a plan) audit.
    record_read(ctx, actor, Action.READ, _SESSIONS, list(courses))
    record_read(ctx, actor, Action.READ, _PLAN,
                [p for p, c in courses.items() if c.plan is not None])
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
    for plan in session.scalars(select(PlanRecord).where(
            PlanRecord.patient_id.in_(patients), PlanRecord.status == "accepted")
            .order_by(PlanRecord.id)):
        courses[plan.patient_id].plan = plan  # the newest wins, as accepted_plan
    plans = {c.plan.id: c for c in courses.values() if c.plan is not None}
    for visit in session.scalars(select(PlannedSession).where(
            PlannedSession.plan_id.in_(plans)).order_by(PlannedSession.number)):
        plans[visit.plan_id].planned.append(visit)
    for row in session.scalars(select(TreatmentSession).where(
            TreatmentSession.patient_id.in_(patients), TreatmentSession.status == ACTIVE)
            .order_by(TreatmentSession.occurred_on, TreatmentSession.id)):
        courses[row.patient_id].recorded.append(row)
    return {c.pseudo_id: c for c in courses.values()}


def _instrument_name(instrument_id: str) -> str:
    """The instrument's name as the pages show it (never its id)."""
    try:
        return get_instrument(instrument_id).name
    except UnknownInstrumentError:
        return instrument_id


def _due(course: _Course | None, appointment: AppointmentView, today: date) -> TodayRow:
    if course is None or course.plan is None:
        return TodayRow(appointment=appointment, has_plan=False)
    overview = overview_from(course.pseudo_id, course.recorded, course.plan, course.planned,
                             today)
    instruments = [_instrument_name(i) for i in dict.fromkeys(
        i for v in overview.due_today for i in v.instruments_due)]
    plan = Plan.model_validate(course.plan.plan_json)
    screen = screen_from(course.plan, course.recorded, {}, today, plan.points)[0]
    return TodayRow(
        appointment=appointment, has_plan=True, next_number=overview.next_number,
        instruments_due=instruments,
        to_check=[f.label for f in screen.facts if not f.current],
        cautions=list({f.message: f for f in screen.screen.cautions
                       if not f.not_assessed}.values()),
    )
