"""Builders shared by the appointment tests: practitioner profiles for alice and bob."""

from __future__ import annotations

from datetime import date
from typing import Any

from acuneuro.services import Context
from acuneuro.services.practitioners import ProfileIn, save_profile

MONDAY = date(2027, 3, 1)
SUNDAY = date(2027, 3, 7)


def profiles(ctx: Context, actors: Any) -> dict[str, int]:
    """Profiles for alice and bob, saved by erin (the administrator); their ids by name."""
    erin = actors["erin"].actor
    ids = {}
    for name, full, reg in (("alice", "Dr Alice Able", "REG-1"), ("bob", "Dr Bob Baker", None)):
        view = save_profile(ctx, erin, actors[name].email, ProfileIn(
            display_name=full, qualification="MD", registration_number=reg))
        ids[name] = view.id
    return ids


def open_every_day(ctx: Context, actors: Any) -> None:
    """Erin opens clinic A every day 08:00-20:00 (so "today" is bookable whatever day it is)."""
    from acuneuro.services.clinic_calendar import save_calendar

    save_calendar(ctx, actors["erin"].actor, {
        "hours": [{"weekday": d, "opens": "08:00", "closes": "20:00"} for d in range(7)],
        "appointment_minutes": 30, "timezone": "Europe/Rome"})
