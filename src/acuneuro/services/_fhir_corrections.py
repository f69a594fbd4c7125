"""Records entered in error, kept visible in the FHIR export so a receiving system can retract them.

The clinical reads (``session_rows``, ``score_rows``, ...) leave out rows marked entered in error,
so the export asks for them here and builds them with the same builders and the same stable ids
as the live ones: the resource keeps its id, ``meta.versionId`` is the row's ``version`` and its
status is ``entered-in-error`` (FHIR R4 Observation, QuestionnaireResponse, Procedure,
MedicationStatement). R4 AdverseEvent has no status, so an adverse event entered in error is not
exported; a Condition entered in error gets ``verificationStatus`` (``_fhir_resources``).
Import skips entered-in-error resources: they are not part of the course.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.store import (
    ENTERED_IN_ERROR,
    MedicationStatementRecord,
    Patient,
    ScoreRecord,
    TreatmentSession,
)

__all__ = ["entered_in_error_rows", "is_entered_in_error"]


def entered_in_error_rows(session: Session, patient: Patient, model: Any, order: Any
                          ) -> list[Any]:
    """The patient's rows of ``model`` marked entered in error, oldest first."""
    if model not in (ScoreRecord, TreatmentSession, MedicationStatementRecord):
        raise ValueError(f"no entered-in-error export for {model.__name__}")
    return list(session.scalars(select(model).where(
        model.clinic_id == patient.clinic_id, model.patient_id == patient.id,
        model.status == ENTERED_IN_ERROR).order_by(order, model.id)))


def is_entered_in_error(entry: Any) -> bool:
    """True for a Bundle entry whose resource was retracted as entered in error."""
    resource = entry.get("resource") if isinstance(entry, Mapping) else None
    if not isinstance(resource, Mapping):
        return False
    if resource.get("status") == ENTERED_IN_ERROR:
        return True
    verification = resource.get("verificationStatus")
    codings = verification.get("coding", []) if isinstance(verification, Mapping) else []
    return any(isinstance(c, Mapping) and c.get("code") == ENTERED_IN_ERROR for c in codings)
