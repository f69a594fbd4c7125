"""The clinic calendar a new installation starts with (``knowledge/calendar.yaml``).

Opening hours are a clinic's own setting, not a published fact; the defaults are labelled a
design choice awaiting clinical sign-off in the data file, with their basis.
"""

from __future__ import annotations

from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field

from acuneuro.knowledge._bibliography import knowledge_text

__all__ = ["CalendarDefaults", "OpeningSpanData", "calendar_defaults"]


class OpeningSpanData(BaseModel):
    """One opening span of a weekday (0 = Monday), times as "HH:MM"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekday: int = Field(ge=0, le=6)
    opens: str = Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$")
    closes: str = Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$")


class CalendarDefaults(BaseModel):
    """The default week, yearly closed days ("MM-DD"), time zone and appointment length."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    design_choice: bool
    basis: str = Field(min_length=1)
    timezone: str = Field(min_length=1)
    appointment_minutes: int = Field(ge=5, le=240)
    hours: list[OpeningSpanData] = Field(min_length=1)
    closed_yearly: list[str] = Field(default_factory=list)


@cache
def calendar_defaults() -> CalendarDefaults:
    """The default clinic calendar, validated."""
    return CalendarDefaults.model_validate(yaml.safe_load(knowledge_text("calendar.yaml")))
