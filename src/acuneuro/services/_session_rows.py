"""The rows a course is counted from: the planned visits and the sessions still in force.

A session marked entered in error (``services.corrections``) is not a session: it is left out
of numbering, adherence, the day's known facts and the next-visit count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.clinical.planner import Plan
from acuneuro.store import ACTIVE, Patient, PlannedSession, PlanRecord, TreatmentSession

__all__ = ["PlannedVisit", "course_of", "planned_of", "recorded_of", "total_sessions"]


class PlannedVisit(Protocol):
    """What the course is counted from in a planned visit (a ``PlannedSession`` row, or the
    few columns today's list reads of it)."""

    @property
    def number(self) -> int: ...

    @property
    def due_on(self) -> date: ...


def total_sessions(plan: Plan, planned: Sequence[PlannedVisit]) -> int:
    """The course length: the plan's sessions, else per week x weeks, else the visits planned."""
    course = plan.course
    total = None if course is None else course.sessions or (
        (course.sessions_per_week or 0) * (course.weeks or 0) or None)
    return total if total is not None else len(planned)


def course_of(plan: Plan, planned: Sequence[PlannedVisit]) -> list[tuple[int, date]]:
    """The course's sessions as (number, date due): the visits up to the course length
    (``total_sessions``); the later ones are follow-up visits, not sessions."""
    total = total_sessions(plan, planned)
    return [(p.number, p.due_on) for p in planned if p.number <= total]


def planned_of(session: Session, row: PlanRecord) -> list[PlannedSession]:
    """The plan's visits in number order."""
    return list(session.scalars(
        select(PlannedSession)
        .where(PlannedSession.clinic_id == row.clinic_id, PlannedSession.plan_id == row.id)
        .order_by(PlannedSession.number)
    ))


def recorded_of(session: Session, patient: Patient) -> list[TreatmentSession]:
    """The patient's sessions in force (not entered in error), oldest first."""
    return list(session.scalars(
        select(TreatmentSession)
        .where(TreatmentSession.clinic_id == patient.clinic_id,
               TreatmentSession.patient_id == patient.id, TreatmentSession.status == ACTIVE)
        .order_by(TreatmentSession.occurred_on, TreatmentSession.id)
    ))
