"""The case form of the planning page: form fields to a case document and back.

Every safety fact starts as "not assessed" (an empty choice), never as "normal": an unset
select gives ``None`` in the case, which the safety screen reports as not assessed. Lists
(medicines, skin findings, lymphoedema, devices) are ``None`` until the clinician says they
were assessed; an assessed list may be empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from acuneuro.clinical.case import Device, Region
from acuneuro.i18n import gettext as _
from acuneuro.services.messages import sentence_of

__all__ = [
    "DEVICES",
    "DEVICE_LABELS",
    "REGIONS",
    "case_from_form",
    "error_fields",
    "form_from_case",
    "form_problems",
]

REGIONS: tuple[str, ...] = tuple(r.value for r in Region)
DEVICES: tuple[str, ...] = tuple(d.value for d in Device)
_TRI = {"yes": True, "no": False}
_FLAGS = {"bleeding_disorder": ("bleeding_disorder",),
          "fainting_with_needles": ("fainting_with_needles",),
          "protective_sensation_lost": ("findings", "protective_sensation_lost")}  # fmt: skip
_LABS = ("platelets_per_ul", "anc_per_ul", "inr")
DEVICE_LABELS = {"pacemaker": "pacemaker", "icd": "implanted defibrillator (ICD)",
                 "neurostimulator": "neurostimulator (spinal cord, deep brain, vagus)",
                 "other": "other implanted device", "cochlear_implant": "cochlear implant",
                 "drug_pump": "implanted drug pump", "insulin_pump": "insulin pump",
                 "cardiac_monitor": "implanted cardiac monitor (loop recorder)"}  # fmt: skip
# Issue 12 risk factors: yes/no facts, then site lists ("hip left" per line), then levels.
_RISK_FLAGS = ("immunosuppressed", "systemic_infection", "epilepsy", "peripheral_arterial_disease")
_RISK_SITES = ("prosthetic_joints", "tumour_sites", "node_dissection")
# Case locations to the form field that shows their error.
_FIELD_OF: dict[tuple[str, ...], str] = {
    ("patient",): "age", ("patient", "pregnant"): "pregnant", ("patient", "trimester"): "trimester",
    ("patient", "age"): "age", ("patient", "sex"): "sex",
    ("condition",): "condition_kind", ("condition", "kind"): "condition_kind",
    ("condition", "icd10"): "icd10", ("condition", "onset"): "onset",
    ("condition", "rash_onset"): "rash_onset", ("pain", "nrs"): "nrs",
    ("pain", "dermatomes"): "dermatomes", ("pain", "regions"): "regions",
    ("chemotherapy",): "chemo", ("labs", "taken"): "labs_taken",
    ("labs", "platelets_per_ul"): "labs_platelets_per_ul",
    ("labs", "anc_per_ul"): "labs_anc_per_ul",
    ("labs", "inr"): "labs_inr", ("medications",): "medications", ("devices",): "devices",
    ("skin",): "skin", ("lymphoedema",): "lymphoedema", ("assessed_on",): "assessed_on",
    ("bleeding_disorder",): "bleeding_disorder", ("findings",): "protective_sensation_lost",
    ("fainting_with_needles",): "fainting_with_needles",
    ("condition", "sci_level"): "sci_level",
    **{("risk_factors", name): name for name in (*_RISK_FLAGS, *_RISK_SITES, "heart_valve",
                                                 "spinal_hardware")},
}  # fmt: skip


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name, "") or "").strip()


def _lines(text: str) -> list[list[str]]:
    return [line.replace(",", " ").split() for line in text.splitlines() if line.strip()]


def _sites(text: str, key: str) -> list[dict[str, Any]]:
    """Lines like ``T5 left`` or ``upper arm both``: a site and its side (validated later).

    A region is typed in words ("upper arm"), as the page shows it; its code joins them.
    """
    found: list[dict[str, Any]] = []
    for words in _lines(text):
        place, side = (words[:-1], words[-1]) if len(words) > 1 else (words, "")
        site = "_".join(place).lower() if key == "region" else place[0]
        found.append({key: site, "side": side})
    return found


def _skin(text: str) -> list[dict[str, Any]]:
    """Lines like ``ulcer foot left`` or ``vesicles T5 right``."""
    found: list[dict[str, Any]] = []
    for words in _lines(text):
        padded = [*words, "", "", ""]
        site = "dermatome" if padded[1][:1].upper() in "CTLS" and padded[1][1:].isdigit() else (
            "region")
        found.append({"finding": padded[0], site: padded[1].upper() if site == "dermatome"
                      else padded[1], "side": padded[2]})  # fmt: skip
    return found


def _medicines(text: str) -> list[dict[str, Any]]:
    """Lines like ``apixaban 10 mg`` (name, then optionally the daily dose and unit)."""
    found: list[dict[str, Any]] = []
    for words in _lines(text):
        numbers = [i for i, w in enumerate(words) if w.replace(".", "", 1).isdigit()]
        if numbers:
            at = numbers[0]
            unit = " ".join(words[at + 1:]) or None
            found.append({"name": " ".join(words[:at]) or words[at], "daily_dose": words[at],
                          "unit": unit})  # fmt: skip
        else:
            found.append({"name": " ".join(words)})
    return found


def _assessed(form: Mapping[str, Any], name: str) -> bool:
    return _text(form, f"{name}_assessed") == "yes"


def _medicine_text(form: Mapping[str, Any]) -> str:
    return "\n".join(t for t in (_text(form, "medications"), _text(form, "medications_add")) if t)


def form_problems(form: Mapping[str, Any]) -> dict[str, str]:
    """Contradictions the case model cannot see, by form field (empty when there are none).

    Medicines typed while the list is marked "not assessed" would otherwise be dropped in
    silence: the clinician is asked to mark the list assessed or clear it.
    """
    if _medicine_text(form) and not _assessed(form, "medications"):
        return {"medications": _("Current medicines: medicines were entered but the list is marked "
                "not assessed; choose \"assessed\" (the list is then complete) or clear them.")}
    return {}


def case_from_form(form: Mapping[str, Any], checked: Mapping[str, list[str]]) -> dict[str, Any]:
    """The case document the form describes; ``checked`` holds the multi-valued fields."""
    patient: dict[str, Any] = {}
    if _text(form, "age"):
        patient["age"] = _text(form, "age")
    if _text(form, "sex"):
        patient["sex"] = _text(form, "sex")
    if _text(form, "pregnant") in _TRI:
        patient["pregnant"] = _TRI[_text(form, "pregnant")]
    if _text(form, "trimester"):
        patient["trimester"] = _text(form, "trimester")
    condition = {k: _text(form, f) for k, f in (("kind", "condition_kind"), ("icd10", "icd10"),
                                                 ("onset", "onset"), ("rash_onset", "rash_onset"))
                 if _text(form, f)}  # fmt: skip
    pain: dict[str, Any] = {
        "regions": [{"region": r, "side": _text(form, f"region_{r}")} for r in REGIONS
                    if _text(form, f"region_{r}")],
        "dermatomes": _sites(_text(form, "dermatomes"), "dermatome"),
    }  # fmt: skip
    if _text(form, "nrs"):
        pain["nrs"] = _text(form, "nrs")
    case: dict[str, Any] = {"pain": pain, "findings": {}}
    if patient:
        case["patient"] = patient
    if condition:
        case["condition"] = condition
    if _text(form, "assessed_on"):
        case["assessed_on"] = _text(form, "assessed_on")
    chemo = _text(form, "chemo")
    if chemo in ("active", "finished"):
        agents = [a.strip().lower() for a in _text(form, "chemo_agents").split(",") if a.strip()]
        case["chemotherapy"] = {"agents": agents, "active": chemo == "active",
                                "last_dose": _text(form, "chemo_last_dose") or None}
    labs = {k: _text(form, f"labs_{k}") for k in ("taken", *_LABS) if _text(form, f"labs_{k}")}
    if labs:
        case["labs"] = labs
    for name, path in _FLAGS.items():
        if _text(form, name) in _TRI:
            target = case["findings"] if len(path) == 2 else case
            target[path[-1]] = _TRI[_text(form, name)]
    if _assessed(form, "medications"):
        # The typeahead field (medications_add) adds one more line to the list.
        case["medications"] = _medicines(_medicine_text(form))
    if _assessed(form, "devices"):
        case["devices"] = list(checked.get("devices", []))
    if _assessed(form, "skin"):
        case["skin"] = _skin(_text(form, "skin"))
    if _assessed(form, "lymphoedema"):
        case["lymphoedema"] = _sites(_text(form, "lymphoedema"), "region")
    case["requested"] = {"electroacupuncture": _text(form, "electroacupuncture") == "yes"}
    if _text(form, "sci_level"):
        case.setdefault("condition", {})["sci_level"] = _text(form, "sci_level").upper()
    risk = _risk_factors(form)
    if risk:
        case["risk_factors"] = risk
    return case


def _risk_factors(form: Mapping[str, Any]) -> dict[str, Any]:
    risk: dict[str, Any] = {n: _TRI[_text(form, n)] for n in _RISK_FLAGS if _text(form, n) in _TRI}
    if _text(form, "heart_valve"):
        risk["heart_valve"] = _text(form, "heart_valve")
    for name in _RISK_SITES:
        if _assessed(form, name):
            risk[name] = _sites(_text(form, name), "region")
    if _assessed(form, "spinal_hardware"):
        risk["spinal_hardware"] = [w.upper() for words in _lines(_text(form, "spinal_hardware"))
                                   for w in words]  # fmt: skip
    return risk


def _tri(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def form_from_case(case: Mapping[str, Any]) -> dict[str, Any]:
    """Form values that show ``case`` (a case document, possibly partial) again."""
    patient = case.get("patient") or {}
    condition = case.get("condition") or {}
    pain = case.get("pain") or {}
    values: dict[str, Any] = {
        "age": patient.get("age", ""), "sex": patient.get("sex", ""),
        "pregnant": _tri(patient.get("pregnant")), "trimester": patient.get("trimester") or "",
        "condition_kind": condition.get("kind", ""), "icd10": condition.get("icd10") or "",
        "onset": condition.get("onset") or "", "rash_onset": condition.get("rash_onset") or "",
        "nrs": "" if pain.get("nrs") is None else pain["nrs"],
        "dermatomes": "\n".join(f"{d['dermatome']} {d['side']}"
                                for d in pain.get("dermatomes", [])),
        "assessed_on": case.get("assessed_on") or "",
        "electroacupuncture": "yes" if (case.get("requested") or {}).get("electroacupuncture")
        else "",
    }  # fmt: skip
    for site in pain.get("regions", []):
        values[f"region_{site['region']}"] = site["side"]
    chemo = case.get("chemotherapy")
    if chemo is not None:
        values["chemo"] = "active" if chemo.get("active") else "finished"
        values["chemo_agents"] = ", ".join(chemo.get("agents", []))
        values["chemo_last_dose"] = chemo.get("last_dose") or ""
    for key, value in (case.get("labs") or {}).items():
        values[f"labs_{key}"] = "" if value is None else value
    for name, path in _FLAGS.items():
        holder = (case.get("findings") or {}) if len(path) == 2 else case
        values[name] = _tri(holder.get(path[-1]))
    lists: dict[str, Callable[[list[dict[str, Any]]], str | list[Any]]] = {
        "medications": lambda items: "\n".join(
            " ".join(str(m[k]) for k in ("name", "daily_dose", "unit") if m.get(k) is not None)
            for m in items),
        "skin": lambda items: "\n".join(
            f"{s['finding']} {s.get('region') or s.get('dermatome')} {s['side']}" for s in items),
        "lymphoedema": lambda items: "\n".join(f"{s['region']} {s['side']}" for s in items),
        "devices": lambda items: list(items),
    }  # fmt: skip
    for name, show in lists.items():
        items = case.get(name)
        values[f"{name}_assessed"] = "" if items is None else "yes"
        values[name] = show(items or [])
    values["sci_level"] = condition.get("sci_level") or ""
    risk = case.get("risk_factors") or {}
    values.update({name: _tri(risk.get(name)) for name in _RISK_FLAGS})
    values["heart_valve"] = risk.get("heart_valve") or ""
    for name in (*_RISK_SITES, "spinal_hardware"):
        items = risk.get(name)
        values[f"{name}_assessed"] = "" if items is None else "yes"
        values[name] = "\n".join(item if isinstance(item, str) else
                                 f"{item['region']} {item['side']}" for item in items or [])
    return values


def error_fields(errors: list[Any]) -> dict[str, str]:
    """Pydantic errors of a case, by the form field that shows them."""
    found: dict[str, str] = {}
    for error in errors:
        loc = tuple(error["loc"])
        named = [p for p in loc if isinstance(p, str)]
        field = _FIELD_OF.get(tuple(named[:2])) or _FIELD_OF.get(tuple(named[:1])) or "case"
        line = next((p for p in loc if isinstance(p, int)), None)
        where = _("Line %(n)d: ") % {"n": line + 1} if line is not None else ""
        found.setdefault(field, where + sentence_of(error).sentence)
    return found
