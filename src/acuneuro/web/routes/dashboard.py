"""The clinic dashboard page: the caller's clinic's cohort figures per condition, with charts.

The route calls one service function (``services.analytics.clinic_dashboard``: clinic scope,
small-cell suppression for researchers, audit) and draws inline SVG charts of its numbers.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from acuneuro.i18n import format_decimal
from acuneuro.i18n import gettext as _
from acuneuro.services import analytics as service
from acuneuro.services.analytics import CohortRow, Dashboard
from acuneuro.web._dashboard_chart import Bar, interval_chart
from acuneuro.web.deps import ContextDep, WebActorDep, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _figure(row: CohortRow, name: str | None) -> float | None:
    value = None if name is None else getattr(row, name)
    return None if value is None else float(value)


def _bars(board: Dashboard, value: str, low: str | None = None, high: str | None = None,
          ) -> list[Bar]:
    k = board.small_cell_threshold
    out = []
    for row in board.rows:
        missing = (_("withheld (fewer than %(k)s)") % {"k": k} if value in row.suppressed
                   else _("no data"))
        out.append(Bar(row.condition, _figure(row, value), _figure(row, low),
                       _figure(row, high), missing))
    return out


def _span(bars: list[Bar], floor: float, ceiling: float) -> tuple[float, float]:
    seen = [v for b in bars for v in (b.value, b.low, b.high) if v is not None]
    return min([floor, *seen]), max([ceiling, *seen])


def _charts(board: Dashboard) -> list[tuple[str, str]]:
    """(title, SVG) per chart: the page writes each title as a visible caption, because an
    SVG ``<title>`` shows only as a tooltip, never on a phone or on paper."""
    r30, r50 = board.responder_thresholds
    change = _bars(board, "change_mean", "change_ci_low", "change_ci_high")
    mme = _bars(board, "mme_change_mean", "mme_change_ci_low", "mme_change_ci_high")
    events = _bars(board, "adverse_events_per_1000_sessions")
    specs: list[tuple[str, list[Bar], tuple[float, float], bool]] = [
        (_("Responders (pain reduced by at least %(percent)s%%), 95%% Wilson interval")
         % {"percent": format_decimal(r30, 0)},
         _bars(board, "responder_30_rate", "responder_30_ci_low", "responder_30_ci_high"),
         (0.0, 1.0), True),
        (_("Responders (pain reduced by at least %(percent)s%%), 95%% Wilson interval")
         % {"percent": format_decimal(r50, 0)},
         _bars(board, "responder_50_rate", "responder_50_ci_low", "responder_50_ci_high"),
         (0.0, 1.0), True),
        (_("Mean NRS change (points), 95% t interval"), change, _span(change, -1.0, 1.0), False),
        (_("Adherence (attended / planned sessions)"), _bars(board, "adherence"), (0.0, 1.0), True),
        (_("Adverse events per 1,000 attended sessions"), events, _span(events, 0.0, 1.0), False),
        (_("Mean MME change (mg/day), patients on opioids at baseline, 95% t interval"), mme,
         _span(mme, -1.0, 1.0), False),
    ]
    return [(title, interval_chart(title, bars, span=span, percent=percent))
            for title, bars, span, percent in specs]


@router.get("/dashboard")
def dashboard(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """The clinic dashboard."""
    board = service.clinic_dashboard(ctx, actor)
    return render(request, "dashboard.html", {"board": board, "charts": _charts(board)},
                  ctx=ctx, actor=actor)
