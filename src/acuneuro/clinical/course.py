"""The planned course of acupuncture: session dates, re-assessment visits, what is due when.

STRICTA 2010 item 3 asks for the number of sessions and their frequency and duration
(MacPherson et al., PLoS Med 2010;7:e1000261); a course definition states them, and
``schedule`` turns it into dated sessions. Dates are passed in; nothing here reads a clock.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.clinical.calendar import ClinicCalendar, default_calendar, place_visits

__all__ = [
    "CourseDefinition",
    "FollowUp",
    "FollowUpVisit",
    "PlannedSession",
    "Reassessment",
    "due_on",
    "follow_up_visits",
    "from_weekly_plan",
    "schedule",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reassessment(_Frozen):
    """Instruments to complete at a given session (before needling)."""

    session: int = Field(ge=1)
    instruments: list[str] = Field(min_length=1)


class FollowUp(_Frozen):
    """Instruments due at a visit after the last session, counted in weeks from the start."""

    week: int = Field(ge=1)
    instruments: list[str] = Field(min_length=1)


class CourseDefinition(_Frozen):
    """A course: sessions per week and either a number of weeks or of sessions.

    ``weekdays`` optionally fixes the weekday offsets (0 = the start day's weekday position
    in the week, counted in days from the start of each course week); by default the sessions
    of a week are spread as evenly as whole days allow.
    """

    sessions_per_week: int = Field(ge=1, le=7)
    weeks: int | None = Field(default=None, ge=1, le=104)
    total_sessions: int | None = Field(default=None, ge=1, le=400)
    day_offsets: list[int] | None = None
    reassessments: list[Reassessment] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)

    @model_validator(mode="after")
    def _coherent(self) -> CourseDefinition:
        if self.weeks is None and self.total_sessions is None:
            raise ValueError("course: give weeks or total_sessions")
        if self.day_offsets is not None:
            offs = self.day_offsets
            if len(offs) != self.sessions_per_week or offs != sorted(set(offs)):
                raise ValueError("course.day_offsets: one increasing offset per weekly session")
            if offs[0] < 0 or offs[-1] > 6:
                raise ValueError("course.day_offsets: offsets run from 0 to 6")
        numbers = [r.session for r in self.reassessments]
        if len(set(numbers)) != len(numbers):
            raise ValueError("course.reassessments: a session number is listed twice")
        late = [n for n in numbers if n > self.planned_sessions]
        if late:
            raise ValueError(f"course.reassessments: session {late[0]} is after the last session")
        early = [f.week for f in self.follow_ups if f.week <= self.planned_weeks]
        if early:
            raise ValueError(f"course.follow_ups: week {early[0]} is within the course")
        return self

    @property
    def planned_sessions(self) -> int:
        if self.total_sessions is not None:
            return self.total_sessions
        # The validator guarantees weeks is set when total_sessions is not.
        return (self.weeks or 0) * self.sessions_per_week

    @property
    def planned_weeks(self) -> int:
        return math.ceil(self.planned_sessions / self.sessions_per_week)

    def offsets(self) -> list[int]:
        if self.day_offsets is not None:
            return list(self.day_offsets)
        n = self.sessions_per_week
        return [i * 7 // n for i in range(n)]


class PlannedSession(_Frozen):
    number: int = Field(ge=1)
    on: date
    reassessment: bool
    instruments_due: list[str] = Field(default_factory=list)


def schedule(course: CourseDefinition, start: date,
             calendar: ClinicCalendar | None = None) -> list[PlannedSession]:
    """Dated sessions of ``course`` from ``start``, every one on a day the clinic is open.

    Session 1 is on ``start`` (or the next open day); the weekly pattern is then moved day by
    day past closed days (``clinical.calendar.place_visits``), so a Sunday or a closed
    holiday never carries a session. ``calendar`` defaults to ``default_calendar()``.
    """
    due = {r.session: r.instruments for r in course.reassessments}
    offsets = course.offsets()
    base = offsets[0]
    raw = [start + timedelta(days=7 * week + offsets[slot] - base)
           for week, slot in (divmod(k, course.sessions_per_week)
                              for k in range(course.planned_sessions))]
    days = place_visits(raw, calendar or default_calendar())
    sessions: list[PlannedSession] = []
    for k, on in enumerate(days):
        number = k + 1
        sessions.append(
            PlannedSession(
                number=number,
                on=on,
                reassessment=number in due,
                instruments_due=list(due.get(number, [])),
            )
        )
    return sessions


def due_on(planned: list[PlannedSession], day: date) -> list[PlannedSession]:
    """The planned sessions on ``day`` (empty when none), with the instruments due."""
    return [s for s in planned if s.on == day]


class FollowUpVisit(_Frozen):
    week: int
    on: date
    instruments_due: list[str]


def follow_up_visits(course: CourseDefinition, start: date,
                     calendar: ClinicCalendar | None = None) -> list[FollowUpVisit]:
    """Dated follow-up visits after the course (week ``w`` is ``start`` + 7w days, or the next
    day the clinic is open)."""
    ups = sorted(course.follow_ups, key=lambda f: f.week)
    days = place_visits([start + timedelta(days=7 * f.week) for f in ups],
                        calendar or default_calendar())
    return [FollowUpVisit(week=f.week, on=on, instruments_due=f.instruments)
            for f, on in zip(ups, days, strict=True)]


def from_weekly_plan(
    sessions_per_week: int | None,
    weeks: int | None,
    sessions: int | None,
    reassessments: list[tuple[int, list[str]]],
) -> CourseDefinition:
    """A course from a protocol that times re-assessment in weeks (as ``knowledge/protocols`` do).

    Scores are taken before needling, so week 0 is the first session and week ``w`` is the first
    session after ``w`` weeks of treatment (session ``w`` x sessions-per-week + 1), or the last
    session when ``w`` is the end of the course; weeks after the course become follow-up visits
    (the same convention as the planning service). Instruments due twice at one session are
    merged. Raises ``ValueError`` when the protocol gives no
    weekly frequency, which a schedule cannot be built without.
    """
    if sessions_per_week is None:
        raise ValueError("course: the protocol gives no sessions per week; set it to schedule")
    total = sessions if sessions is not None else (weeks or 0) * sessions_per_week
    if total < 1:
        raise ValueError("course: the protocol gives neither weeks nor a number of sessions")
    last_week = math.ceil(total / sessions_per_week)
    at_session: dict[int, list[str]] = {}
    after: dict[int, list[str]] = {}
    for week, instruments in reassessments:
        if week > last_week:
            bucket, key = after, week
        else:
            bucket, key = at_session, min(week * sessions_per_week + 1, total)
        merged = bucket.setdefault(key, [])
        merged.extend(i for i in instruments if i not in merged)
    return CourseDefinition(
        sessions_per_week=sessions_per_week,
        total_sessions=total,
        reassessments=[
            Reassessment(session=n, instruments=i) for n, i in sorted(at_session.items())
        ],
        follow_ups=[FollowUp(week=w, instruments=i) for w, i in sorted(after.items())],
    )
