"""Checking answers against an instrument's items: the one place that refuses bad input.

An answer is a JSON boolean for a boolean item, an option code for a choice item and a
number within ``[min, max]`` for a number item. ``None`` (JSON ``null``) means *not
answered*. Anything else is an :class:`AnswerError` that names the instrument and the item.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from acuneuro.knowledge import Instrument, Item

__all__ = ["AnswerError", "Normalised", "normalise_answers"]

# An accepted answer: the option code of a boolean/choice item, or the number of a number item.
Normalised = dict[str, str | float]


class AnswerError(ValueError):
    """An answer the instrument cannot take; ``item`` names the offending item."""

    def __init__(self, instrument: str, item: str, problem: str) -> None:
        self.instrument = instrument
        self.item = item
        self.problem = problem
        super().__init__(f"{instrument}: item {item!r}: {problem}")


def _one(instrument: Instrument, item: Item, raw: object) -> str | float:
    if item.type == "boolean":
        if not isinstance(raw, bool):
            raise AnswerError(instrument.id, item.id, "expects true or false")
        return "yes" if raw else "no"
    if item.type == "choice":
        codes = [o.code for o in item.options]
        if not isinstance(raw, str) or raw not in codes:
            raise AnswerError(instrument.id, item.id, f"expects one of {', '.join(codes)}")
        return raw
    # A JSON true would otherwise pass as the number 1.
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise AnswerError(instrument.id, item.id, "expects a number")
    value = float(raw)
    low, high = item.value_range()
    if not math.isfinite(value) or not low <= value <= high:
        raise AnswerError(instrument.id, item.id, f"{raw} is out of range {low:g} to {high:g}")
    if item.integer and not value.is_integer():
        raise AnswerError(instrument.id, item.id, f"{raw} is not a whole number")
    return value


def normalise_answers(instrument: Instrument, answers: Mapping[str, object]) -> Normalised:
    """Checked answers by item id; unanswered (``None``) items are left out."""
    if not isinstance(answers, Mapping):
        raise AnswerError(instrument.id, "(answers)", "expects an object of item id to answer")
    known = {item.id: item for item in instrument.items}
    checked: Normalised = {}
    for item_id, raw in answers.items():
        item = known.get(item_id)
        if item is None:
            raise AnswerError(instrument.id, str(item_id), "unknown item")
        if raw is None:
            continue
        checked[item_id] = _one(instrument, item, raw)
    return checked
