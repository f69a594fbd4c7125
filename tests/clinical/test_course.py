import itertools
from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from acuneuro.clinical.calendar import ClinicCalendar, OpeningSpan
from acuneuro.clinical.course import CourseDefinition, Reassessment, due_on, schedule

START = date(2026, 11, 30)  # a Monday
# The weekly pattern itself, before any closed day moves a session (tests/clinical/
# test_calendar.py covers the placement inside a clinic's calendar).
ALWAYS_OPEN = ClinicCalendar(hours=[OpeningSpan(weekday=d, opens=time(0), closes=time(23, 59))
                                    for d in range(7)])


def test_it_spreads_two_weekly_sessions_over_the_week() -> None:
    course = CourseDefinition(sessions_per_week=2, weeks=8)
    planned = schedule(course, START, ALWAYS_OPEN)
    assert len(planned) == 16
    assert [s.on for s in planned[:4]] == [
        START,
        START + timedelta(days=3),
        START + timedelta(days=7),
        START + timedelta(days=10),
    ]
    assert planned[-1].number == 16


def test_it_marks_reassessment_visits_with_the_instruments_due() -> None:
    course = CourseDefinition(
        sessions_per_week=2,
        total_sessions=10,
        reassessments=[
            Reassessment(session=1, instruments=["nrs", "dn4"]),
            Reassessment(session=10, instruments=["nrs", "pgic"]),
        ],
    )
    planned = schedule(course, START, ALWAYS_OPEN)
    assert planned[0].reassessment and planned[0].instruments_due == ["nrs", "dn4"]
    assert not planned[4].reassessment and planned[4].instruments_due == []
    assert planned[9].instruments_due == ["nrs", "pgic"]


def test_it_answers_what_is_due_on_a_date() -> None:
    course = CourseDefinition(
        sessions_per_week=1, weeks=4, reassessments=[Reassessment(session=3, instruments=["x"])]
    )
    planned = schedule(course, START, ALWAYS_OPEN)
    due = due_on(planned, START + timedelta(days=14))
    assert [(s.number, s.instruments_due) for s in due] == [(3, ["x"])]
    assert due_on(planned, START + timedelta(days=1)) == []


def test_it_uses_given_day_offsets() -> None:
    course = CourseDefinition(sessions_per_week=2, weeks=2, day_offsets=[1, 4])
    assert [s.on - START for s in schedule(course, START, ALWAYS_OPEN)] == [
        timedelta(days=d) for d in (0, 3, 7, 10)
    ]


def test_it_rejects_a_reassessment_after_the_last_session() -> None:
    with pytest.raises(ValidationError, match="after the last session"):
        CourseDefinition(
            sessions_per_week=2,
            total_sessions=4,
            reassessments=[Reassessment(session=5, instruments=["x"])],
        )


def test_it_needs_weeks_or_sessions() -> None:
    with pytest.raises(ValidationError, match="weeks or total_sessions"):
        CourseDefinition(sessions_per_week=2)


@given(
    per_week=st.integers(1, 7),
    total=st.integers(1, 60),
    start=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
)
def test_sessions_are_strictly_increasing_and_weekly_counts_hold(
    per_week: int, total: int, start: date
) -> None:
    planned = schedule(CourseDefinition(sessions_per_week=per_week, total_sessions=total), start,
                       ALWAYS_OPEN)
    assert len(planned) == total
    assert planned[0].on == start
    assert all(a.on < b.on for a, b in itertools.pairwise(planned))
    for week in range(0, total // per_week):
        lo = start + timedelta(days=7 * week)
        in_week = [s for s in planned if lo <= s.on < lo + timedelta(days=7)]
        assert len(in_week) == per_week


@pytest.mark.parametrize(
    ("offsets", "message"),
    [([0], "one increasing offset"), ([3, 1], "one increasing offset"), ([0, 7], "from 0 to 6")],
)
def test_it_rejects_bad_day_offsets(offsets: list[int], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CourseDefinition(sessions_per_week=2, weeks=2, day_offsets=offsets)


def test_it_rejects_a_session_listed_twice_for_reassessment() -> None:
    twice = [Reassessment(session=2, instruments=["a"]), Reassessment(session=2, instruments=["b"])]
    with pytest.raises(ValidationError, match="listed twice"):
        CourseDefinition(sessions_per_week=1, weeks=4, reassessments=twice)


def test_it_counts_the_weeks_a_course_of_sessions_needs() -> None:
    assert CourseDefinition(sessions_per_week=2, total_sessions=9).planned_weeks == 5


def test_it_builds_a_course_from_a_protocol_timed_in_weeks() -> None:
    from acuneuro.clinical.course import follow_up_visits, from_weekly_plan

    course = from_weekly_plan(
        sessions_per_week=2,
        weeks=8,
        sessions=None,
        reassessments=[
            (0, ["nrs", "dn4"]),
            (4, ["nrs"]),
            (8, ["nrs", "pgic"]),
            (12, ["nrs"]),
        ],
    )
    planned = schedule(course, START, ALWAYS_OPEN)
    due = {s.number: s.instruments_due for s in planned if s.reassessment}
    # Week 4 is read before needling at session 9, after 8 sessions (4 weeks) of treatment.
    assert due == {1: ["nrs", "dn4"], 9: ["nrs"], 16: ["nrs", "pgic"]}
    (visit,) = follow_up_visits(course, START, ALWAYS_OPEN)
    assert (visit.week, visit.on, visit.instruments_due) == (
        12,
        START + timedelta(days=84),
        ["nrs"],
    )


def test_it_merges_instruments_due_at_the_same_session_and_caps_at_the_last_session() -> None:
    from acuneuro.clinical.course import from_weekly_plan

    course = from_weekly_plan(3, None, 10, [(4, ["a"]), (4, ["a", "b"])])
    assert [(r.session, r.instruments) for r in course.reassessments] == [(10, ["a", "b"])]


@pytest.mark.parametrize(
    ("per_week", "weeks", "sessions", "message"),
    [(None, 8, None, "no sessions per week"), (2, None, None, "neither weeks")],
)
def test_it_refuses_a_protocol_it_cannot_schedule(
    per_week: int | None, weeks: int | None, sessions: int | None, message: str
) -> None:
    from acuneuro.clinical.course import from_weekly_plan

    with pytest.raises(ValueError, match=message):
        from_weekly_plan(per_week, weeks, sessions, [])


def test_it_rejects_a_follow_up_inside_the_course() -> None:
    from acuneuro.clinical.course import FollowUp

    with pytest.raises(ValidationError, match="within the course"):
        CourseDefinition(
            sessions_per_week=2, weeks=8, follow_ups=[FollowUp(week=8, instruments=["x"])]
        )


def test_every_scheduled_protocol_in_the_knowledge_base_becomes_a_course() -> None:
    from acuneuro.clinical.course import from_weekly_plan
    from acuneuro.knowledge import protocols

    for name, proto in protocols().items():
        c = proto.course
        weekly = [(r.week, r.instruments) for r in proto.reassessment]
        if c.sessions_per_week is None:
            with pytest.raises(ValueError, match="sessions per week"):
                from_weekly_plan(c.sessions_per_week, c.weeks, c.sessions, weekly)
            continue
        course = from_weekly_plan(c.sessions_per_week, c.weeks, c.sessions, weekly)
        planned = schedule(course, START, ALWAYS_OPEN)
        assert planned[0].reassessment, name  # week 0: before the first needling
        due = {i for s in planned for i in s.instruments_due} | {
            i for f in course.follow_ups for i in f.instruments
        }
        assert due == {i for _, ins in weekly for i in ins}, name
