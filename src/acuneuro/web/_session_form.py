"""The "Record session" form: plan points pre-filled, STRICTA fields, the day's facts, ticks.

Turns the posted form into the service's ``SessionIn`` document and the day's case facts. The
day's facts replace parts of the plan's stored case (``services.sessions``), so a new skin
lesion is ADDED to the lesions the case already lists, never put in their place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from acuneuro.clinical.safety_model import PlanPoint

__all__ = ["day_facts", "default_values", "plan_point_keys", "session_document"]

NEEDLE_DEFAULTS = {"diameter_mm": "0.25", "length_mm": "40", "depth_mm": "10",
                   "retention_min": "25", "response_sought": "de_qi", "stimulation": "manual"}


def plan_point_keys(points: list[PlanPoint]) -> list[str]:
    """``CODE|side`` of each planned point, once (a Jiaji point at several levels is one)."""
    return list(dict.fromkeys(f"{p.code}|{p.side}" for p in points))


def default_values(points: list[PlanPoint], number: int | None, today: date,
                   practitioner: str) -> dict[str, Any]:
    """The form as first shown: every planned point ticked, the next session, today."""
    return {"on": today.isoformat(), "number": str(number or ""), "attendance": "attended",
            "points": plan_point_keys(points), "practitioner_name": practitioner,
            **NEEDLE_DEFAULTS}


def _text(form: Mapping[str, Any], name: str) -> str | None:
    value = str(form.get(name, "") or "").strip()
    return value or None


def _number(form: Mapping[str, Any], name: str) -> str | float | None:
    text = _text(form, name)
    if text is None:
        return None
    if not text.isascii():
        return text  # float() reads "\u0663" as 3: Unicode digits are refused by the model
    try:
        return float(text)
    except ValueError:
        return text  # the model names the field it cannot read


def day_facts(form: FormData, case: Mapping[str, Any]) -> dict[str, Any]:
    """Today's facts from the form, as replacements of parts of the plan's case."""
    day: dict[str, Any] = {}
    labs = {k: _number(form, f"day_{k}") for k in ("platelets_per_ul", "anc_per_ul", "inr")}
    if any(v is not None for v in labs.values()):
        day["labs"] = {"taken": _text(form, "day_labs_taken") or _text(form, "on"),
                       **{k: v for k, v in labs.items() if v is not None}}
    region = _text(form, "day_skin_region")
    if region is not None:
        lesion = {"finding": _text(form, "day_skin_finding") or "ulcer", "region": region,
                  "side": _text(form, "day_skin_side") or "both"}
        day["skin"] = [*(case.get("skin") or []), lesion]
    if form.get("day_fainting") == "yes":
        day["fainting_with_needles"] = True
    return day


def session_document(form: FormData, day: dict[str, Any]) -> dict[str, Any]:
    """The ``SessionIn`` document the service validates (it names any bad field)."""
    attendance = _text(form, "attendance") or "attended"
    doc: dict[str, Any] = {"on": _text(form, "on"), "attendance": attendance, "day": day,
                           "acknowledged": [str(v) for v in form.getlist("ack")]}
    number = _text(form, "number")
    if number is not None:
        doc["number"] = number
    if attendance != "attended":
        doc["reason_not_attended"] = _text(form, "reason_not_attended")
        return doc
    stimulation: dict[str, Any] = {"kind": _text(form, "stimulation") or "manual"}
    if stimulation["kind"] == "electrical":
        stimulation |= {"frequency_hz": _number(form, "frequency_hz"),
                        "intensity": _text(form, "intensity")}
    points = []
    for key in form.getlist("points"):
        code, _, side = str(key).partition("|")
        points.append({"code": code, "side": side or "both",
                       "needle": {"diameter_mm": _number(form, "diameter_mm"),
                                  "length_mm": _number(form, "length_mm")},
                       "depth_mm": _number(form, "depth_mm"),
                       "response_sought": _text(form, "response_sought") or "de_qi",
                       "stimulation": stimulation,
                       "retention_min": _number(form, "retention_min")})
    doc |= {"points": points,
            "practitioner": {"name": _text(form, "practitioner_name"),
                             "qualification": _text(form, "practitioner_qualification")},
            "style": _text(form, "style"), "session_minutes": _number(form, "session_minutes"),
            "deviation": _text(form, "deviation")}
    return {k: v for k, v in doc.items() if v is not None}
