"""Plain words for the numbers in the reports (display only: every threshold lives in knowledge)."""

from __future__ import annotations

from acuneuro.clinical.medication import DrugChange
from acuneuro.clinical.outcomes import OutcomeSummary

__all__ = ["category_words", "dose_words", "number", "outcome_sentence", "percent"]

def number(x: float | None, unit: str = "") -> str:
    if x is None:
        return "not assessed"
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def percent(x: float | None) -> str:
    return "not computed" if x is None else f"{x:.0f}%"


def category_words(o: OutcomeSummary) -> str:
    """The change category in the clinician's words from knowledge (never its code)."""
    if o.category_label is None:
        return "not classified"
    if o.category_note is not None:
        return f"{o.category_label} ({o.category_note})"
    return o.category_label


def outcome_sentence(o: OutcomeSummary) -> str:
    """One plain sentence for the patient about one measure."""
    if o.baseline.value is None:
        return f"{o.label}: we had no score from before treatment, so change cannot be shown."
    if o.latest is None:
        return (
            f"{o.label}: {number(o.baseline.value)} out of 10 before treatment; "
            "no score since treatment started yet."
        )
    text = (
        f"{o.label}: {number(o.baseline.value)} out of 10 before treatment, "
        f"{number(o.latest.value)} at your latest visit ({o.latest.on:%d %b %Y})"
    )
    if o.percent_improvement is not None and o.percent_improvement >= 0:
        text += f", {percent(o.percent_improvement)} better"
    elif o.percent_improvement is not None:
        text += f", {percent(-o.percent_improvement)} worse"
    if o.category_label is not None and o.category_note is None:
        text += f". By the IMMPACT yardstick this is {o.category_label}"
    elif o.category_label is not None and o.percent_improvement is None:
        text += f": {o.category_label}"
    return text + "."


def dose_words(d: DrugChange) -> str:
    words = {
        "started": "started",
        "stopped": "stopped",
        "reduced": "reduced",
        "increased": "increased",
        "unchanged": "unchanged",
    }[d.direction]
    if d.percent_change is not None and d.direction in ("reduced", "increased"):
        words += f" ({d.percent_change:+.0f}%)"
    return words
