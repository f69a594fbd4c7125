"""The "Record session" form: plan points pre-filled, STRICTA fields, the day's facts, ticks.

Turns the posted form into the service's ``SessionIn`` document and the day's case facts. The
day's facts update what is known field by field (``clinical.day_facts``); a list such as the
skin findings is today's whole finding, so a new skin lesion is ADDED to the lesions already
known, never put in their place. A field the service refuses gets a sentence under it
(``field_errors``), with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from acuneuro.clinical.safety_model import PlanPoint
from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.services.messages import sentence_of

__all__ = ["day_facts", "default_values", "field_errors", "plan_point_keys", "session_document"]

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


_YES_NO = {"yes": True, "no": False}


def day_facts(form: FormData, known: Mapping[str, Any]) -> dict[str, Any]:
    """Today's facts from the form; ``known`` is the last known value of each fact by path."""
    day: dict[str, Any] = {}
    labs = {k: _number(form, f"day_{k}") for k in ("platelets_per_ul", "anc_per_ul", "inr")}
    if any(v is not None for v in labs.values()):
        day["labs"] = {"taken": _text(form, "day_labs_taken") or _text(form, "on"),
                       **{k: v for k, v in labs.items() if v is not None}}
    region = _text(form, "day_skin_region")
    inspected = _text(form, "day_skin_inspected")
    if region is not None:
        lesion = {"finding": _text(form, "day_skin_finding") or "ulcer", "region": region,
                  "side": _text(form, "day_skin_side") or "both"}
        day["skin"] = [*(known.get("skin") or []), lesion]
    elif inspected is not None:
        # Inspected today with no new lesion: the known lesions stay, dated today.
        day["skin"] = list(known.get("skin") or []) if inspected == "yes" else inspected
    for name, part in (("day_medications_reviewed", "medications"),
                       ("day_chemotherapy_reviewed", "chemotherapy")):
        # Reviewed today and unchanged: the last known value, dated today. Nothing known is
        # not "none": it stays not assessed until entered.
        if _text(form, name) == "yes":
            whole = known.get(part)
            fields = {k.split(".", 1)[1]: v for k, v in known.items() if k.startswith(part + ".")}
            if whole is not None or fields:
                day[part] = whole if whole is not None else fields
    pregnant = _text(form, "day_pregnant")
    if pregnant is not None:
        day["patient"] = {"pregnant": _YES_NO.get(pregnant, pregnant)}
    if form.get("day_fainting") == "yes":
        day["fainting_with_needles"] = True
    return day


# The form field of each place the service names, and how a sentence names it.
_FIELDS: dict[tuple[str, ...], tuple[str, str]] = {
    ("day", "labs", "taken"): ("day_labs_taken", N_("The date the blood was taken")),
    ("day", "labs", "platelets_per_ul"): ("day_platelets_per_ul", N_("The platelet count")),
    ("day", "labs", "anc_per_ul"): ("day_anc_per_ul", N_("The neutrophil count")),
    ("day", "labs", "inr"): ("day_inr", N_("The INR")),
    ("day", "skin", "region"): ("day_skin_region", N_("The region of the new skin lesion")),
    ("day", "skin", "side"): ("day_skin_side", N_("The side of the new skin lesion")),
    ("day", "skin", "finding"): ("day_skin_finding", N_("The new skin finding")),
    ("day", "skin"): ("day_skin_inspected", N_("The skin inspection")),
    ("day", "patient", "pregnant"): ("day_pregnant", N_("The pregnancy answer")),
    ("day", "patient", "trimester"): ("day_pregnant", N_("The pregnancy answer")),
    ("on",): ("on", N_("The session date")),
    ("number",): ("number", N_("The planned session number")),
    ("attendance",): ("attendance", N_("The attendance")),
    ("session_minutes",): ("session_minutes", N_("The session length")),
}

def field_errors(exc: ValidationError) -> tuple[dict[str, str], list[str]]:
    """A sentence for each form field the error names, and sentences for the rest."""
    fields: dict[str, str] = {}
    other: list[str] = []
    for e in exc.errors(include_url=False):
        loc = tuple(str(p) for p in e["loc"] if not isinstance(p, int))
        field, subject = _FIELDS.get(loc, ("", ""))
        subject = _(subject) if subject else ""
        if e["type"] == "list_type" and loc[-1:] == ("skin",):
            sentence = _("%(subject)s must be yes, or a lesion entered below.") % {
                "subject": subject}
        else:
            sentence = sentence_of(e, {loc[-1]: subject} if subject else None).sentence
        if field:
            fields.setdefault(field, sentence)
        else:
            other.append(sentence)
    return fields, other


def session_document(form: FormData, day: dict[str, Any]) -> dict[str, Any]:
    """The ``SessionIn`` document the service validates (it names any bad field)."""
    attendance = _text(form, "attendance") or "attended"
    doc: dict[str, Any] = {"on": _text(form, "on"), "attendance": attendance, "day": day,
                           "acknowledged": [str(v) for v in form.getlist("ack")]}
    number = _text(form, "number")
    if number is not None:
        doc["number"] = number
    if form.get("confirm") == "yes":  # the box shown with a session-beyond-course warning
        doc["confirm"] = True
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
