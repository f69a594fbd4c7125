"""Course charts drawn as vector graphics inside the PDF: scores over sessions, medication and MME.

The charts are reportlab ``Drawing`` objects, so they are vectors in the PDF (sharp when printed)
and cost a few milliseconds; the matplotlib PNGs they replace took 0.3-0.6 s per report, most of
the report's time (issue 18). Medication doses change only where a statement starts or stops, so
the step lines are evaluated at those dates, not on every day of the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from acuneuro import i18n
from acuneuro.clinical.medication import MedicationStatement, daily_doses, mme_on
from acuneuro.clinical.outcomes import OutcomeSummary, Score
from acuneuro.clinical.stricta import SessionRecord
from acuneuro.i18n import gettext as _
from acuneuro.knowledge.course import outcome_knowledge

__all__ = ["medication_chart", "scores_chart"]

WIDTH = 174 * mm  # the text width of an A4 page with 18 mm margins
# A chart covers at most ten years before the report: a medicine recorded as started in 1900
# (or year 1) once meant a point per day for a century. Design choice (issue 13).
_MAX_DAYS = 3653
# matplotlib's "tab10" colours, so the charts look as they did.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
_GRID = colors.Color(0.92, 0.92, 0.92)
_FONT = "Helvetica"


@dataclass(frozen=True)
class _Frame:
    """A plot area in a drawing and the data ranges it shows."""

    x0: float
    y0: float
    width: float
    height: float
    first: date
    last: date
    top: float  # the largest value on the y axis (the bottom is 0)

    def x(self, day: date) -> float:
        span = max((self.last - self.first).days, 1)
        return self.x0 + self.width * (day - self.first).days / span

    def y(self, value: float) -> float:
        return self.y0 + self.height * min(max(value, 0.0), self.top) / self.top


def _axes(d: Drawing, f: _Frame, label: str, ticks: Sequence[float], dates: bool) -> None:
    """Grid lines, the value ticks, the axis label and (when ``dates``) the date ticks."""
    for value in ticks:
        y = f.y(value)
        d.add(Line(f.x0, y, f.x0 + f.width, y, strokeColor=_GRID, strokeWidth=0.5))
        d.add(String(f.x0 - 3, y - 2.5, i18n.format_decimal(value, 1), fontName=_FONT,
                     fontSize=7, textAnchor="end"))
    d.add(Line(f.x0, f.y0, f.x0 + f.width, f.y0, strokeWidth=0.6))
    d.add(Line(f.x0, f.y0, f.x0, f.y0 + f.height, strokeWidth=0.6))
    d.add(String(f.x0 - 24, f.y0 + f.height + 5, label, fontName=_FONT, fontSize=7.5))
    if not dates:
        return
    span = (f.last - f.first).days
    count = min(6, span) if span > 0 else 1
    for i in range(count + 1):
        day = f.first + timedelta(days=round(span * i / max(count, 1)))
        x = f.x(day)
        d.add(Line(x, f.y0, x, f.y0 - 2, strokeWidth=0.5))
        d.add(String(x, f.y0 - 10, i18n.format_date(day, "d MMM yy"), fontName=_FONT,
                     fontSize=7, textAnchor="middle"))


def _ticks(top: float) -> list[float]:
    """About five round values from 0 to ``top``."""
    raw = top / 5
    step = next(s for s in (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 1e4,
                            1e5, 1e6, 1e9) if s >= raw)
    return [i * step for i in range(int(top / step) + 1)]


def _legend(d: Drawing, entries: list[tuple[str, colors.Color, list[float] | None]],
            y: float) -> None:
    """One row of line samples with their labels, wrapped to the drawing's width."""
    x = 30.0
    for text, colour, dash in entries:
        width = 22 + 3.6 * len(text)
        if x + width > WIDTH:
            x, y = 30.0, y - 10
        d.add(Line(x, y + 2.5, x + 14, y + 2.5, strokeColor=colour, strokeWidth=1.2,
                   strokeDashArray=dash))
        d.add(String(x + 17, y, text, fontName=_FONT, fontSize=7))
        x += width


def _steps(f: _Frame, changes: list[tuple[date, float]], end: date) -> list[float]:
    """Points of a step line that holds each value until the next change."""
    points: list[float] = []
    for i, (day, value) in enumerate(changes):
        nxt = changes[i + 1][0] if i + 1 < len(changes) else end
        points += [f.x(day), f.y(value), f.x(nxt), f.y(value)]
    return points


def scores_chart(
    scores: list[Score],
    sessions: list[SessionRecord],
    outcomes: list[OutcomeSummary],
    labels: dict[str, str] | None = None,
) -> Drawing:
    """Scores over time with attended sessions marked, the pain baseline and responder lines."""
    d = Drawing(WIDTH, 78 * mm)
    attended = [s.on for s in sessions if s.attendance == "attended"]
    days = [s.on for s in scores] + attended
    first, last = (min(days), max(days)) if days else (date.today(), date.today())
    f = _Frame(30, 42, WIDTH - 40, 78 * mm - 62, first, last, 10.5)
    _axes(d, f, _("score (0-10)"), range(0, 11, 2), dates=True)
    legend: list[tuple[str, colors.Color, list[float] | None]] = []
    for day in attended:
        d.add(Line(f.x(day), f.y0, f.x(day), f.y0 + f.height, strokeColor=colors.Color(
            0.85, 0.85, 0.85), strokeWidth=0.8))
    if attended:
        legend.append((_("session"), colors.Color(0.85, 0.85, 0.85), None))
    for n, instrument in enumerate(dict.fromkeys(s.instrument for s in scores)):
        colour = colors.HexColor(PALETTE[n % len(PALETTE)])
        series = sorted((s for s in scores if s.instrument == instrument), key=lambda s: s.on)
        points = [c for s in series for c in (f.x(s.on), f.y(s.value))]
        if len(series) > 1:
            d.add(PolyLine(points, strokeColor=colour, strokeWidth=1.2))
        for s in series:
            d.add(Circle(f.x(s.on), f.y(s.value), 1.6, fillColor=colour, strokeColor=colour))
        legend.append(((labels or {}).get(instrument, instrument), colour, None))
    green = colors.HexColor(PALETTE[2])
    for o in outcomes:
        if o.instrument != "nrs" or o.baseline.value is None:
            continue
        b = o.baseline.value
        d.add(Line(f.x0, f.y(b), f.x0 + f.width, f.y(b), strokeColor=colors.Color(0.3, 0.3, 0.3),
                   strokeWidth=0.8, strokeDashArray=[4.0, 2.0]))
        legend.append((_("pain baseline %(value)s") % {"value": i18n.format_decimal(b, 1)},
                       colors.Color(0.3, 0.3, 0.3), [4.0, 2.0]))
        dashes = ([1.0, 2.0], [5.0, 2.0, 1.0, 2.0])
        for r, dash in zip(outcome_knowledge().immpact_pain.responders, dashes, strict=False):
            level = b * (1 - r.min_percent / 100)
            d.add(Line(f.x0, f.y(level), f.x0 + f.width, f.y(level), strokeColor=green,
                       strokeWidth=0.8, strokeDashArray=dash))
            legend.append((_("%(percent)s%% less pain") % {"percent": f"{r.min_percent:g}"}, green,
                           dash))
    _legend(d, legend, 12)
    return d


def _changes(statements: list[MedicationStatement], start: date, end: date) -> list[date]:
    """The days on which some dose changes (a statement starts or ends), within the period."""
    days = {start}
    for s in statements:
        days.add(s.start)
        if s.stop is not None and s.stop < end:  # (a stop on date.max has no next day)
            days.add(s.stop + timedelta(days=1))
    return sorted(d for d in days if start <= d <= end)


def medication_chart(statements: list[MedicationStatement], start: date, end: date) -> Drawing:
    """Daily dose per drug (top) and total daily MME, CDC 2022 (bottom), from start to end.

    At most the last ``_MAX_DAYS`` days before ``end`` are drawn.
    """
    start = max(start, end - timedelta(days=min(_MAX_DAYS, (end - date.min).days)))
    d = Drawing(WIDTH, 92 * mm)
    changes = _changes(statements, start, end)
    keys = sorted({(s.drug, s.unit) for s in statements})
    doses = {day: daily_doses(statements, day) for day in changes}
    top_max = max([v for per_day in doses.values() for v in per_day.values()] or [1.0]) * 1.1
    top = _Frame(30, 150, WIDTH - 40, 92 * mm - 175, start, end, top_max)
    _axes(d, top, _("daily dose"), _ticks(top_max), dates=False)
    legend: list[tuple[str, colors.Color, list[float] | None]] = []
    for n, key in enumerate(keys):
        colour = colors.HexColor(PALETTE[n % len(PALETTE)])
        series = [(day, doses[day].get(key, 0.0)) for day in changes]
        d.add(PolyLine(_steps(top, series, end), strokeColor=colour, strokeWidth=1.2))
        name = _("%(drug)s (%(unit)s/day)") % {"drug": key[0], "unit": key[1]}
        legend.append((name, colour, None))
    mme = [(day, mme_on(statements, day).total) for day in changes]
    mme_max = max([v for _day, v in mme] or [0.0]) * 1.1 or 1.0
    bottom = _Frame(30, 42, WIDTH - 40, 80, start, end, mme_max)
    _axes(d, bottom, _("MME/day"), _ticks(mme_max), dates=True)
    d.add(PolyLine(_steps(bottom, mme, end), strokeColor=colors.HexColor(PALETTE[3]),
                   strokeWidth=1.2))
    _legend(d, legend, 12)
    return d
