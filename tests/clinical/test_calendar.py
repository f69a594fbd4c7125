"""The clinic calendar: opening spans, closed days, and visits placed only on open days."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from acuneuro.clinical.calendar import (
    ClinicCalendar,
    OpeningSpan,
    default_calendar,
    free_starts,
    place_visits,
)
from acuneuro.clinical.course import CourseDefinition, follow_up_visits, schedule


def _week(days: list[int]) -> ClinicCalendar:
    return ClinicCalendar(hours=[OpeningSpan(weekday=d, opens=time(9), closes=time(17))
                                 for d in days])


def test_the_default_calendar_is_closed_on_sundays_and_at_christmas_and_new_year() -> None:
    calendar = default_calendar()
    assert not calendar.is_open_on(date(2026, 12, 6))  # a Sunday
    for closed in ("2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31", "2027-01-01"):
        assert not calendar.is_open_on(date.fromisoformat(closed)), closed
    assert calendar.is_open_on(date(2026, 12, 7))  # a Monday


def test_an_appointment_fits_only_inside_one_opening_span() -> None:
    calendar = default_calendar()
    monday = date(2026, 12, 7)
    assert calendar.fits(monday, time(8, 30), 45)
    assert calendar.fits(monday, time(11, 45), 45)
    assert not calendar.fits(monday, time(12, 0), 45)  # runs into the lunch closure
    assert not calendar.fits(monday, time(8, 0), 45)  # before opening
    assert not calendar.fits(monday, time(23, 30), 60)  # past midnight
    assert not calendar.fits(date(2026, 12, 25), time(9), 45)


def test_a_calendar_refuses_bad_spans_days_and_an_empty_week() -> None:
    with pytest.raises(ValidationError, match="closing time must be after"):
        OpeningSpan(weekday=0, opens=time(12), closes=time(9))
    with pytest.raises(ValidationError, match="overlap"):
        ClinicCalendar(hours=[OpeningSpan(weekday=0, opens=time(9), closes=time(13)),
                              OpeningSpan(weekday=0, opens=time(12), closes=time(18))])
    with pytest.raises(ValidationError, match="13-01 is not a month and day"):
        ClinicCalendar(hours=[OpeningSpan(weekday=0, opens=time(9), closes=time(13))],
                       closed_yearly=["13-01"])
    with pytest.raises(ValidationError, match="at least 1"):
        ClinicCalendar(hours=[])


def test_a_calendar_closed_every_day_of_the_year_is_refused_when_searched() -> None:
    every_day = [f"{d.month:02d}-{d.day:02d}" for d in
                 (date(2000, 1, 1) + timedelta(days=k) for k in range(366))]
    with pytest.raises(ValidationError):
        ClinicCalendar(hours=[OpeningSpan(weekday=0, opens=time(9), closes=time(13))],
                       closed_yearly=every_day)
    calendar = ClinicCalendar(hours=[OpeningSpan(weekday=0, opens=time(9), closes=time(13))],
                              closed_dates=[date(2027, 1, 4) + timedelta(weeks=k)
                                            for k in range(110)])
    with pytest.raises(ValueError, match="no open day"):
        calendar.next_open_day(date(2027, 1, 4))


def test_a_twice_weekly_course_from_a_thursday_never_lands_on_a_sunday() -> None:
    # The issue 14 trial: every 3-4 days from a Thursday gives Sundays; 24 and 31 December.
    course = CourseDefinition(sessions_per_week=2, weeks=8)
    days = [s.on for s in schedule(course, date(2026, 12, 3))]
    assert all(d.weekday() != 6 for d in days)
    assert not {date(2026, 12, 24), date(2026, 12, 31)} & set(days)
    assert len(days) == 16 and days == sorted(set(days))


_calendars = st.builds(
    lambda days, yearly, dates: ClinicCalendar(
        hours=[OpeningSpan(weekday=d, opens=time(8), closes=time(18)) for d in days],
        closed_yearly=[f"{m:02d}-{d:02d}" for m, d in yearly], closed_dates=dates),
    st.sets(st.integers(0, 6), min_size=1),
    st.lists(st.tuples(st.integers(1, 12), st.integers(1, 28)), max_size=20),
    st.lists(st.dates(date(2026, 1, 1), date(2028, 12, 31)), max_size=30),
)


@given(calendar=_calendars,
       days=st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31)), min_size=1, max_size=40))
def test_placed_visits_are_on_open_days_in_order_and_never_earlier(
    calendar: ClinicCalendar, days: list[date]
) -> None:
    ordered = sorted(days)
    placed = place_visits(ordered, calendar)
    assert len(placed) == len(ordered)
    assert all(calendar.is_open_on(d) for d in placed)
    assert all(a < b for a, b in itertools.pairwise(placed))
    assert all(p >= d for p, d in zip(placed, ordered, strict=True))


@given(calendar=_calendars, per_week=st.integers(1, 7), total=st.integers(1, 40),
       follow_up=st.integers(0, 30), start=st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_a_course_never_proposes_a_visit_on_a_closed_day(
    calendar: ClinicCalendar, per_week: int, total: int, follow_up: int, start: date
) -> None:
    course = CourseDefinition(sessions_per_week=per_week, total_sessions=total)
    planned = schedule(course, start, calendar)
    assert [s.number for s in planned] == list(range(1, total + 1))
    assert all(calendar.is_open_on(s.on) for s in planned)
    assert all(a.on < b.on for a, b in itertools.pairwise(planned))
    weeks = -(-total // per_week)
    if follow_up:
        later = CourseDefinition(sessions_per_week=per_week, total_sessions=total,
                                 follow_ups=[{"week": weeks + follow_up, "instruments": ["nrs"]}])
        (visit,) = follow_up_visits(later, start, calendar)
        assert calendar.is_open_on(visit.on)


@given(calendar=_calendars, day=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
       minutes=st.integers(5, 120),
       busy=st.lists(st.tuples(st.integers(8 * 4, 17 * 4), st.integers(1, 8)), max_size=6))
def test_free_start_times_fit_the_opening_hours_and_overlap_nothing(
    calendar: ClinicCalendar, day: date, minutes: int, busy: list[tuple[int, int]]
) -> None:
    taken = [(time(q // 4, 15 * (q % 4)), 15 * n) for q, n in busy]
    for start in free_starts(calendar, day, minutes, taken):
        assert calendar.fits(day, start, minutes)
        begin = datetime.combine(day, start)
        end = begin + timedelta(minutes=minutes)
        for other, length in taken:
            o_begin = datetime.combine(day, other)
            assert end <= o_begin or begin >= o_begin + timedelta(minutes=length)
