"""FHIR R4 resources for a treatment course, and the way back.

Builds Observation (scores), Procedure (sessions), MedicationStatement and AdverseEvent resources
and a ``collection`` Bundle of them, each validated with ``fhir.resources`` (its R4B classes:
the installed release ships R4B and R5, and R4B keeps the R4 shape of these four resources).
``parse_course_bundle`` reads such a Bundle back into the clinical models, so a patient's course
can be re-imported with the same clinical content.

Standard elements carry what FHIR has words for (LOINC 72514-3 for the pain NRS, the HL7
adverse-event outcome codes, periods and doses). What FHIR has no element for is carried in
acuneuro extensions: the full STRICTA session record (as canonical JSON, which is also what the
parser reads, so nothing STRICTA asks for is lost), the CTCAE v5.0 grade, the action taken and
the session number. Resource ids are name-based UUIDs, so the same course gives the same Bundle.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from fhir.resources.R4B.adverseevent import AdverseEvent as FhirAdverseEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationstatement import MedicationStatement as FhirMedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.procedure import Procedure
from pydantic import BaseModel, ConfigDict, Field

from acuneuro.clinical.adverse_events import AdverseEvent
from acuneuro.clinical.medication import MedicationStatement
from acuneuro.clinical.outcomes import Score
from acuneuro.clinical.stricta import SessionRecord
from acuneuro.knowledge.course import adverse_event_knowledge, outcome_knowledge

__all__ = [
    "BASE",
    "CourseRecord",
    "adverse_event_resource",
    "course_bundle",
    "medication_statement_resource",
    "observation_resource",
    "parse_course_bundle",
    "procedure_resource",
]

BASE = "https://acuneuro.org/fhir"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
INSTRUMENT_CS = f"{BASE}/CodeSystem/instrument"
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
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)
# HL7 severity has three levels; the CTCAE grade in the extension is the authoritative value.
_SEVERITY = {1: "mild", 2: "moderate", 3: "severe", 4: "severe", 5: "severe"}


class CourseRecord(BaseModel):
    """The clinical content of one patient's course, as the clinical core models it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scores: list[Score] = Field(default_factory=list)
    sessions: list[SessionRecord] = Field(default_factory=list)
    medications: list[MedicationStatement] = Field(default_factory=list)
    adverse_events: list[AdverseEvent] = Field(default_factory=list)


def _id(patient_ref: str, *parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join([patient_ref, *map(str, parts)])))


def _dump(resource: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(resource.model_dump_json(exclude_none=True))
    return out


def observation_resource(score: Score, patient_ref: str) -> dict[str, Any]:
    """An Observation for one score (LOINC coded where the knowledge file holds a code)."""
    spec = outcome_knowledge().instrument(score.instrument)
    coding = [{"system": INSTRUMENT_CS, "code": spec.id, "display": spec.label}]
    if spec.loinc:
        coding.insert(0, {"system": LOINC, "code": spec.loinc})
    raw = {
        "resourceType": "Observation",
        "id": _id(patient_ref, "score", score.instrument, score.on, score.value),
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                    }
                ]
            }
        ],
        "code": {"coding": coding, "text": spec.label},
        "subject": {"reference": patient_ref},
        "effectiveDateTime": score.on.isoformat(),
        "valueQuantity": {"value": score.value, "system": UCUM, "code": "{score}", "unit": "score"},
    }
    return _dump(Observation.model_validate(raw))


def procedure_resource(session: SessionRecord, patient_ref: str) -> dict[str, Any]:
    """A Procedure for one session; ``not-done`` when it did not take place."""
    done = session.attendance == "attended"
    raw: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": _id(patient_ref, "session", session.session_number, session.on),
        "extension": [
            {"url": EXT_SESSION, "valueInteger": session.session_number},
            {"url": EXT_STRICTA, "valueString": session.model_dump_json()},
        ],
        "status": "completed" if done else "not-done",
        "code": {
            "coding": [{"system": PROCEDURE_CS, "code": "acupuncture-session"}],
            "text": "Acupuncture session",
        },
        "subject": {"reference": patient_ref},
        "performedDateTime": session.on.isoformat(),
        "bodySite": [
            {"coding": [{"system": ACUPOINT_CS, "code": p.code}], "text": f"{p.code} ({p.side})"}
            for p in session.points
        ],
    }
    if not done:
        raw["statusReason"] = {
            "coding": [{"system": ATTENDANCE_CS, "code": session.attendance}],
            "text": session.reason_not_attended,
        }
    if session.practitioner is not None:
        who = f"{session.practitioner.name} ({session.practitioner.qualification})"
        raw["performer"] = [{"actor": {"display": who}}]
    if session.deviation:
        raw["note"] = [{"text": f"Deviation from plan: {session.deviation}"}]
    return _dump(Procedure.model_validate(raw))


def medication_statement_resource(stmt: MedicationStatement, patient_ref: str) -> dict[str, Any]:
    """A MedicationStatement; the dose is the total daily dose (once per day in ``timing``)."""
    period: dict[str, str] = {"start": stmt.start.isoformat()}
    if stmt.stop is not None:
        period["end"] = stmt.stop.isoformat()
    raw = {
        "resourceType": "MedicationStatement",
        "id": _id(patient_ref, "medication", stmt.drug, stmt.unit, stmt.start, stmt.daily_dose),
        "status": "active" if stmt.stop is None else "completed",
        "medicationCodeableConcept": {
            "coding": [{"system": DRUG_CS, "code": stmt.drug}],
            "text": stmt.drug,
        },
        "subject": {"reference": patient_ref},
        "effectivePeriod": period,
        "dosage": [
            {
                "text": f"{stmt.daily_dose:g} {stmt.unit} per day (total daily dose)",
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": stmt.daily_dose, "unit": stmt.unit}}],
            }
        ],
    }
    return _dump(FhirMedicationStatement.model_validate(raw))


def adverse_event_resource(
    event: AdverseEvent, patient_ref: str, session_urls: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """An AdverseEvent with the CTCAE grade, attribution and action; linked to its session."""
    k = adverse_event_knowledge()
    label = next(t.label for t in k.types if t.id == event.type)
    extension: list[dict[str, Any]] = [
        {"url": EXT_CTCAE, "valueInteger": event.grade},
        {"url": EXT_AE_ACTION, "valueCode": event.action},
    ]
    if event.session_number is not None:
        extension.append({"url": EXT_SESSION, "valueInteger": event.session_number})
    instance: dict[str, str] = {"display": "acupuncture"}
    if event.session_number is not None and session_urls and event.session_number in session_urls:
        instance = {"reference": session_urls[event.session_number]}
    raw = {
        "resourceType": "AdverseEvent",
        "id": _id(patient_ref, "adverse-event", event.on, event.type, event.session_number),
        "extension": extension,
        "actuality": "actual",
        "event": {
            "coding": [{"system": AE_TYPE_CS, "code": event.type, "display": label}],
            "text": event.description or label,
        },
        "subject": {"reference": patient_ref},
        "date": event.on.isoformat(),
        "severity": {"coding": [{"system": AE_SEVERITY_CS, "code": _SEVERITY[event.grade]}]},
        "outcome": {"coding": [{"system": AE_OUTCOME_CS, "code": event.outcome}]},
        "suspectEntity": [
            {
                "instance": instance,
                "causality": [
                    {
                        "assessment": {
                            "coding": [{"system": RELATEDNESS_CS, "code": event.relatedness}]
                        }
                    }
                ],
            }
        ],
    }
    return _dump(FhirAdverseEvent.model_validate(raw))


def course_bundle(record: CourseRecord, patient_ref: str) -> dict[str, Any]:
    """A validated ``collection`` Bundle of the whole course for ``patient_ref``."""
    resources: list[dict[str, Any]] = []
    resources += [observation_resource(s, patient_ref) for s in record.scores]
    procedures = [procedure_resource(s, patient_ref) for s in record.sessions]
    session_urls = {
        s.session_number: f"urn:uuid:{p['id']}"
        for s, p in zip(record.sessions, procedures, strict=True)
    }
    resources += procedures
    resources += [medication_statement_resource(m, patient_ref) for m in record.medications]
    resources += [
        adverse_event_resource(e, patient_ref, session_urls) for e in record.adverse_events
    ]
    raw = {
        "resourceType": "Bundle",
        "id": _id(patient_ref, "course-bundle"),
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
    return _dump(Bundle.model_validate(raw))


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
            return next(v for k, v in e.items() if k.startswith("value"))
    return None


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


def _parse_score(r: Mapping[str, Any]) -> Score:
    instrument = _code(r.get("code"), INSTRUMENT_CS)
    if instrument is None:
        raise ValueError(f"Observation {r.get('id')}: no acuneuro instrument code")
    return Score(
        instrument=instrument,
        value=float(r["valueQuantity"]["value"]),
        on=_day(r["effectiveDateTime"]),
    )


def _parse_session(r: Mapping[str, Any]) -> SessionRecord:
    payload = _ext(r, EXT_STRICTA)
    if payload is None:
        raise ValueError(f"Procedure {r.get('id')}: no STRICTA session extension")
    return SessionRecord.model_validate_json(payload)


def _parse_medication(r: Mapping[str, Any]) -> MedicationStatement:
    dose = r["dosage"][0]["doseAndRate"][0]["doseQuantity"]
    period = r["effectivePeriod"]
    drug = (
        _code(r.get("medicationCodeableConcept"), DRUG_CS) or r["medicationCodeableConcept"]["text"]
    )
    return MedicationStatement(
        drug=drug,
        daily_dose=float(dose["value"]),
        unit=dose["unit"],
        start=_day(period["start"]),
        stop=_day(period["end"]) if "end" in period else None,
    )


def _parse_adverse_event(r: Mapping[str, Any]) -> AdverseEvent:
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


def parse_course_bundle(bundle: Mapping[str, Any]) -> tuple[str | None, CourseRecord]:
    """The patient reference and the course content of a Bundle made by ``course_bundle``.

    The Bundle is validated with ``fhir.resources`` first; every entry must concern one patient.
    An empty Bundle names no patient (None).
    """
    checked = _dump(Bundle.model_validate(dict(bundle)))
    parsers = {
        "Observation": ("scores", _parse_score),
        "Procedure": ("sessions", _parse_session),
        "MedicationStatement": ("medications", _parse_medication),
        "AdverseEvent": ("adverse_events", _parse_adverse_event),
    }
    found: dict[str, list[Any]] = {name: [] for name, _ in parsers.values()}
    patients: set[str] = set()
    for entry in checked.get("entry", []):
        resource = entry["resource"]
        kind = resource["resourceType"]
        if kind not in parsers:
            raise ValueError(f"Bundle entry {entry.get('fullUrl')}: unexpected {kind}")
        name, parse = parsers[kind]
        try:
            patients.add(resource["subject"]["reference"])
            found[name].append(parse(resource))
        except (KeyError, IndexError, TypeError, StopIteration) as exc:
            # A resource that validates as FHIR can still lack what acuneuro wrote into it.
            raise ValueError(
                f"Bundle entry {entry.get('fullUrl')} ({kind}): missing or malformed {exc}"
            ) from None
    if len(patients) > 1:
        raise ValueError(f"Bundle mixes patients: {', '.join(sorted(patients))}")
    return (patients.pop() if patients else None), CourseRecord.model_validate(found)
