"""``services.check_input`` bounds the text and dates of any input, naming the field (issue 13)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from acuneuro.services import FIRST_DAY, LAST_DAY, MAX_TEXT, check_input


class _Inner(BaseModel):
    note: str
    on: date | None = None


class _Input(BaseModel):
    short: str = Field(default="", max_length=20)
    codes: list[str] = Field(default_factory=list, max_length=3)
    inner: list[_Inner] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    at: datetime | None = None


def _refusal(model: BaseModel) -> list[tuple[object, ...]]:
    with pytest.raises(ValidationError) as caught:
        check_input(model)
    return [e["loc"] for e in caught.value.errors()]


def test_text_and_dates_within_the_bounds_pass() -> None:
    check_input(_Input(short="x" * 20, codes=["y" * MAX_TEXT], inner=[_Inner(
        note="z" * MAX_TEXT, on=LAST_DAY)], tags={"k": "v"}, at=datetime(1900, 1, 1)))


def test_each_field_beyond_a_bound_is_named() -> None:
    model = _Input.model_construct(short="x" * 21, codes=["y" * (MAX_TEXT + 1)],
                                   inner=[_Inner(note="ok", on=date(9999, 12, 31))],
                                   tags={"k" * (MAX_TEXT + 1): "v"}, at=datetime(1, 1, 1))
    assert _refusal(model) == [("short",), ("codes", 0), ("inner", 0, "on"),
                               ("tags", "k" * (MAX_TEXT + 1)), ("at",)]


def test_a_lists_item_count_limit_is_not_applied_to_its_texts() -> None:
    check_input(_Input(codes=["a" * 50]))  # codes allows 3 items, each of any length to MAX_TEXT


@given(st.dates())
def test_a_date_is_refused_exactly_when_outside_1900_to_2100(day: date) -> None:
    model = _Input(inner=[_Inner(note="", on=day)])
    if FIRST_DAY <= day <= LAST_DAY:
        check_input(model)
    else:
        assert _refusal(model) == [("inner", 0, "on")]
