"""The schedule of an accepted plan, for every course the protocols or a clinician can give."""

from __future__ import annotations

from datetime import date, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acuneuro.clinical.calendar import ClinicCalendar, OpeningSpan, default_calendar
from acuneuro.clinical.planner import Course, Reassessment
from acuneuro.knowledge import protocol
from acuneuro.services._plan_edit import PlanRefused, schedule_visits

START = date(2026, 12, 1)
# The weekly pattern before closed days move anything; the default calendar is tested below.
ALWAYS_OPEN = ClinicCalendar(hours=[OpeningSpan(weekday=d, opens=time(0), closes=time(23, 59))
                                    for d in range(7)])


def _course(spw: int, weeks: int, reassess: list[int]) -> Course:
    return Course(
        sessions_per_week=spw, weeks=weeks, sessions=spw * weeks, note="test", sources=["s"],
        reassessment=[Reassessment(week=w, instruments=[f"i{w}"], sources=["s"])
                      for w in reassess],
    )  # fmt: skip


@given(
    spw=st.integers(1, 7),
    weeks=st.integers(1, 20),
    reassess=st.lists(st.integers(0, 30), unique=True, max_size=6),
    start=st.dates(date(2020, 1, 1), date(2035, 1, 1)),
)
def test_every_session_and_every_reassessment_is_scheduled_once_in_order(
    spw: int, weeks: int, reassess: list[int], start: date
) -> None:
    visits = schedule_visits(_course(spw, weeks, reassess), start, ALWAYS_OPEN)
    sessions = [v for v in visits if v.kind == "session"]
    assert [v.number for v in visits] == list(range(1, len(visits) + 1))
    assert len(sessions) == spw * weeks and sessions[0].due_on == start
    assert all(a.due_on < b.due_on for a, b in pairwise(visits))
    assert all(v.due_on < start + timedelta(weeks=weeks) for v in sessions)
    due = [i for v in visits for i in v.instruments_due]
    assert sorted(due) == sorted(f"i{w}" for w in reassess)
    for visit in visits:
        assert visit.reassessment == bool(visit.instruments_due)
    for week in reassess:
        visit = next(v for v in visits if f"i{week}" in v.instruments_due)
        if week < weeks:  # within the course: the first session after ``week`` weeks
            assert visit.number == spw * week + 1
            assert visit.due_on - start < timedelta(weeks=week + 1)
        elif week == weeks:  # the end of the course: its last session
            assert visit.number == spw * weeks
        else:
            assert visit.kind == "follow-up" and visit.due_on == start + timedelta(weeks=week)


@given(
    spw=st.integers(1, 7),
    weeks=st.integers(1, 20),
    reassess=st.lists(st.integers(0, 30), unique=True, max_size=6),
    start=st.dates(date(2020, 1, 1), date(2035, 1, 1)),
)
def test_no_visit_of_an_accepted_plan_falls_on_a_day_the_clinic_is_closed(
    spw: int, weeks: int, reassess: list[int], start: date
) -> None:
    calendar = default_calendar()
    visits = schedule_visits(_course(spw, weeks, reassess), start)
    assert all(calendar.is_open_on(v.due_on) for v in visits)
    assert all(a.due_on < b.due_on for a, b in pairwise(visits))
    assert visits[0].due_on == calendar.next_open_day(start)
    assert len([v for v in visits if v.kind == "session"]) == spw * weeks


@pytest.mark.parametrize("condition", ["dpn", "phn", "cipn", "sci"])
def test_each_protocol_course_is_scheduled_with_its_baseline_first(condition: str) -> None:
    proto = protocol(condition)
    course = Course(
        sessions_per_week=proto.course.sessions_per_week, weeks=proto.course.weeks,
        sessions=proto.course.sessions, note=proto.course.note, sources=proto.course.sources,
        reassessment=[Reassessment(week=r.week, instruments=r.instruments, sources=r.sources)
                      for r in proto.reassessment],
    )  # fmt: skip
    visits = schedule_visits(course, START)
    baseline = next(r for r in proto.reassessment if r.week == 0)
    assert visits[0].instruments_due == baseline.instruments
    assert sum(v.kind == "session" for v in visits) == proto.course.sessions


@pytest.mark.parametrize("condition", ["ms", "other"])
def test_a_protocol_without_a_course_cannot_be_scheduled(condition: str) -> None:
    proto = protocol(condition)
    course = Course(sessions_per_week=None, weeks=None, sessions=None, note="none",
                    sources=proto.course.sources, reassessment=[])
    with pytest.raises(PlanRefused, match="set sessions per week and weeks"):
        schedule_visits(course, START)
