"""Course charts as PNG bytes: scores against sessions, and medication with MME over time.

Matplotlib's object API with the Agg canvas is used (no pyplot), so charts are drawn without
global state or a display and two reports can be drawn at once.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from acuneuro.clinical.medication import MedicationStatement, daily_doses, mme_on
from acuneuro.clinical.outcomes import OutcomeSummary, Score
from acuneuro.clinical.stricta import SessionRecord
from acuneuro.i18n import format_date, format_decimal
from acuneuro.i18n import gettext as _
from acuneuro.knowledge.course import outcome_knowledge

__all__ = ["medication_chart", "scores_chart"]

_DPI = 150
# A chart covers at most ten years before the report: a medicine recorded as started in 1900
# (or year 1) once meant a point per day for a century. Design choice (issue 13).
_MAX_DAYS = 3653


# matplotlib.dates ships without annotations for these helpers, hence the ignores.
def _num(day: date) -> float:
    return float(date2num(day))  # type: ignore[no-untyped-call]


def _x(days: list[date]) -> list[float]:
    return [_num(d) for d in days]


def _date_axis(ax: Axes) -> None:
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    # Day and month in the report's language ("5 dic"), not matplotlib's C-locale month names.
    ax.xaxis.set_major_formatter(FuncFormatter(_tick_date))


def _tick_date(value: float, _position: int | None = None) -> str:
    day: date = num2date(value).date()  # type: ignore[no-untyped-call]
    return format_date(day, "d MMM yy")


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight")
    return buf.getvalue()


def scores_chart(
    scores: list[Score],
    sessions: list[SessionRecord],
    outcomes: list[OutcomeSummary],
    labels: dict[str, str] | None = None,
) -> bytes:
    """Scores over time with attended sessions marked, the pain baseline and responder lines."""
    fig = Figure(figsize=(7.0, 3.4))
    ax = fig.add_subplot(1, 1, 1)
    for instrument in dict.fromkeys(s.instrument for s in scores):
        series = sorted((s for s in scores if s.instrument == instrument), key=lambda s: s.on)
        name = (labels or {}).get(instrument, instrument)
        ax.plot(_x([s.on for s in series]), [s.value for s in series], marker="o", ms=3, label=name)
    attended = [s.on for s in sessions if s.attendance == "attended"]
    for i, day in enumerate(attended):
        ax.axvline(
            _num(day),
            color="0.85",
            lw=0.8,
            zorder=0,
            label=_("session") if i == 0 else None,
        )
    for o in outcomes:
        if o.instrument == "nrs" and o.baseline.value is not None:
            b = o.baseline.value
            ax.axhline(b, color="0.3", ls="--", lw=0.8,
                       label=_("pain baseline %(value)s") % {"value": format_decimal(b, 1)})
            for r, style in zip(
                outcome_knowledge().immpact_pain.responders, (":", "-."), strict=False
            ):
                level = b * (1 - r.min_percent / 100)
                ax.axhline(
                    level,
                    color="tab:green",
                    ls=style,
                    lw=0.8,
                    label=_("%(percent)s%% less pain")
                    % {"percent": format_decimal(r.min_percent, 0)},
                )
    ax.set_ylim(0, 10.5)
    ax.set_ylabel(_("score (0-10)"))
    ax.grid(axis="y", color="0.92")
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=7, loc="upper right", ncols=2)
    _date_axis(ax)
    return _png(fig)


def medication_chart(statements: list[MedicationStatement], start: date, end: date) -> bytes:
    """Daily dose per drug (top) and total daily MME, CDC 2022 (bottom), from start to end.

    At most the last ``_MAX_DAYS`` days before ``end`` are drawn.
    """
    start = max(start, end - timedelta(days=_MAX_DAYS))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    fig = Figure(figsize=(7.0, 4.0))
    top = fig.add_subplot(2, 1, 1)
    bottom = fig.add_subplot(2, 1, 2, sharex=top)
    keys = sorted({(s.drug, s.unit) for s in statements})
    for key in keys:
        doses = [daily_doses(statements, d).get(key, 0.0) for d in days]
        top.step(_x(days), doses, where="post",
                 label=_("%(drug)s (%(unit)s/day)") % {"drug": key[0], "unit": key[1]})
    top.set_ylabel(_("daily dose"))
    top.grid(axis="y", color="0.92")
    if keys:
        top.legend(fontsize=7, loc="upper right")
    mme = [mme_on(statements, d).total for d in days]
    bottom.step(_x(days), mme, where="post", color="tab:red")
    bottom.set_ylabel(_("MME/day"))
    bottom.set_ylim(bottom=0)
    bottom.grid(axis="y", color="0.92")
    _date_axis(bottom)
    return _png(fig)
