"""Plain words for the numbers in the reports (display only: every threshold lives in knowledge).

Numbers and dates are written as the report's language writes them (``i18n``: "1,5" and
"5 dicembre 2026" in Italian).
"""

from __future__ import annotations

from acuneuro.clinical.medication import DrugChange
from acuneuro.clinical.outcomes import OutcomeSummary
from acuneuro.i18n import format_date, format_decimal
from acuneuro.i18n import gettext as _

__all__ = ["category_words", "dose_words", "number", "outcome_sentence", "percent"]


def number(x: float | None, unit: str = "") -> str:
    if x is None:
        return _("not assessed")
    return f"{format_decimal(x, 1)} {unit}".strip()


def percent(x: float | None) -> str:
    return _("not computed") if x is None else f"{format_decimal(x, 0)}%"


def category_words(o: OutcomeSummary) -> str:
    """The change category in the clinician's words from knowledge (never its code)."""
    if o.category_label is None:
        return _("not classified")
    if o.category_note is not None:
        return f"{_(o.category_label)} ({_(o.category_note)})"
    return _(o.category_label)


def outcome_sentence(o: OutcomeSummary) -> str:
    """One plain sentence for the patient about one measure."""
    label = _(o.label)
    if o.baseline.value is None:
        return _("%(label)s: we had no score from before treatment, so change cannot be shown."
                 ) % {"label": label}
    if o.latest is None:
        return _("%(label)s: %(baseline)s out of 10 before treatment; no score since treatment "
                 "started yet.") % {"label": label, "baseline": number(o.baseline.value)}
    text = _("%(label)s: %(baseline)s out of 10 before treatment, %(latest)s at your latest "
             "visit (%(on)s)") % {"label": label, "baseline": number(o.baseline.value),
                                   "latest": number(o.latest.value),
                                   "on": format_date(o.latest.on, "medium")}
    if o.percent_improvement is not None and o.percent_improvement >= 0:
        text += _(", %(percent)s better") % {"percent": percent(o.percent_improvement)}
    elif o.percent_improvement is not None:
        text += _(", %(percent)s worse") % {"percent": percent(-o.percent_improvement)}
    if o.category_label is not None and o.category_note is None:
        text += _(". By the IMMPACT yardstick this is %(category)s") % {
            "category": _(o.category_label)}
    elif o.category_label is not None and o.percent_improvement is None:
        text += f": {_(o.category_label)}"
    return text + "."


def dose_words(d: DrugChange) -> str:
    words = {
        "started": _("started"),
        "stopped": _("stopped"),
        "reduced": _("reduced"),
        "increased": _("increased"),
        "unchanged": _("unchanged"),
    }[d.direction]
    if d.percent_change is not None and d.direction in ("reduced", "increased"):
        words += f" ({format_decimal(d.percent_change, 0, signed=True)}%)"
    return words
