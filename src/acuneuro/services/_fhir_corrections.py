"""Corrections in the FHIR course Bundle: versions, and entered-in-error records kept visible.

Each exported resource of a stored row carries ``meta.versionId`` = the row's ``version``
(FHIR R4 Meta; one more per correction). A record marked entered in error is exported with
``status = entered-in-error`` (Observation, Procedure, MedicationStatement) or
``verificationStatus = entered-in-error`` (Condition), so a receiving system can retract what
it holds; FHIR R4 AdverseEvent has no such status, so an adverse event entered in error is
left out. Re-import skips entered-in-error resources (they are not part of the course).
A small bridge until the FHIR export is rewritten; it reads only ``status`` and ``version``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.interop.fhir_course import (
    medication_statement_resource,
    observation_resource,
    procedure_resource,
)
from acuneuro.services.course import session_records_of
from acuneuro.services.medication import statements_of
from acuneuro.services.outcomes import outcome_scores
from acuneuro.store import (
    ENTERED_IN_ERROR,
    AdverseEventRecord,
    MedicationStatementRecord,
    Patient,
    ScoreRecord,
    TreatmentSession,
)

__all__ = ["CONDITION_VERIFICATION", "entered_in_error_resources", "is_entered_in_error",
           "stamp_versions"]

CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def _meta(resource: dict[str, Any], version: int) -> dict[str, Any]:
    return {**resource, "meta": {**resource.get("meta", {}), "versionId": str(version)}}


def _retracted(resource: dict[str, Any], version: int) -> dict[str, Any]:
    # A distinct id: the retracted resource must not collide with a live one of equal content.
    return {**_meta(resource, version), "status": ENTERED_IN_ERROR,
            "id": f"{resource['id']}-eie"[:64]}


def _rows(session: Session, patient: Patient, model: Any, order: Any) -> list[Any]:
    # By patient only (found in the caller's clinic; rows reference it with their clinic).
    return list(session.scalars(select(model).where(
        model.patient_id == patient.id, model.status == ENTERED_IN_ERROR
    ).order_by(order, model.id)))


def entered_in_error_resources(session: Session, patient: Patient, ref: str
                               ) -> list[dict[str, Any]]:
    """The patient's entered-in-error scores, sessions and medicines as retracted resources."""
    found: list[dict[str, Any]] = []
    for row in _rows(session, patient, ScoreRecord, ScoreRecord.taken_on):
        found += [_retracted(observation_resource(s, ref), row.version)
                  for s in outcome_scores([row])]
    for visit in _rows(session, patient, TreatmentSession, TreatmentSession.occurred_on):
        found.append(_retracted(procedure_resource(session_records_of([visit])[0], ref),
                                visit.version))
    for drug in _rows(session, patient, MedicationStatementRecord,
                      MedicationStatementRecord.start_on):
        found.append(_retracted(medication_statement_resource(statements_of([drug])[0], ref),
                                drug.version))
    return found


def stamp_versions(entries: list[dict[str, Any]], sessions: list[TreatmentSession],
                   medicines: list[MedicationStatementRecord],
                   events: list[AdverseEventRecord]) -> list[dict[str, Any]]:
    """``meta.versionId`` on the live Procedures, MedicationStatements and AdverseEvents.

    The course Bundle lists each of these one per row, in the rows' order. (A score row may
    give several Observations or none, so live Observations carry no version here.)
    """
    versions = {"Procedure": iter(r.version for r in sessions),
                "MedicationStatement": iter(r.version for r in medicines),
                "AdverseEvent": iter(r.version for r in events)}
    stamped = []
    for entry in entries:
        resource = entry["resource"]
        left = versions.get(resource["resourceType"])
        version = None if left is None else next(left, None)
        stamped.append(entry if version is None
                       else {**entry, "resource": _meta(resource, version)})
    return stamped


def is_entered_in_error(entry: Any) -> bool:
    """True for a Bundle entry whose resource was retracted as entered in error."""
    resource = entry.get("resource") if isinstance(entry, Mapping) else None
    if not isinstance(resource, Mapping):
        return False
    if resource.get("status") == ENTERED_IN_ERROR:
        return True
    codings = (resource.get("verificationStatus") or {}).get("coding") or []
    return any(isinstance(c, Mapping) and c.get("code") == ENTERED_IN_ERROR for c in codings)
