"""A patient's rights under the GDPR: a full copy (Art. 15, 20) and erasure (Art. 17).

Erasure removes what identifies the person: names become ``ERASED``, telephone, email and
record number are deleted, the birth date keeps only its year (a Safe Harbor-level fact that
age-dependent clinical rules need), narrative free text (adverse-event descriptions, session
deviations) is replaced by the erased marker so the records stay valid, and every other stored
copy of an identifier (FHIR responses as posted, JSON copies of records and plans,
practitioner and rationale text, medicine names) is replaced too (services/_erasure.py).
The pseudonymous clinical record stays, as Art. 17(3)
allows for medical-record retention and research (Art. 89(1)), and so does the audit trail,
which holds pseudonymous ids only; the erasure itself is audited
(shared/reference/security-reliability.md A1.4).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._erasure import (
    ALWAYS_ERASED_RECORD_FIELDS,
    Identifiers,
    minimal_questionnaire_response,
    scrub,
    strings_in,
)
from acuneuro.services._errors import NotFound, ServiceError
from acuneuro.services._patient_models import PatientView
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services._refusals import role_refused_for
from acuneuro.services.assessment import FHIR_KEY, list_scores
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.services.fhir_assessment import observation_of
from acuneuro.services.patients import get_patient
from acuneuro.store import (
    AdverseEventRecord,
    Base,
    MedicationStatementRecord,
    Patient,
    PatientIdentity,
    PlanRecord,
    RecordRevision,
    ScoreRecord,
    TreatmentSession,
)

__all__ = ["ERASED", "erase_patient", "is_erased", "patient_bundle"]

ERASED = "(erased)"
_RESOURCE = "patient-identity"


def is_erased(view: PatientView) -> bool:
    """True for a patient whose identity has been erased."""
    return view.given_name == ERASED and view.family_name == ERASED


def erase_patient(ctx: Context, actor: Actor, pseudo_id: str, reason: str) -> PatientView:
    """Erase the identifying data of a patient of the caller's clinic (administrators only).

    Every stored copy is reached (services/_erasure.py); a surviving identifier aborts the
    erasure with nothing written.
    """
    if not allowed(actor.role, UseCase.PATIENT_ERASE):
        record_alone(ctx, actor=actor, action=Action.UPDATE, resource=_RESOURCE,
                     outcome=Outcome.DENIED, patient=pseudo_id[:32])
        raise role_refused_for(actor.role, UseCase.PATIENT_ERASE)
    if not reason.strip():
        raise ServiceError(_("reason: give the reason for the erasure"))
    with ctx.db.write() as session:
        patient = session.scalar(
            select(Patient).where(Patient.clinic_id == actor.clinic_id,
                                  Patient.pseudo_id == pseudo_id)
            .options(selectinload(Patient.identity)))
        if patient is not None and patient.identity is not None:
            _erase(session, patient, patient.identity)
            record(session, ctx.audit_key, actor=actor, action=Action.UPDATE,
                   resource=_RESOURCE, patient=pseudo_id)
            found = True
        else:
            found = False
    if not found:
        record_alone(ctx, actor=actor, action=Action.UPDATE, resource=_RESOURCE,
                     outcome=Outcome.NOT_FOUND, patient=pseudo_id[:32])
        raise NotFound(_("no such patient"))
    return get_patient(ctx, actor, pseudo_id)


def _erase(session: Session, patient: Patient, identity: PatientIdentity) -> None:
    found = Identifiers.of(given=identity.given_name, family=identity.family_name,
                           phone=identity.phone, email=identity.email,
                           record_number=identity.record_number, born=identity.date_of_birth)
    identity.given_name = ERASED
    identity.family_name = ERASED
    identity.phone = None
    identity.email = None
    identity.record_number = None
    identity.date_of_birth = date(identity.date_of_birth.year, 1, 1)
    for row in _rows(session, patient):
        for column in _TEXT_COLUMNS.get(type(row), ()):
            value = getattr(row, column)
            if value is None:
                continue
            if column in _ALWAYS_ERASED_COLUMNS:
                setattr(row, column, ERASED)
            else:
                setattr(row, column, scrub(value, found, ERASED)[0])
        if isinstance(row, TreatmentSession):
            record_json = dict(row.record_json)
            for field in ALWAYS_ERASED_RECORD_FIELDS:
                if record_json.get(field):
                    record_json[field] = ERASED
            row.record_json = record_json
        if isinstance(row, ScoreRecord) and FHIR_KEY in row.answers_json:
            answers = dict(row.answers_json)
            answers[FHIR_KEY] = minimal_questionnaire_response(answers[FHIR_KEY])
            row.answers_json = scrub(answers, found, ERASED)[0]
        if isinstance(row, RecordRevision) and row.kind == "patient":
            # Earlier names and contact data of a corrected registration go as well.
            row.previous_json = _erased_details(row.previous_json)
            row.changed_json = {k: [_erased_detail(k, v) for v in pair]
                                for k, pair in row.changed_json.items()}
            row.reason = ERASED
    session.flush()
    _verify(session, patient, found)


_DETAILS = frozenset({"given_name", "family_name", "phone", "email", "record_number"})


def _erased_detail(field: str, value: Any) -> Any:
    if value in (None, ""):
        return value
    if field == "date_of_birth":
        return f"{str(value)[:4]}-01-01"
    return ERASED if field in _DETAILS else value


def _erased_details(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _erased_detail(k, v) for k, v in values.items()}


def _rows(session: Session, patient: Patient) -> list[Any]:
    rows: list[Any] = []
    for table in _TEXT_COLUMNS:
        rows.extend(session.scalars(select(table).where(table.clinic_id == patient.clinic_id,
                                                        table.patient_id == patient.id)))
    return rows


def _verify(session: Session, patient: Patient, found: Identifiers) -> None:
    """Fail closed: an identifier left in any stored text aborts the whole erasure.

    The check reads every text and JSON column of every table that holds a ``patient_id``,
    found from the schema, so a column added later is checked even before the sweep knows it.
    """
    session.flush()
    for table, columns in _verified_columns().items():
        rows = session.execute(select(*columns).where(table.c.patient_id == patient.id))
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                if any(found.found_in(text) for text in strings_in(value)):
                    # The table and column are for the administrator who must find the copy.
                    raise ServiceError(
                        _("An identifier of the patient is still held in %(place)s; nothing "
                          "was erased.") % {"place": f"{table.name}.{column.name}"})


def _verified_columns() -> dict[sa.Table, list[sa.Column[Any]]]:
    found: dict[sa.Table, list[sa.Column[Any]]] = {}
    for table in Base.metadata.sorted_tables:
        if "patient_id" not in table.c:
            continue
        texts = [c for c in table.c if isinstance(c.type, sa.String | sa.JSON)]
        if texts:
            found[table] = texts
    return found


# Every stored text of a patient's record, by table; the first group is narrative only.
_ALWAYS_ERASED_COLUMNS = frozenset({"note", "deviation"})
_TEXT_COLUMNS: dict[type[Any], tuple[str, ...]] = {
    AdverseEventRecord: ("note", "action", "outcome"),
    TreatmentSession: ("deviation", "record_json", "screen_json"),
    ScoreRecord: ("answers_json",),
    PlanRecord: ("case_json", "plan_json"),
    MedicationStatementRecord: ("drug",),
    RecordRevision: ("reason", "previous_json", "changed_json"),
}


def patient_bundle(ctx: Context, actor: Actor, pseudo_id: str) -> dict[str, Any]:
    """Everything held about one patient as a validated FHIR R4 ``collection`` Bundle.

    Patient (identity), one Condition per episode and one Observation per score; each read is
    audited by the services it goes through.
    """
    if not allowed(actor.role, UseCase.PATIENT_EXPORT):
        record_alone(ctx, actor=actor, action=Action.READ, resource="patient-export",
                     outcome=Outcome.DENIED, patient=pseudo_id[:32])
        raise role_refused_for(actor.role, UseCase.PATIENT_EXPORT)
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
