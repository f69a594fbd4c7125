"""A patient's course as a pseudonymous FHIR R4 Bundle, and its re-import into another database.

The Bundle holds a Patient (the pseudonymous id, sex and birth YEAR only: no name, no contact
data, no record number), one Condition per episode, the accepted plan as a CarePlan (its case
and plan documents in an acuneuro extension, so the schedule can be rebuilt), and the course
resources of ``interop.fhir_course``: Observation (followed scores), Procedure (sessions with
their STRICTA record), MedicationStatement and AdverseEvent. It is validated with
``fhir.resources`` before it leaves. ``import_bundle`` creates a NEW patient in the caller's
clinic (a new pseudonymous id: ids are not carried between installations) with the same
clinical content; a Bundle that does not validate or parse writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy.orm import Session

from acuneuro.clinical.case import ConditionKind
from acuneuro.clinical.planner import Plan
from acuneuro.interop.fhir_course import BASE, CourseRecord, course_bundle, parse_course_bundle
from acuneuro.knowledge.course import outcome_knowledge
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._context import Context
from acuneuro.services._course_common import (
    CourseRefused,
    accepted_plan,
    load_patient,
    not_found,
    refused,
    require,
)
from acuneuro.services._fhir_corrections import (
    CONDITION_VERIFICATION,
    entered_in_error_resources,
    is_entered_in_error,
    stamp_versions,
)
from acuneuro.services._plan_edit import PlanRefused, schedule_visits
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action, record
from acuneuro.services.course import (
    adverse_events_of,
    event_rows,
    session_numbers,
    session_records_of,
    session_rows,
)
from acuneuro.services.medication import medication_rows, statements_of
from acuneuro.services.outcomes import outcome_scores, score_rows
from acuneuro.services.patients import new_pseudo_id
from acuneuro.services.throttle import Work, check_work
from acuneuro.store import (
    ENTERED_IN_ERROR,
    AdverseEventRecord,
    Episode,
    MedicationStatementRecord,
    Patient,
    PatientIdentity,
    PlannedSession,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
)

__all__ = ["EXT_PLAN", "PSEUDO_SYSTEM", "export_bundle", "import_bundle"]

PSEUDO_SYSTEM = "urn:acuneuro:pseudo-id"
EXT_PLAN = f"{BASE}/StructureDefinition/accepted-plan"
CONDITION_CS = f"{BASE}/CodeSystem/condition-kind"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
_RESOURCE = "fhir-bundle"
# Stored as the instrument version of a score that came in through FHIR (its answers did not).
IMPORTED_VERSION = "imported (FHIR)"


def export_bundle(ctx: Context, actor: Actor, pseudo_id: str) -> dict[str, Any]:
    """The patient's pseudonymous course Bundle (``collection``), validated.

    Read in one snapshot (``Database.snapshot``), not under the writer lock (issue 13).
    """
    require(ctx, actor, UseCase.COURSE_READ, Action.READ, _RESOURCE, pseudo_id)
    check_work(ctx, Work.FHIR_EXPORT, actor)
    # One consistent snapshot, never the writer lock; the Bundle is returned only once its
    # audit row is committed (services._audit_group).
    with ctx.db.snapshot() as session:
        patient = load_patient(session, actor, pseudo_id)
        bundle = None if patient is None else _bundle(session, patient)
    if bundle is None:
        not_found(ctx, actor, Action.READ, _RESOURCE, pseudo_id)
    record_read(ctx, actor, Action.READ, _RESOURCE, [pseudo_id])
    return bundle


def _bundle(session: Session, patient: Patient) -> dict[str, Any]:
    ref = f"Patient/{patient.pseudo_id}"
    sessions = session_rows(session, patient)
    medicines, events = medication_rows(session, patient), event_rows(session, patient)
    course = CourseRecord(
        scores=outcome_scores(score_rows(session, patient)),
        sessions=session_records_of(sessions), medications=statements_of(medicines),
        adverse_events=adverse_events_of(events, session_numbers(sessions)),
    )
    extra: list[dict[str, Any]] = [_patient(patient)]
    for n, e in enumerate(patient.episodes, start=1):
        coding = [{"system": CONDITION_CS, "code": e.condition_kind.value}]
        if e.icd10:
            coding.append({"system": ICD10, "code": e.icd10})
        condition: dict[str, Any] = {
            "resourceType": "Condition", "id": f"{patient.pseudo_id}-condition-{n}",
            "code": {"coding": coding, "text": e.condition_kind.value},
            "subject": {"reference": ref}, "meta": {"versionId": str(e.version)},
        }
        if e.status == ENTERED_IN_ERROR:
            condition["verificationStatus"] = {"coding": [
                {"system": CONDITION_VERIFICATION, "code": ENTERED_IN_ERROR}]}
        if e.onset:
            condition["onsetDateTime"] = e.onset.isoformat()
        if e.closed_on:
            condition["abatementDateTime"] = e.closed_on.isoformat()
        extra.append(condition)
    plan = accepted_plan(session, patient)
    if plan is not None and plan.start_on is not None:
        extra.append({
            "resourceType": "CarePlan", "id": f"{patient.pseudo_id}-plan",
            "extension": [{"url": EXT_PLAN, "valueString": json.dumps(
                {"case": plan.case_json, "plan": plan.plan_json}, sort_keys=True)}],
            "status": "active", "intent": "plan", "subject": {"reference": ref},
            "period": {"start": plan.start_on.isoformat()},
            "title": f"Acupuncture plan ({plan.plan_json.get('protocol', '')})",
        })
    inner = course_bundle(course, ref)
    retracted = entered_in_error_resources(session, patient, ref)
    entries = [{"fullUrl": f"urn:acuneuro:{r['resourceType']}:{r['id']}", "resource": r}
               for r in extra] + stamp_versions(inner.get("entry", []), sessions, medicines,
                                                events)
    entries += [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in retracted]
    raw = {"resourceType": "Bundle", "id": inner["id"], "type": "collection", "entry": entries}
    checked: dict[str, Any] = json.loads(
        Bundle.model_validate(raw).model_dump_json(exclude_none=True))
    return checked


def _patient(patient: Patient) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient", "id": patient.pseudo_id,
        "identifier": [{"system": PSEUDO_SYSTEM, "value": patient.pseudo_id}],
        # The year alone: age-dependent rules need it, and it is a Safe Harbor-level fact.
        "birthDate": str(patient.identity.date_of_birth.year),
    }
    if patient.sex in {"female", "male", "other", "unknown"}:
        resource["gender"] = patient.sex
    return resource


def import_bundle(ctx: Context, actor: Actor, bundle: Mapping[str, Any]) -> str:
    """Create a new patient in the caller's clinic from a course Bundle; its new pseudonymous id.

    ``ValueError`` (naming the entry) for a Bundle that does not validate or parse; nothing is
    written then. The person's name is unknown to the Bundle and is recorded as "Imported".
    """
    require(ctx, actor, UseCase.PATIENT_RECORD, Action.CREATE, _RESOURCE, None)
    entries = [e for e in (bundle.get("entry", []) if isinstance(bundle, Mapping) else [])
               if not is_entered_in_error(e)]  # retracted records are not part of the course
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise ValueError("resourceType: not a FHIR Bundle")
    kept = [e for e in entries if _kind(e) not in ("Patient", "Condition", "CarePlan")]
    _, course = parse_course_bundle({**bundle, "entry": kept})
    person = next((e["resource"] for e in entries if _kind(e) == "Patient"), None)
    if person is None:
        raise ValueError("Bundle: no Patient entry")
    conditions = [e["resource"] for e in entries if _kind(e) == "Condition"]
    plans = [e["resource"] for e in entries if _kind(e) == "CarePlan"]
    pseudo = new_pseudo_id()
    try:
        with ctx.db.write() as session:
            _store(session, actor, pseudo, person, conditions, plans, course)
            record(session, ctx.audit_key, actor=actor, action=Action.CREATE,
                   resource=_RESOURCE, patient=pseudo)
    except CourseRefused as exc:
        refused(ctx, actor, Action.CREATE, _RESOURCE, pseudo, str(exc))
    return pseudo


def _kind(entry: Any) -> str | None:
    resource = entry.get("resource") if isinstance(entry, Mapping) else None
    return resource.get("resourceType") if isinstance(resource, Mapping) else None


def _store(session: Session, actor: Actor, pseudo: str, person: Mapping[str, Any],
           conditions: list[Mapping[str, Any]], plans: list[Mapping[str, Any]],
           course: CourseRecord) -> None:
    clinic = actor.clinic_id
    born = str(person.get("birthDate", ""))[:4]
    if not born.isdigit():
        raise ValueError("Patient.birthDate: the birth year is needed")
    patient = Patient(clinic_id=clinic, pseudo_id=pseudo, sex=person.get("gender"))
    patient.identity = PatientIdentity(clinic_id=clinic, given_name="Imported",
                                       family_name=f"Patient {pseudo}",
                                       date_of_birth=date(int(born), 1, 1))
    for c in conditions:
        codes = {x.get("system"): x.get("code") for x in c.get("code", {}).get("coding", [])}
        kind = codes.get(CONDITION_CS)
        if kind not in {k.value for k in ConditionKind}:
            raise ValueError(f"Condition {c.get('id')}: no acuneuro condition kind")
        onset, closed = c.get("onsetDateTime"), c.get("abatementDateTime")
        patient.episodes.append(Episode(
            clinic_id=clinic, condition_kind=ConditionKind(kind), icd10=codes.get(ICD10),
            onset=date.fromisoformat(onset[:10]) if onset else None,
            closed_on=date.fromisoformat(closed[:10]) if closed else None))
    session.add(patient)
    session.flush()
    plan_id = _store_plan(session, actor, patient, plans)
    _store_course(session, actor, patient, plan_id, course)


def _store_plan(session: Session, actor: Actor, patient: Patient,
                plans: list[Mapping[str, Any]]) -> int | None:
    if not plans:
        return None
    raw = next((e.get("valueString") for e in plans[-1].get("extension", [])
                if e.get("url") == EXT_PLAN), None)
    if raw is None:
        raise ValueError("CarePlan: no acuneuro plan extension")
    documents = json.loads(raw)
    plan = Plan.model_validate(documents["plan"])
    start = date.fromisoformat(plans[-1]["period"]["start"][:10])
    row = PlanRecord(clinic_id=patient.clinic_id, patient_id=patient.id, status="accepted",
                     condition_kind=plan.condition.value, safety_status=plan.safety.status,
                     case_json=documents["case"], plan_json=documents["plan"], start_on=start,
                     created_by=actor.user_id, accepted_by=actor.user_id)
    session.add(row)
    session.flush()
    try:
        visits = schedule_visits(plan.course, start)
    except PlanRefused as exc:
        raise CourseRefused(str(exc)) from None
    session.add_all(PlannedSession(clinic_id=row.clinic_id, patient_id=patient.id,
                                   plan_id=row.id, number=v.number, due_on=v.due_on,
                                   reassessment=v.reassessment,
                                   instruments_due=v.instruments_due) for v in visits)
    return row.id


def _store_course(session: Session, actor: Actor, patient: Patient, plan_id: int | None,
                  course: CourseRecord) -> None:
    clinic, pid = patient.clinic_id, patient.id
    for s in course.scores:
        spec = outcome_knowledge().instrument(s.instrument)
        total = s.value if spec.score == "total" else None
        subscales = {} if spec.score == "total" else {spec.score: s.value}
        session.add(ScoreRecord(clinic_id=clinic, patient_id=pid, instrument_id=spec.instrument,
                                instrument_version=IMPORTED_VERSION, taken_on=s.on,
                                answers_json={}, total=total, subscales_json=subscales,
                                created_by=actor.user_id))
    ids: dict[int, int] = {}
    for rec in course.sessions:
        row = TreatmentSession(clinic_id=clinic, patient_id=pid, plan_id=plan_id,
                               occurred_on=rec.on, attendance=rec.attendance,
                               record_json=rec.model_dump(mode="json"), deviation=rec.deviation,
                               acknowledged_rules=[], practitioner_id=None)
        session.add(row)
        session.flush()
        ids[rec.session_number] = row.id
    for m in course.medications:
        session.add(MedicationStatementRecord(clinic_id=clinic, patient_id=pid, drug=m.drug,
                                              daily_dose=m.daily_dose, unit=m.unit,
                                              start_on=m.start, stop_on=m.stop,
                                              created_by=actor.user_id))
    for e in course.adverse_events:
        session.add(AdverseEventRecord(
            clinic_id=clinic, patient_id=pid, occurred_on=e.on, kind=e.type, grade=e.grade,
            session_id=ids.get(e.session_number) if e.session_number else None,
            relatedness=e.relatedness, action=e.action, outcome=e.outcome, note=e.description,
            created_by=actor.user_id))
    session.flush()
