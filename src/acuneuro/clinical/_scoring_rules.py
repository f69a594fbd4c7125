"""The scoring rules as arithmetic: one function per rule kind, no per-instrument code.

Every score is carried as a closed interval ``(low, high)``. It is a single point whenever
every answered option has a published value; where a published per-option value could not
be confirmed (``value_bounds`` in the data) the interval keeps the uncertainty visible
instead of guessing, and a cut-off is applied only when the whole interval lies in one band.
"""

from __future__ import annotations

from dataclasses import dataclass

from acuneuro.clinical._scoring_answers import Normalised
from acuneuro.knowledge import Band, Instrument, ScoreRule

__all__ = ["Interval", "band_of", "compute"]


@dataclass(frozen=True)
class Interval:
    """A score that is exact when ``low == high``."""

    low: float
    high: float

    @property
    def exact(self) -> float | None:
        """The score when it is a single number, else ``None``."""
        return self.low if self.low == self.high else None


def _item_interval(instrument: Instrument, item_id: str, answer: str | float) -> Interval:
    item = instrument.item(item_id)
    if isinstance(answer, float):
        return Interval(answer, answer)
    low, high = next(o for o in item.options if o.code == answer).bounds()
    return Interval(low, high)


def _reversed(instrument: Instrument, item_id: str, value: Interval) -> Interval:
    # Reverse scoring maps x to (lowest + highest - x) of the item's own scale.
    lowest, highest = instrument.item(item_id).value_range()
    return Interval(lowest + highest - value.high, lowest + highest - value.low)


def _tidy(value: float) -> float:
    # Means and rescaling produce binary fractions such as 8.799999; clinicians read 8.8.
    return round(value, 6) + 0.0


def compute(
    instrument: Instrument, rule: ScoreRule, answers: Normalised
) -> tuple[Interval | None, list[str]]:
    """The score of ``rule`` and the required items that are missing.

    Sum, mean and lookup follow the rule's data. Missing items: without ``min_answered``
    every non-optional item is required and a missing one leaves the score uncomputed;
    with it, the published prorating applies (mean of the answered items, multiplied by
    the number of items for a sum), e.g. the BPI interference "at least 4 of 7", the
    FACT "more than half" and the EORTC "at least half" rules.
    """
    missing = [
        i for i in rule.items if i not in answers and not instrument.item(i).optional
    ]
    answered = [i for i in rule.items if i in answers]
    if rule.method == "lookup":
        if missing or not answered or rule.table is None:
            return None, missing or list(rule.items)
        point = rule.table[str(answers[answered[0]])]
        return Interval(point, point), []
    enough = rule.min_answered is not None and len(answered) >= rule.min_answered
    if (missing and not enough) or not answered:
        return None, missing or list(rule.items)
    values = []
    for item_id in answered:
        value = _item_interval(instrument, item_id, answers[item_id])
        if item_id in rule.reverse:
            value = _reversed(instrument, item_id, value)
        values.append(value)
    low = sum(v.low for v in values)
    high = sum(v.high for v in values)
    if rule.method == "mean":
        low, high = low / len(values), high / len(values)
    elif missing:
        low = low / len(values) * len(rule.items)
        high = high / len(values) * len(rule.items)
    low, high = low * rule.multiplier, high * rule.multiplier
    if rule.rescale is not None:
        floor, ceiling = rule.rescale
        low = (low - floor) / (ceiling - floor) * 100
        high = (high - floor) / (ceiling - floor) * 100
    return Interval(_tidy(min(low, high)), _tidy(max(low, high))), missing


def band_of(bands: list[Band], value: Interval) -> Band | None:
    """The band holding the whole interval, or ``None`` if it spans bands or falls outside."""
    for band in bands:
        if band.min <= value.low and value.high <= band.max:
            return band
    return None
