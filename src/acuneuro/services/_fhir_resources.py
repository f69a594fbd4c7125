"""Every FHIR resource of one patient, built from the stored rows with stable logical ids.

One builder per resource type (``patient_resource``, ``condition_resources``, ...), each over
rows already read in the caller's clinic-scoped snapshot; :func:`resources_of` gathers them in a
fixed order (Patient first, then Conditions, CarePlan, QuestionnaireResponses and Observations,
Procedures, MedicationStatements, AdverseEvents). Ids come from ``interop.fhir_ids.logical_id``
(clinic + table + primary key), so the REST face reads the same resource at ``Type/id``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from sqlalchemy.orm import Session

from acuneuro.clinical.scoring import ScoreResult
from acuneuro.interop.fhir_course import (
    adverse_event_resource,
    medication_statement_resource,
    procedure_resource,
)
from acuneuro.interop.fhir_definitions import EXT_PLAN
from acuneuro.interop.fhir_ids import BASE, logical_id, meta, reference, row_status
from acuneuro.interop.fhir_scores import score_resources
from acuneuro.knowledge import fhir_codes
from acuneuro.services._course_common import accepted_plan
from acuneuro.services._fhir_corrections import entered_in_error_rows
from acuneuro.services.assessment import _view as score_view
from acuneuro.services.course import (
    adverse_events_of,
    event_rows,
    session_numbers,
    session_records_of,
    session_rows,
)
from acuneuro.services.medication import medication_rows, statements_of
from acuneuro.services.outcomes import score_rows
from acuneuro.store import (
    AdverseEventRecord,
    Episode,
    MedicationStatementRecord,
    Patient,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
)

__all__ = [
    "EXT_PLAN",
    "PSEUDO_SYSTEM",
    "RECORD_SYSTEM",
    "Profile",
    "medication_statements_of",
    "procedures_of",
    "resources_of",
    "resources_of_kind",
    "score_resources_of",
]

Profile = Literal["pseudonymous", "identified"]
PSEUDO_SYSTEM = "urn:acuneuro:pseudo-id"
# The clinic's record number: a system of the clinic's own (one per clinic, by its row id).
RECORD_SYSTEM = f"{BASE}/sid/record-number"
CONDITION_CS = f"{BASE}/CodeSystem/condition-kind"
_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def patient_resource(patient: Patient, profile: Profile = "pseudonymous",
                     national_id: str | None = None) -> dict[str, Any]:
    """The Patient: pseudonymous (id, sex, birth YEAR) or, when the clinic chooses, identified.

    The identified profile adds the name, full birth date, the clinic's record number and the
    national identifier (Italian codice fiscale system) when one is given, for matching in a
    hospital record.
    """
    resource: dict[str, Any] = {
        "resourceType": "Patient", "id": patient.pseudo_id, "meta": meta(patient),
        "identifier": [{"system": PSEUDO_SYSTEM, "value": patient.pseudo_id}],
        # The year alone: age-dependent rules need it, and it is a Safe Harbor-level fact.
        "birthDate": str(patient.identity.date_of_birth.year),
    }
    if patient.sex in {"female", "male", "other", "unknown"}:
        resource["gender"] = patient.sex
    if profile == "identified":
        who = patient.identity
        resource["birthDate"] = who.date_of_birth.isoformat()
        resource["name"] = [{"family": who.family_name, "given": [who.given_name]}]
        if who.record_number:
            resource["identifier"].append({
                "use": "usual", "system": f"{RECORD_SYSTEM}/{patient.clinic_id}",
                "value": who.record_number,
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                     "code": "MR"}]}})
        if national_id:
            resource["identifier"].append({
                "use": "official", "system": fhir_codes().systems["codice_fiscale"],
                "value": national_id})
    return resource


def condition_resources(patient: Patient, ref: str) -> list[dict[str, Any]]:
    """One Condition per episode: SNOMED CT where verified, ICD-10 with its WHO title."""
    codes = fhir_codes()
    out = []
    for e in sorted(patient.episodes, key=lambda x: x.id):
        concept = codes.conditions.get(e.condition_kind.value)
        coding: list[dict[str, Any]] = []
        if concept is not None and concept.snomed:
            coding.append({"system": codes.systems["snomed"], "code": concept.snomed,
                           "display": concept.display})
        if e.icd10:
            icd: dict[str, Any] = {"system": codes.systems["icd10"], "code": e.icd10}
            if e.icd10 in codes.icd10:
                icd["display"] = codes.icd10[e.icd10].display
            coding.append(icd)
        label = (concept.label if concept is not None else None) or e.condition_kind.value
        coding.append({"system": CONDITION_CS, "code": e.condition_kind.value, "display": label})
        condition: dict[str, Any] = {
            "resourceType": "Condition", "id": logical_id(e.clinic_id, Episode.__tablename__, e.id),
            "meta": meta(e), "code": {"coding": coding, "text": label},
            "subject": {"reference": ref},
        }
        if row_status(e) == "entered-in-error":
            condition["verificationStatus"] = {"coding": [{"system": _VERIFICATION,
                                                           "code": "entered-in-error"}]}
        else:
            state = "resolved" if e.closed_on else "active"
            condition["clinicalStatus"] = {"coding": [{"system": _CLINICAL, "code": state}]}
        if e.onset:
            condition["onsetDateTime"] = e.onset.isoformat()
        if e.closed_on:
            condition["abatementDateTime"] = e.closed_on.isoformat()
        out.append(condition)
    return out


def care_plan_resource(plan: PlanRecord, ref: str) -> dict[str, Any]:
    """The accepted plan as a CarePlan (its documents in an extension, to rebuild the schedule)."""
    return {
        "resourceType": "CarePlan", "id": logical_id(plan.clinic_id, PlanRecord.__tablename__,
                                                     plan.id),
        "meta": meta(plan),
        "extension": [{"url": EXT_PLAN, "valueString": json.dumps(
            {"case": plan.case_json, "plan": plan.plan_json}, sort_keys=True)}],
        "status": "entered-in-error" if row_status(plan) == "entered-in-error" else "active",
        "intent": "plan", "subject": {"reference": ref},
        "period": {"start": plan.start_on.isoformat() if plan.start_on else None},
        "title": f"Acupuncture plan ({plan.plan_json.get('protocol', '')})",
    }


def score_resources_of(rows: list[ScoreRecord], patient: Patient, ref: str, *,
                       observations_only: bool = False) -> list[dict[str, Any]]:
    """Each stored score as its QuestionnaireResponse (answers) and Observation (stored numbers);
    ``observations_only``: the same Observations without building the responses."""
    out: list[dict[str, Any]] = []
    for row in rows:
        view = score_view(row, patient.pseudo_id)
        result = ScoreResult(instrument=view.instrument, version=view.version, total=view.total,
                             subscales=view.subscales, positive=view.positive,
                             interpretation=view.interpretation or "", sources=view.sources)
        response_id = logical_id(row.clinic_id, ScoreRecord.__tablename__, row.id, "response")
        built = score_resources(
            result, view.answers, patient_ref=ref, taken_on=row.taken_on,
            observation_id=logical_id(row.clinic_id, ScoreRecord.__tablename__, row.id),
            response_id=response_id,
            meta=meta(row), entered_in_error=row_status(row) == "entered-in-error",
            with_response=not observations_only)
        if view.fhir_resource is not None and not observations_only:
            # A response posted as FHIR is served as it was posted (its identifiers, tags and
            # time of day included), under the same id.
            posted = {"resourceType": "QuestionnaireResponse", "id": response_id,
                      **{k: v for k, v in view.fhir_resource.items()
                         if k not in {"resourceType", "id"}}}
            if row_status(row) == "entered-in-error":
                posted["status"] = "entered-in-error"
            built = [posted, *(r for r in built if r["resourceType"] != "QuestionnaireResponse")]
        out += built
    return out


def _procedure_ids(rows: list[TreatmentSession]) -> dict[int, str]:
    return {r.id: logical_id(r.clinic_id, TreatmentSession.__tablename__, r.id) for r in rows}


def procedures_of(rows: list[TreatmentSession], ref: str) -> list[dict[str, Any]]:
    """Each session row as its Procedure (one per row, built from that row alone)."""
    ids = _procedure_ids(rows)
    return [procedure_resource(rec, ref, ids[row.id], meta=meta(row),
                               entered_in_error=row_status(row) == "entered-in-error")
            for row, rec in zip(rows, session_records_of(rows), strict=True)]


def medication_statements_of(rows: list[MedicationStatementRecord], ref: str
                             ) -> list[dict[str, Any]]:
    """Each medicine row as its MedicationStatement (one per row, built from that row alone)."""
    return [medication_statement_resource(
        stmt, ref, logical_id(row.clinic_id, MedicationStatementRecord.__tablename__, row.id),
        meta=meta(row), entered_in_error=row_status(row) == "entered-in-error")
        for row, stmt in zip(rows, statements_of(rows), strict=True)]


def course_resources_of(session: Session, patient: Patient, ref: str) -> list[dict[str, Any]]:
    """Procedures (sessions), MedicationStatements and AdverseEvents of the patient."""
    sessions = session_rows(session, patient)
    ids = _procedure_ids(sessions)
    out = procedures_of(sessions, ref)
    out += medication_statements_of(medication_rows(session, patient), ref)
    events = event_rows(session, patient)
    # R4 AdverseEvent has no status element: an event entered in error is not exported.
    kept = [r for r in events if row_status(r) != "entered-in-error"]
    out += [adverse_event_resource(
        event, ref, logical_id(row.clinic_id, AdverseEventRecord.__tablename__, row.id),
        procedure_ref=reference("Procedure", ids[row.session_id]) if row.session_id in ids
        else None, meta=meta(row))
        for row, event in zip(kept, adverse_events_of(kept, session_numbers(sessions)),
                              strict=True)]
    return out


def resources_of(session: Session, patient: Patient, profile: Profile = "pseudonymous",
                 national_id: str | None = None) -> list[dict[str, Any]]:
    """Every resource of the patient, in a fixed order, each with its stable logical id."""
    ref = reference("Patient", patient.pseudo_id)
    out = [patient_resource(patient, profile, national_id), *condition_resources(patient, ref)]
    plan = accepted_plan(session, patient)
    if plan is not None and plan.start_on is not None:
        out.append(care_plan_resource(plan, ref))
    out += score_resources_of(score_rows(session, patient), patient, ref)
    out += course_resources_of(session, patient, ref)
    out += retracted_resources_of(session, patient, ref)
    return out


def retracted_resources_of(session: Session, patient: Patient, ref: str
                           ) -> list[dict[str, Any]]:
    """Scores, sessions and medicines entered in error: same ids, status entered-in-error."""
    out = score_resources_of(entered_in_error_rows(session, patient, ScoreRecord,
                                                   ScoreRecord.taken_on), patient, ref)
    out += procedures_of(entered_in_error_rows(session, patient, TreatmentSession,
                                               TreatmentSession.occurred_on), ref)
    out += medication_statements_of(entered_in_error_rows(
        session, patient, MedicationStatementRecord, MedicationStatementRecord.start_on), ref)
    return out


def resources_of_kind(session: Session, patient: Patient, kind: str) -> list[dict[str, Any]]:
    """The patient's resources of one type, built alone: the same resources, in the same order,
    as ``[r for r in resources_of(...) if r["resourceType"] == kind]`` (a test holds them
    equal), without building the other types (what a read or a search of one type needs)."""
    ref = reference("Patient", patient.pseudo_id)
    if kind == "Patient":
        return [patient_resource(patient)]
    if kind == "Condition":
        return condition_resources(patient, ref)
    if kind == "CarePlan":
        plan = accepted_plan(session, patient)
        return [care_plan_resource(plan, ref)] if plan is not None and plan.start_on else []
    if kind in {"Observation", "QuestionnaireResponse"}:
        rows = [*score_rows(session, patient),
                *entered_in_error_rows(session, patient, ScoreRecord, ScoreRecord.taken_on)]
        return [r for r in score_resources_of(rows, patient, ref,
                                              observations_only=kind == "Observation")
                if r["resourceType"] == kind]
    if kind in {"Procedure", "MedicationStatement", "AdverseEvent"}:
        built = [*course_resources_of(session, patient, ref),
                 *retracted_resources_of(session, patient, ref)]
        return [r for r in built if r["resourceType"] == kind]
    return []
