"""A patient's rights under the GDPR: a full copy (Art. 15, 20) and erasure (Art. 17).

Erasure removes what identifies the person: names become ``ERASED``, telephone, email and
record number are deleted, the birth date keeps only its year (a Safe Harbor-level fact that
age-dependent clinical rules need), and free text that could name anyone (adverse event
notes, session deviations) is cleared. The pseudonymous clinical record stays, as Art. 17(3)
allows for medical-record retention and research (Art. 89(1)), and so does the audit trail,
which holds pseudonymous ids only; the erasure itself is audited
(shared/reference/security-reliability.md A1.4).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._errors import NotFound, PermissionDenied, ServiceError
from acuneuro.services._patient_models import PatientView
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services.assessment import list_scores
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.services.fhir_assessment import observation_of
from acuneuro.services.patients import get_patient
from acuneuro.store import AdverseEventRecord, Patient, TreatmentSession

__all__ = ["ERASED", "erase_patient", "is_erased", "patient_bundle"]

ERASED = "(erased)"
_RESOURCE = "patient-identity"


def is_erased(view: PatientView) -> bool:
    """True for a patient whose identity has been erased."""
    return view.given_name == ERASED and view.family_name == ERASED


def erase_patient(ctx: Context, actor: Actor, pseudo_id: str, reason: str) -> PatientView:
    """Erase the identifying data of a patient of the caller's clinic (administrators only)."""
    if not allowed(actor.role, UseCase.PATIENT_ERASE):
        record_alone(ctx, actor=actor, action=Action.UPDATE, resource=_RESOURCE,
                     outcome=Outcome.DENIED, patient=pseudo_id[:32])
        raise PermissionDenied(f"the {actor.role.value} role may not erase patients")
    if not reason.strip():
        raise ServiceError("reason: give the reason for the erasure")
    with ctx.db.write() as session:
        patient = session.scalar(
            select(Patient).where(Patient.clinic_id == actor.clinic_id,
                                  Patient.pseudo_id == pseudo_id)
            .options(selectinload(Patient.identity)))
        if patient is not None and patient.identity is not None:
            identity = patient.identity
            identity.given_name = ERASED
            identity.family_name = ERASED
            identity.phone = None
            identity.email = None
            identity.record_number = None
            identity.date_of_birth = date(identity.date_of_birth.year, 1, 1)
            for table, column in ((AdverseEventRecord, "note"),
                                  (TreatmentSession, "deviation")):
                session.execute(update(table)
                                .where(table.clinic_id == actor.clinic_id,
                                       table.patient_id == patient.id)
                                .values({column: None}))
            record(session, ctx.audit_key, actor=actor, action=Action.UPDATE,
                   resource=_RESOURCE, patient=pseudo_id)
            found = True
        else:
            found = False
    if not found:
        record_alone(ctx, actor=actor, action=Action.UPDATE, resource=_RESOURCE,
                     outcome=Outcome.NOT_FOUND, patient=pseudo_id[:32])
        raise NotFound("no such patient")
    return get_patient(ctx, actor, pseudo_id)


def patient_bundle(ctx: Context, actor: Actor, pseudo_id: str) -> dict[str, Any]:
    """Everything held about one patient as a validated FHIR R4 ``collection`` Bundle.

    Patient (identity), one Condition per episode and one Observation per score; each read is
    audited by the services it goes through.
    """
    if not allowed(actor.role, UseCase.PATIENT_EXPORT):
        record_alone(ctx, actor=actor, action=Action.READ, resource="patient-export",
                     outcome=Outcome.DENIED, patient=pseudo_id[:32])
        raise PermissionDenied(f"the {actor.role.value} role may not export patient records")
    view = get_patient(ctx, actor, pseudo_id)
    reference = f"Patient/{view.id}"
    resources: list[dict[str, Any]] = [_patient_resource(view)]
    for number, episode in enumerate(view.episodes, start=1):
        condition: dict[str, Any] = {
            "resourceType": "Condition", "id": f"{view.id}-condition-{number}",
            "subject": {"reference": reference},
            "code": {"text": episode.kind.value if hasattr(episode.kind, "value")
                     else str(episode.kind)},
        }
        if episode.icd10:
            condition["code"]["coding"] = [{"system": "http://hl7.org/fhir/sid/icd-10",
                                            "code": episode.icd10}]
        if episode.onset:
            condition["onsetDateTime"] = episode.onset.isoformat()
        if episode.closed_on:
            condition["abatementDateTime"] = episode.closed_on.isoformat()
        resources.append(condition)
    resources.extend(observation_of(score) for score in list_scores(ctx, actor, pseudo_id))
    bundle = {
        "resourceType": "Bundle", "type": "collection",
        "entry": [{"fullUrl": f"urn:acuneuro:{r['resourceType']}:{r.get('id', n)}",
                   "resource": r} for n, r in enumerate(resources)],
    }
    Bundle.model_validate(bundle)
    return bundle


def _patient_resource(view: PatientView) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient", "id": view.id,
        "identifier": [{"system": "urn:acuneuro:pseudo-id", "value": view.id}],
        "name": [{"family": view.family_name, "given": [view.given_name]}],
        "birthDate": view.date_of_birth.isoformat(),
    }
    if view.sex in {"female", "male", "other", "unknown"}:
        resource["gender"] = view.sex
    if view.record_number:
        resource["identifier"].append({"type": {"text": "medical record number"},
                                       "value": view.record_number})
    telecom = [{"system": s, "value": v} for s, v in (("phone", view.phone),
                                                      ("email", view.email)) if v]
    if telecom:
        resource["telecom"] = telecom
    return resource
