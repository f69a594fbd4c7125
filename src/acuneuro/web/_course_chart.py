"""Inline SVG charts of a course: scores over time with the sessions marked, and daily MME.

Drawn on the server as plain SVG (no script, no style attribute: the pages run under a strict
CSP); every text is escaped. Each attended session is a vertical line of class
``session-marker``, so a reader (or a test) can count them. The MME line is computed from
the medication statements by the clinical core (CDC 2022 factors), never typed in.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from acuneuro.clinical.medication import MedicationStatement, mme_on
from acuneuro.i18n import format_date, format_decimal
from acuneuro.i18n import gettext as _
from acuneuro.services.outcomes import OutcomesView

__all__ = ["mme_chart", "scores_chart"]

_W, _H = 640, 260
_L, _R, _T, _B = 44, 16, 16, 48
_COLOURS = ("#1f5fa8", "#b35900", "#2e7d32", "#6a1b9a", "#00838f")


def _x(day: date, first: date, last: date) -> float:
    span = max((last - first).days, 1)
    return _L + (day - first).days / span * (_W - _L - _R)


def _y(value: float, top: float) -> float:
    return _T + (1 - value / top) * (_H - _T - _B)


def _frame(title: str, top: float, first: date, last: date, unit: str) -> list[str]:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" role="img" '
             f'aria-label="{escape(title)}" class="course-chart">',
             f"<title>{escape(title)}</title>",
             f'<rect x="{_L}" y="{_T}" width="{_W - _L - _R}" height="{_H - _T - _B}" '
             'fill="none" stroke="#999"/>']
    for k in range(5):
        value = top * k / 4
        y = _y(value, top)
        parts.append(f'<line x1="{_L}" x2="{_W - _R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{_L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
                     f"{format_decimal(value, 1)}</text>")
    parts.append(f'<text x="{_L + 4}" y="{_T + 12}" font-size="11">{escape(unit)}</text>')
    for day, anchor in ((first, "start"), (last, "end")):
        parts.append(f'<text x="{_x(day, first, last):.1f}" y="{_H - _B + 16}" font-size="11" '
                     f'text-anchor="{anchor}">{escape(format_date(day, "medium"))}</text>')
    return parts


def scores_chart(view: OutcomesView) -> str:
    """Every followed score over time on 0-10, sessions as vertical lines; "" when empty."""
    days = [s.on for series in view.series for s in series.scores] + view.session_dates
    if not days:
        return ""
    first, last = min(days), max(max(days), view.as_of)
    top = 10.0
    parts = _frame(_("Scores over the course, sessions marked"), top, first, last,
                   _("score"))
    for on in view.session_dates:
        x = _x(on, first, last)
        parts.append(f'<line class="session-marker" data-on="{on.isoformat()}" x1="{x:.1f}" '
                     f'x2="{x:.1f}" y1="{_T}" y2="{_H - _B}" stroke="#bbb" '
                     'stroke-dasharray="3 3"/>')
    for n, series in enumerate(view.series):
        colour = _COLOURS[n % len(_COLOURS)]
        points = " ".join(f"{_x(s.on, first, last):.1f},{_y(s.value, top):.1f}"
                          for s in series.scores)
        parts.append(f'<polyline class="series" data-series="{escape(series.id)}" '
                     f'points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for s in series.scores:
            parts.append(f'<circle cx="{_x(s.on, first, last):.1f}" cy="{_y(s.value, top):.1f}"'
                         f' r="3" fill="{colour}"><title>'
                         + escape(_("%(label)s %(value)s on %(date)s") % {
                             "label": _(series.label), "value": format_decimal(s.value, 2),
                             "date": format_date(s.on, "medium")})
                         + "</title></circle>")
        parts.append(f'<text x="{_L + 8 + 200 * n}" y="{_H - 10}" font-size="12" '
                     f'fill="{colour}">{escape(_(series.label))}</text>')
    parts.append(f'<text x="{_W - _R}" y="{_H - 10}" font-size="11" text-anchor="end">'
                 + escape(_("dashed lines: sessions attended")) + "</text></svg>")
    return "".join(parts)


def mme_chart(statements: list[MedicationStatement], first: date, last: date) -> str:
    """Daily MME (CDC 2022) as a step line from ``first`` to ``last``; "" without an opioid."""
    if first >= last:
        return ""
    # ``stop < last`` before adding a day: a stop stored as 9999-12-31 overflowed ``date`` and
    # broke the patient page for good (issue 13).
    changes = {first, last} | {s.start for s in statements if first < s.start < last} | {
        s.stop + timedelta(days=1) for s in statements
        if s.stop is not None and first <= s.stop < last - timedelta(days=1)}
    steps = [(day, mme_on(statements, day).total) for day in sorted(changes)]
    if not any(total for _day, total in steps):
        return ""
    top = max(total for _day, total in steps) * 1.2
    parts = _frame(_("Daily morphine milligram equivalents"), top, first, last,
                   _("MME/day"))
    path: list[str] = []
    for (day, total), (following, _end) in zip(steps, [*steps[1:], (last, 0.0)], strict=True):
        y = _y(total, top)
        path.append(f"{_x(day, first, last):.1f},{y:.1f} {_x(following, first, last):.1f},{y:.1f}")
    parts.append(f'<polyline class="mme" points="{" ".join(path)}" fill="none" '
                 'stroke="#6a1b9a" stroke-width="2"/>')
    parts.append(f'<text x="{_W - _R}" y="{_H - 10}" font-size="11" text-anchor="end">'
                 + escape(_("a dose-burden figure only, never a conversion between opioids"))
                 + "</text></svg>")
    return "".join(parts)
