"""FHIR R4 Procedure, MedicationStatement and AdverseEvent of a treatment course, and back.

Each builder takes the resource's logical id (``interop.fhir_ids``) and its ``meta``, so the same
row has the same id in every Bundle and at its REST URL. Standard elements carry what FHIR has
words for: the session's needled points as ``bodySite``, its practitioner as ``performer``, its
deviation as ``note``; medicines with their WHO ATC code and UCUM dose units; the HL7 adverse-event
outcome and severity, and ``suspectEntity`` referencing the session's Procedure. The complete
STRICTA record is the complex extension ``stricta-session`` (one sub-extension per STRICTA field,
declared in a shipped StructureDefinition), which is also what the parser reads back, so nothing
STRICTA asks for is lost. Every resource is validated with the R4B classes of ``fhir.resources``.

References
----------
MacPherson H, et al. STRICTA revised. PLoS Med 2010;7(6):e1000261. HL7 FHIR R4 (4.0.1):
Procedure, MedicationStatement, AdverseEvent, Extension (complex extensions).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from datetime import date
from typing import Any

from fhir.resources.R4B.adverseevent import AdverseEvent as FhirAdverseEvent
from fhir.resources.R4B.medicationstatement import MedicationStatement as FhirMedicationStatement
from fhir.resources.R4B.procedure import Procedure
from pydantic import BaseModel

from acuneuro.clinical.adverse_events import AdverseEvent
from acuneuro.clinical.medication import MedicationStatement
from acuneuro.clinical.stricta import SessionRecord
from acuneuro.i18n import gettext as _
from acuneuro.interop._fhir_ext import from_extension, to_extension
from acuneuro.interop.fhir_ids import BASE
from acuneuro.knowledge import drug_names, fhir_codes
from acuneuro.knowledge.course import adverse_event_knowledge

__all__ = [
    "EXT_AE_ACTION",
    "EXT_CTCAE",
    "EXT_SESSION",
    "EXT_STRICTA",
    "adverse_event_resource",
    "medication_statement_resource",
    "parse_adverse_event",
    "parse_medication",
    "parse_session",
    "procedure_resource",
]

ACUPOINT_CS = f"{BASE}/CodeSystem/acupoint"
PROCEDURE_CS = f"{BASE}/CodeSystem/procedure"
ATTENDANCE_CS = f"{BASE}/CodeSystem/attendance"
AE_TYPE_CS = f"{BASE}/CodeSystem/adverse-event-type"
RELATEDNESS_CS = f"{BASE}/CodeSystem/attribution"
DRUG_CS = f"{BASE}/CodeSystem/drug-inn"
AE_OUTCOME_CS = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
AE_SEVERITY_CS = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
EXT_STRICTA = f"{BASE}/StructureDefinition/stricta-session"
EXT_CTCAE = f"{BASE}/StructureDefinition/ctcae-v5-grade"
EXT_AE_ACTION = f"{BASE}/StructureDefinition/adverse-event-action"
EXT_SESSION = f"{BASE}/StructureDefinition/session-number"
# HL7 severity has three levels; the CTCAE grade in the extension is the authoritative value.
_SEVERITY = {1: "mild", 2: "moderate", 3: "severe", 4: "severe", 5: "severe"}


def _list_fields(model: type[BaseModel]) -> frozenset[str]:
    """Names of the list fields of ``model`` and of the records nested in it."""
    found: set[str] = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is list:
            found.add(name)
        for arg in (annotation, *args, *(a for x in args for a in typing.get_args(x))):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                found |= _list_fields(arg)
            elif isinstance(arg, types.UnionType):
                for inner in typing.get_args(arg):
                    if isinstance(inner, type) and issubclass(inner, BaseModel):
                        found |= _list_fields(inner)
    return frozenset(found)


_SESSION_LISTS = _list_fields(SessionRecord)


def _valid(model: Any, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` once the R4B class accepts it (returned as built: re-dumping costs the most)."""
    model.model_validate(raw)
    return raw


def _head(kind: str, resource_id: str, meta: Mapping[str, Any] | None) -> dict[str, Any]:
    head: dict[str, Any] = {"resourceType": kind, "id": resource_id}
    if meta:
        head["meta"] = dict(meta)
    return head


def procedure_resource(session: SessionRecord, patient_ref: str, resource_id: str, *,
                       meta: Mapping[str, Any] | None = None,
                       entered_in_error: bool = False) -> dict[str, Any]:
    """A Procedure for one session; ``not-done`` when it did not take place."""
    done = session.attendance == "attended"
    concept = fhir_codes().acupuncture_procedure
    coding: list[dict[str, Any]] = [{"system": PROCEDURE_CS, "code": "acupuncture-session",
               "display": "Acupuncture session"}]
    if concept.snomed:
        coding.insert(0, {"system": fhir_codes().systems["snomed"], "code": concept.snomed,
                          "display": concept.display})
    status = "completed" if done else "not-done"
    raw: dict[str, Any] = {
        **_head("Procedure", resource_id, meta),
        "extension": [
            {"url": EXT_SESSION, "valueInteger": session.session_number},
            to_extension(EXT_STRICTA, session.model_dump(mode="json"), _SESSION_LISTS),
        ],
        "status": "entered-in-error" if entered_in_error else status,
        "code": {"coding": coding, "text": "Acupuncture session"},
        "subject": {"reference": patient_ref},
        "performedDateTime": session.on.isoformat(),
        "bodySite": [
            {"coding": [{"system": ACUPOINT_CS, "code": p.code}], "text": f"{p.code} ({p.side})"}
            for p in session.points
        ],
    }
    if not raw["bodySite"]:
        del raw["bodySite"]
    if not done:
        raw["statusReason"] = {
            "coding": [{"system": ATTENDANCE_CS, "code": session.attendance}],
            "text": session.reason_not_attended or session.attendance,
        }
    if session.practitioner is not None:
        who = f"{session.practitioner.name} ({session.practitioner.qualification})"
        raw["performer"] = [{"actor": {"display": who}}]
    notes = [f"Deviation from plan: {session.deviation}"] if session.deviation else []
    notes += [f"Rationale: {session.rationale}"] if session.rationale else []
    if notes:
        raw["note"] = [{"text": n} for n in notes]
    return _valid(Procedure, raw)


def _ucum(value: float, unit: str) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value, "unit": unit}
    code = fhir_codes().ucum.get(unit)
    if code is not None:
        quantity |= {"system": fhir_codes().systems["ucum"], "code": code}
    return quantity


def medication_statement_resource(stmt: MedicationStatement, patient_ref: str, resource_id: str,
                                  *, meta: Mapping[str, Any] | None = None,
                                  entered_in_error: bool = False) -> dict[str, Any]:
    """A MedicationStatement (ATC coded); the dose is the total daily dose, once a day."""
    period: dict[str, str] = {"start": stmt.start.isoformat()}
    if stmt.stop is not None:
        period["end"] = stmt.stop.isoformat()
    coding = [{"system": DRUG_CS, "code": stmt.drug, "display": stmt.drug}]
    entry = drug_names().entry(stmt.drug)
    if entry is not None:
        coding.insert(0, {"system": fhir_codes().systems["atc"], "code": entry.atc,
                          "display": entry.inn})
    status = "active" if stmt.stop is None else "completed"
    raw = {
        **_head("MedicationStatement", resource_id, meta),
        "status": "entered-in-error" if entered_in_error else status,
        "medicationCodeableConcept": {"coding": coding, "text": stmt.drug},
        "subject": {"reference": patient_ref},
        "effectivePeriod": period,
        "dosage": [{
            "text": f"{stmt.daily_dose:g} {stmt.unit} per day (total daily dose)",
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": _ucum(stmt.daily_dose, stmt.unit)}],
        }],
    }
    return _valid(FhirMedicationStatement, raw)


def adverse_event_resource(event: AdverseEvent, patient_ref: str, resource_id: str, *,
                           procedure_ref: str | None = None,
                           meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An AdverseEvent with the CTCAE grade, attribution and action; suspect: its Procedure."""
    k = adverse_event_knowledge()
    label = next(t.label for t in k.types if t.id == event.type)
    extension: list[dict[str, Any]] = [
        {"url": EXT_CTCAE, "valueInteger": event.grade},
        {"url": EXT_AE_ACTION, "valueCode": event.action},
    ]
    if event.session_number is not None:
        extension.append({"url": EXT_SESSION, "valueInteger": event.session_number})
    instance = ({"reference": procedure_ref, "display": "Acupuncture session"}
                if procedure_ref else {"display": "Acupuncture (session not recorded)"})
    raw = {
        **_head("AdverseEvent", resource_id, meta),
        "extension": extension,
        "actuality": "actual",
        "event": {"coding": [{"system": AE_TYPE_CS, "code": event.type, "display": label}],
                  "text": event.description or label},
        "subject": {"reference": patient_ref},
        "date": event.on.isoformat(),
        "severity": {"coding": [{"system": AE_SEVERITY_CS, "code": _SEVERITY[event.grade]}]},
        "outcome": {"coding": [{"system": AE_OUTCOME_CS, "code": event.outcome}]},
        "suspectEntity": [{
            "instance": instance,
            "causality": [{"assessment": {
                "coding": [{"system": RELATEDNESS_CS, "code": event.relatedness}]}}],
        }],
    }
    return _valid(FhirAdverseEvent, raw)


# --- parsing back ----------------------------------------------------------------------------


def _code(concept: Mapping[str, Any] | None, system: str) -> str | None:
    for c in (concept or {}).get("coding", []):
        if c.get("system") == system:
            code: str = c["code"]
            return code
    return None


def _ext(resource: Mapping[str, Any], url: str) -> Any:
    for e in resource.get("extension", []):
        if e.get("url") == url:
            return next((v for k, v in e.items() if k.startswith("value")), e)
    return None


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


def parse_session(r: Mapping[str, Any]) -> SessionRecord:
    """The STRICTA record of a Procedure written by :func:`procedure_resource`."""
    extension = _ext(r, EXT_STRICTA)
    if not isinstance(extension, Mapping):
        raise ValueError(_("Procedure %(id)s: no STRICTA session extension")
                         % {"id": r.get("id")})
    return SessionRecord.model_validate(from_extension(extension, _SESSION_LISTS))


def parse_medication(r: Mapping[str, Any]) -> MedicationStatement:
    """The medication statement of a MedicationStatement (local INN code, else ATC, else text)."""
    dose = r["dosage"][0]["doseAndRate"][0]["doseQuantity"]
    period = r["effectivePeriod"]
    concept = r.get("medicationCodeableConcept")
    drug = _code(concept, DRUG_CS)
    atc = _code(concept, fhir_codes().systems["atc"])
    if drug is None and atc is not None:
        drug = next((d.inn for d in drug_names().drugs if d.atc == atc), None)
    return MedicationStatement(
        drug=drug or r["medicationCodeableConcept"]["text"],
        daily_dose=float(dose["value"]),
        unit=dose["unit"],
        start=_day(period["start"]),
        stop=_day(period["end"]) if "end" in period else None,
    )


def parse_adverse_event(r: Mapping[str, Any]) -> AdverseEvent:
    """The adverse event of an AdverseEvent written by :func:`adverse_event_resource`."""
    ae_type = _code(r.get("event"), AE_TYPE_CS)
    labels = {t.id: t.label for t in adverse_event_knowledge().types}
    text = r.get("event", {}).get("text")
    causality = r["suspectEntity"][0]["causality"][0]["assessment"]
    return AdverseEvent(
        on=_day(r["date"]),
        session_number=_ext(r, EXT_SESSION),
        type=ae_type or "other",
        description=None if text == labels.get(ae_type or "") else text,
        grade=_ext(r, EXT_CTCAE),
        relatedness=_code(causality, RELATEDNESS_CS) or "",
        action=_ext(r, EXT_AE_ACTION) or "",
        outcome=_code(r.get("outcome"), AE_OUTCOME_CS) or "unknown",
    )
