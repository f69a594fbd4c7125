"""A patient's record as FHIR R4: every resource, Bundles a server takes, and import.

``patient_resources`` gives every resource of one patient with its stable logical id
(``interop.fhir_ids``: clinic + table + primary key, so the REST face serves the same id) and
``read_resource`` one of them by type and id;
``export_bundle`` wraps them in a ``transaction`` Bundle that PUTs each at ``Type/id`` (or, for a
server that assigns its own ids, POSTs each with a ``urn:uuid`` fullUrl; or a ``collection``),
``everything`` in the ``searchset`` of ``Patient/$everything``. The default profile is
pseudonymous (pseudonymous id, sex, birth YEAR: no name, contact data or record number); the
``identified`` profile, when the clinic chooses it, adds the name, birth date, the record number
and a national identifier for matching in a hospital record. Reads are one snapshot (never the
writer lock) and audited like every patient read.

``import_bundle`` reads a Bundle (acuneuro's own, or standard resources from another system: a
LOINC-coded NRS Observation, a QuestionnaireResponse to an acuneuro Questionnaire) into a NEW
patient of the caller's clinic, or into an existing one (``into``). Every resource is checked
first; any it cannot take is named in :class:`BundleRefused` and nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.i18n import gettext as _
from acuneuro.interop.fhir_bundle import (
    collection_bundle,
    conditional_transaction,
    searchset_bundle,
    transaction_bundle,
)
from acuneuro.interop.fhir_ids import NAMESPACE, logical_id
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._context import Context
from acuneuro.services._course_common import (
    CourseRefused,
    load_patient,
    not_found,
    refused,
    require,
)
from acuneuro.services._fhir_corrections import is_entered_in_error
from acuneuro.services._fhir_import import (
    IMPORTED_VERSION,
    read_bundle,
    store_content,
    store_patient,
)
from acuneuro.services._fhir_resources import (
    EXT_PLAN,
    PSEUDO_SYSTEM,
    RECORD_SYSTEM,
    Profile,
    resources_of,
)
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action, record
from acuneuro.services.patients import new_pseudo_id
from acuneuro.services.throttle import Work, check_work
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
    "IMPORTED_VERSION",
    "PSEUDO_SYSTEM",
    "RECORD_SYSTEM",
    "BundleRefused",
    "Profile",
    "everything",
    "export_bundle",
    "import_bundle",
    "patient_resources",
    "read_resource",
]

_RESOURCE = "fhir-bundle"
T = TypeVar("T")


class BundleRefused(ValueError):
    """A Bundle acuneuro cannot take whole; ``problems`` has one sentence per resource."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _read(ctx: Context, actor: Actor, pseudo_id: str,
          build: Callable[[Session, Patient], T], *, export: bool = True) -> T:
    require(ctx, actor, UseCase.COURSE_READ, Action.READ, _RESOURCE, pseudo_id)
    if export:
        check_work(ctx, Work.FHIR_EXPORT, actor)
    # One consistent snapshot, never the writer lock; the result is returned only once its
    # audit row is committed (services._audit_group).
    with ctx.db.snapshot() as session:
        patient = load_patient(session, actor, pseudo_id)
        result = None if patient is None else build(session, patient)
    if result is None:
        not_found(ctx, actor, Action.READ, _RESOURCE, pseudo_id)
    record_read(ctx, actor, Action.READ, _RESOURCE, [pseudo_id])
    return result


def patient_resources(ctx: Context, actor: Actor, pseudo_id: str, *,
                      profile: Profile = "pseudonymous", national_id: str | None = None,
                      export: bool = True) -> list[dict[str, Any]]:
    """Every FHIR resource of the patient, each with its stable logical id (audited read).

    ``export`` counts the read against the FHIR-export limit (services.throttle); a REST read
    of one resource passes False and is limited like any other API read.
    """
    return _read(ctx, actor, pseudo_id,
                 lambda s, p: _resources(s, p, profile, national_id), export=export)


def _resources(session: Session, patient: Patient, profile: Profile,
               national_id: str | None) -> list[dict[str, Any]]:
    """The read itself (inside the snapshot); a seam the writer-lock test spies on."""
    return resources_of(session, patient, profile, national_id)


def export_bundle(ctx: Context, actor: Actor, pseudo_id: str, *,
                  kind: Literal["transaction", "conditional", "create",
                                "collection"] = "transaction",
                  profile: Profile = "pseudonymous",
                  national_id: str | None = None) -> dict[str, Any]:
    """The patient's record as a validated Bundle.

    ``transaction`` (default) PUTs every resource at its id; ``conditional`` and ``create`` are the
    same transaction for a server that assigns its own ids (POST with ``urn:uuid`` fullUrls, with
    or without ``ifNoneExist``, ``fhir_bundle.conditional_transaction``); ``collection`` a file.
    """
    resources = patient_resources(ctx, actor, pseudo_id, profile=profile,
                                  national_id=national_id)
    bundle_id = str(uuid.uuid5(NAMESPACE, f"bundle|{actor.clinic_id}|{pseudo_id}|{profile}"))
    if kind == "collection":
        return collection_bundle(resources, bundle_id)
    bundle = transaction_bundle(resources, bundle_id)
    if kind == "transaction":
        return bundle
    return conditional_transaction(bundle, if_none_exist=kind == "conditional")


_TABLES: dict[str, Any] = {
    "Condition": Episode, "CarePlan": PlanRecord, "Observation": ScoreRecord,
    "QuestionnaireResponse": ScoreRecord, "Procedure": TreatmentSession,
    "MedicationStatement": MedicationStatementRecord, "AdverseEvent": AdverseEventRecord,
}


def read_resource(ctx: Context, actor: Actor, resource_type: str, resource_id: str
                  ) -> dict[str, Any]:
    """One resource by its logical id, exactly as it is in the patient's Bundles.

    The id is a one-way hash, so the clinic's rows of that table are hashed to find it;
    ``NotFound`` for an unknown type or id, or one of another clinic (audited like any miss).
    """
    require(ctx, actor, UseCase.COURSE_READ, Action.READ, _RESOURCE, None)
    pseudo: str | None = resource_id if resource_type == "Patient" else None
    model = _TABLES.get(resource_type)
    if model is not None:
        part = "response" if resource_type == "QuestionnaireResponse" else ""
        with ctx.db.snapshot() as session:
            rows = session.execute(select(model.id, model.patient_id)
                                   .where(model.clinic_id == actor.clinic_id)).all()
            owner = next((patient for pk, patient in rows if logical_id(
                actor.clinic_id, model.__tablename__, pk, part) == resource_id), None)
            if owner is not None:
                pseudo = session.scalar(select(Patient.pseudo_id).where(
                    Patient.clinic_id == actor.clinic_id, Patient.id == owner))
    if pseudo is None:
        not_found(ctx, actor, Action.READ, _RESOURCE, resource_id, "resource")
    found = next((r for r in patient_resources(ctx, actor, pseudo, export=False)
                  if (r["resourceType"], r["id"]) == (resource_type, resource_id)), None)
    if found is None:
        not_found(ctx, actor, Action.READ, _RESOURCE, resource_id, "resource")
    return found


def everything(ctx: Context, actor: Actor, pseudo_id: str, *,
               self_url: str | None = None) -> dict[str, Any]:
    """``Patient/$everything``: a ``searchset`` of every resource of the patient."""
    resources = patient_resources(ctx, actor, pseudo_id)
    return searchset_bundle(resources, self_url=self_url, match="Patient")


def import_bundle(ctx: Context, actor: Actor, bundle: Mapping[str, Any], *,
                  into: str | None = None) -> str:
    """Import a Bundle as a new patient (or into patient ``into``); the patient's pseudonymous id.

    :class:`BundleRefused` (a ``ValueError``) names every resource that cannot be taken, and
    nothing is written then; ``NotFound`` when ``into`` is not a patient of the caller's clinic.
    """
    require(ctx, actor, UseCase.PATIENT_RECORD, Action.CREATE, _RESOURCE, into)
    if isinstance(bundle, Mapping) and isinstance(bundle.get("entry"), list):
        # Records retracted as entered in error are not part of the course: not imported.
        bundle = {**bundle, "entry": [e for e in bundle["entry"] if not is_entered_in_error(e)]}
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise BundleRefused([_("resourceType: not a FHIR Bundle")])
    content = read_bundle(bundle)
    if into is None and content.person is None:
        content.problems.insert(0, _("Bundle: no Patient entry (or name the patient to import "
                                     "into)"))
    if content.problems:
        raise BundleRefused(content.problems)
    pseudo = into or new_pseudo_id()
    patient: Patient | None = None
    try:
        with ctx.db.write() as session:
            if into is not None:
                patient = load_patient(session, actor, into, lock=True)
            elif content.person is not None:
                patient = store_patient(session, actor, pseudo, content.person)
            if patient is not None:
                store_content(session, actor, patient, content)
                record(session, ctx.audit_key, actor=actor, action=Action.CREATE,
                       resource=_RESOURCE, patient=pseudo)
    except CourseRefused as exc:
        refused(ctx, actor, Action.CREATE, _RESOURCE, pseudo, str(exc))
    if patient is None:
        not_found(ctx, actor, Action.CREATE, _RESOURCE, pseudo)
    return pseudo
