"""An administrator sets the clinic's opening hours; bad input names its field, saves nothing."""

from __future__ import annotations

from typing import Any

import pytest

from acuneuro.clinical.calendar import default_calendar
from acuneuro.services import Context, PermissionDenied
from acuneuro.services.clinic_calendar import clinic_calendar, save_calendar
from acuneuro.services.practitioners import FieldRefused

_WEEK = {"hours": [{"weekday": 0, "opens": "09:00", "closes": "13:00"}],
         "closed_yearly": ["12-25"], "closed_dates": ["2027-04-05"],
         "appointment_minutes": "30", "timezone": "Europe/Rome"}


def test_a_clinic_without_its_own_calendar_has_the_default(ctx: Context, actors: Any) -> None:
    assert clinic_calendar(ctx, actors["alice"].actor) == default_calendar()


def test_the_saved_calendar_is_the_clinics_own(ctx: Context, actors: Any) -> None:
    saved = save_calendar(ctx, actors["erin"].actor, dict(_WEEK))
    assert clinic_calendar(ctx, actors["alice"].actor) == saved
    assert saved.appointment_minutes == 30 and [s.weekday for s in saved.hours] == [0]
    assert clinic_calendar(ctx, actors["charlie"].actor) == default_calendar()


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"hours": []}, "hours", "at least one day"),
    ({"hours": [{"weekday": 2, "opens": "13:00", "closes": "09:00"}]}, "hours_2",
     "closing time must be after"),
    ({"closed_yearly": ["02-30"]}, "closed_yearly", "02-30 is not a month and day"),
    ({"appointment_minutes": "2"}, "appointment_minutes", "from 5 to 240"),
    ({"timezone": "Mars/Olympus"}, "timezone", "time zone"),
])
def test_bad_input_is_refused_on_its_field_and_nothing_is_saved(
    ctx: Context, actors: Any, change: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(FieldRefused, match=words) as refused:
        save_calendar(ctx, actors["erin"].actor, {**_WEEK, **change})
    assert refused.value.field == field
    assert clinic_calendar(ctx, actors["alice"].actor) == default_calendar()


def test_only_an_administrator_sets_the_hours(ctx: Context, actors: Any) -> None:
    with pytest.raises(PermissionDenied):
        save_calendar(ctx, actors["alice"].actor, dict(_WEEK))
