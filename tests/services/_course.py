"""Builders shared by the course service tests: a patient with an accepted plan, a session."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from acuneuro.services import Context
from acuneuro.services import planning as planning_service

from .test_planning import assessed_case, new_patient

# Far enough back that a course of scores fits before today (no score is taken in the future).
START = date.today() - timedelta(days=50)
PLAN_POINTS = [("EX-LE10", "both"), ("LR3", "both"), ("GB42", "both"), ("ST36", "both"),
               ("SP6", "both"), ("LI4", "both"), ("PC6", "both"), ("EX-HN3", "midline")]


def accepted_patient(ctx: Context, actor: Any, start: date = START, *,
                     platelets_per_ul: float = 162000) -> str:
    """A CIPN patient whose plan (twice weekly for 8 weeks) was accepted from ``start``."""
    pid = new_patient(ctx, actor)
    # The case is assessed, and its blood count taken, on the day the course starts: a fixed
    # date would put the plan's facts past their windows as the calendar moves on.
    case = assessed_case(assessed_on=start.isoformat(),
                         labs={"taken": start.isoformat(), "platelets_per_ul": platelets_per_ul,
                               "anc_per_ul": 2400})
    plan = planning_service.propose_plan(ctx, actor, pid, case, today=start)
    planning_service.accept_plan(ctx, actor, pid, plan.id, start)
    return pid


def point(code: str, side: str = "both") -> dict[str, Any]:
    return {"code": code, "side": side, "needle": {"diameter_mm": 0.25, "length_mm": 40},
            "depth_mm": 10, "response_sought": "de_qi", "stimulation": {"kind": "manual"},
            "retention_min": 30}


def session(on: date = START, points: list[tuple[str, str]] | None = None,
            **extra: Any) -> dict[str, Any]:
    """An attended session needling the plan's points (or ``points``)."""
    chosen = PLAN_POINTS if points is None else points
    body: dict[str, Any] = {
        "on": on.isoformat(), "attendance": "attended",
        "points": [point(c, s) for c, s in chosen],
        "practitioner": {"name": "A. Clinician", "qualification": "MD, BMAS",
                         "years_in_practice": 9},
        "style": "Western medical", "session_minutes": 40,
    }
    body.update(extra)
    return body


def day(n: int) -> date:
    return START + timedelta(days=n)
