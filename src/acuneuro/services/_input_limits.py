"""Bounds on what a person may type in, checked on every input before it is stored.

An outside test (issue 13) stored a 5 MB adverse-event description (the report then ran for
over 11 minutes) and a medication stopped on 9999-12-31 (the patient page failed for good).
``check_input`` walks a validated input model and refuses, as a pydantic ``ValidationError``
naming the field (an API 422, a form message):

- text longer than ``MAX_TEXT`` characters, or than the field's own ``max_length``;
- a date or date-time outside ``FIRST_DAY`` .. ``LAST_DAY``.

The bounds are checked on input only, not in the clinical models themselves: records stored
before these limits must still load, so that a page can show them and a person can correct
them (the charts and PDFs cope with such values, ``web._course_chart``, ``reports``).
Design choices, documented in docs/security.md ("Resource limits"): 4,000 characters is a
page of text, twice the 2 KB description that once broke the report; no clinical date in
acuneuro (birth, onset, session, medication, score) falls outside 1900-2100.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = ["FIRST_DAY", "LAST_DAY", "MAX_TEXT", "check_input", "input_problems"]

MAX_TEXT = 4000
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)

Loc = tuple[str | int, ...]


def _max_length(model: BaseModel, name: str) -> int:
    info = type(model).model_fields.get(name)
    limits = [getattr(m, "max_length", None) for m in (info.metadata if info else [])]
    declared = [n for n in limits if isinstance(n, int)]
    return min([MAX_TEXT, *declared])


def _walk(value: Any, loc: Loc, limit: int) -> Iterator[tuple[Loc, str]]:
    """Problems in ``value`` at ``loc``; ``limit`` applies to ``value`` itself if it is text."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), (*loc, name), _max_length(value, name))
    elif isinstance(value, str):
        if len(value) > limit:
            yield loc, f"at most {limit:,} characters ({len(value):,} given)"
    elif isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        if not FIRST_DAY <= day <= LAST_DAY:
            yield loc, (f"the date {day.isoformat()} is outside {FIRST_DAY.isoformat()} .. "
                        f"{LAST_DAY.isoformat()}")
    elif isinstance(value, list | tuple | set | frozenset):
        # A field's max_length on a list counts items; pydantic checks its items' own limits.
        for index, item in enumerate(value):
            yield from _walk(item, (*loc, index), MAX_TEXT)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(key, (*loc, str(key)), MAX_TEXT)
            yield from _walk(item, (*loc, str(key)), MAX_TEXT)


def input_problems(model: BaseModel) -> list[tuple[Loc, str]]:
    """Every ``(location, message)`` where ``model`` passes a bound; empty when it is within."""
    return list(_walk(model, (), MAX_TEXT))


def check_input(model: BaseModel) -> None:
    """Raise ``ValidationError`` naming each field of ``model`` beyond a bound."""
    problems = input_problems(model)
    if problems:
        details = [InitErrorDetails(type=PydanticCustomError("value_error", message),
                                    loc=loc, input=None) for loc, message in problems]
        raise ValidationError.from_exception_data(type(model).__name__, details)
