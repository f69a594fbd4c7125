"""The clinic's calendar: opening hours per weekday, closed days, and visits placed inside them.

A course states its sessions per week (STRICTA 2010 item 3, MacPherson et al., PLoS Med
2010;7:e1000261); the calendar decides the days they can happen. ``place_visits`` moves each
proposed day forward to the next day the clinic is open, keeping the order and never putting
two visits of one course on the same day, so no session falls on a Sunday or on a day the
clinic is closed (issue 14). Pure: dates are passed in, nothing reads a clock.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from acuneuro.knowledge import calendar_defaults

__all__ = ["ClinicCalendar", "OpeningSpan", "default_calendar", "free_starts", "place_visits"]

# A calendar open on no day of two years is refused rather than searched for ever.
_SEARCH_DAYS = 2 * 366


class OpeningSpan(BaseModel):
    """The clinic is open on ``weekday`` (0 = Monday) from ``opens`` to ``closes``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekday: int = Field(ge=0, le=6)
    opens: time
    closes: time

    @model_validator(mode="after")
    def _opens_before_closing(self) -> OpeningSpan:
        if self.closes <= self.opens:
            raise ValueError("the closing time must be after the opening time")
        return self


def _month_day(text: str) -> tuple[int, int]:
    month, _, day = text.partition("-")
    return int(month), int(day)


class ClinicCalendar(BaseModel):
    """Opening spans, days closed every year ("MM-DD") and single closed dates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hours: list[OpeningSpan] = Field(min_length=1, max_length=50)
    closed_yearly: list[str] = Field(default_factory=list, max_length=100)
    closed_dates: list[date] = Field(default_factory=list, max_length=1000)
    appointment_minutes: int = Field(default=45, ge=5, le=240)
    timezone: str = Field(default="UTC", min_length=1, max_length=64)

    @field_validator("closed_yearly")
    @classmethod
    def _real_days(cls, value: list[str]) -> list[str]:
        for text in value:
            try:
                month, day = _month_day(text)
                date(2000, month, day)  # a leap year: 02-29 is a day some years have
            except ValueError:
                raise ValueError(f"{text} is not a month and day (MM-DD)") from None
        return sorted(set(value))

    @model_validator(mode="after")
    def _spans_apart(self) -> ClinicCalendar:
        for weekday in range(7):
            spans = sorted((s.opens, s.closes) for s in self.hours if s.weekday == weekday)
            for (_, end), (start, _) in itertools.pairwise(spans):
                if start < end:
                    raise ValueError("two opening spans of one weekday overlap")
        return self

    def spans_on(self, day: date) -> list[tuple[time, time]]:
        """The opening spans of ``day``, empty when the clinic is closed."""
        if day in self.closed_dates or f"{day.month:02d}-{day.day:02d}" in self.closed_yearly:
            return []
        return sorted((s.opens, s.closes) for s in self.hours if s.weekday == day.weekday())

    def is_open_on(self, day: date) -> bool:
        """True when the clinic opens at all on ``day``."""
        return bool(self.spans_on(day))

    def fits(self, day: date, start: time, minutes: int) -> bool:
        """True when ``minutes`` from ``start`` on ``day`` lie inside one opening span."""
        begin = datetime.combine(day, start)
        end = begin + timedelta(minutes=minutes)
        return end.date() == day and any(
            opens <= start and end.time() <= closes for opens, closes in self.spans_on(day))

    def next_open_day(self, day: date) -> date:
        """``day`` itself when open, else the first open day after it."""
        for k in range(_SEARCH_DAYS):
            candidate = day + timedelta(days=k)
            if self.is_open_on(candidate):
                return candidate
        raise ValueError("the clinic calendar has no open day in two years")


def place_visits(days: Sequence[date], calendar: ClinicCalendar) -> list[date]:
    """Each day moved to the next open day, in order, never two on one day, never earlier."""
    placed: list[date] = []
    for day in days:
        earliest = day if not placed else max(day, placed[-1] + timedelta(days=1))
        placed.append(calendar.next_open_day(earliest))
    return placed


def free_starts(calendar: ClinicCalendar, day: date, minutes: int,
                busy: Sequence[tuple[time, int]], *, step: int = 15) -> list[time]:
    """Start times on ``day`` (every ``step`` minutes) where ``minutes`` fit and ``busy`` allows.

    ``busy`` holds (start, minutes) of the practitioner's other appointments that day.
    """
    taken = [(datetime.combine(day, s), datetime.combine(day, s) + timedelta(minutes=m))
             for s, m in busy]
    found: list[time] = []
    for opens, closes in calendar.spans_on(day):
        at = datetime.combine(day, opens)
        while at + timedelta(minutes=minutes) <= datetime.combine(day, closes):
            end = at + timedelta(minutes=minutes)
            if all(end <= b or at >= e for b, e in taken):
                found.append(at.time())
            at += timedelta(minutes=step)
    return found


@cache
def default_calendar() -> ClinicCalendar:
    """The calendar of a clinic that has not set its own (``knowledge/calendar.yaml``)."""
    data = calendar_defaults()
    return ClinicCalendar(
        hours=[OpeningSpan(weekday=s.weekday, opens=time.fromisoformat(s.opens),
                           closes=time.fromisoformat(s.closes)) for s in data.hours],
        closed_yearly=list(data.closed_yearly),
        appointment_minutes=data.appointment_minutes,
        timezone=data.timezone,
    )
