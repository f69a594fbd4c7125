"""Patient use cases: create, list, read, update; each scoped to the caller's clinic and audited.

The clinic scope is part of every query (``_in_clinic``; the Core reads of ``_patient_reads``),
so another clinic's patient is simply not found: the caller gets the same answer as for an id
that never existed (no existence oracle, Medplum ``accesspolicy.test.ts``). Every patient read
or written gets its own audit row; a write in its own transaction, a list one row per patient
returned. Reads read in a read transaction and return only once their audit rows are committed
(``services._audit_group``).
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import NoReturn

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from acuneuro.i18n import gettext as _
from acuneuro.services import _patient_reads as reads
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._clinical_checks import check_clinical_date
from acuneuro.services._context import Context
from acuneuro.services._course_common import episodes_loader
from acuneuro.services._errors import Conflict, NotFound
from acuneuro.services._input_limits import check_input
from acuneuro.services._patient_duplicates import ProbableDuplicate, probable_duplicates
from acuneuro.services._patient_models import (
    EpisodeView,
    PatientCreate,
    PatientUpdate,
    PatientView,
)
from acuneuro.services._patient_search import (
    PatientSort,
    criteria,
)
from acuneuro.services._policy import UseCase, roles_for
from acuneuro.services._refusals import role_refused_for
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.services.corrections import keep_patient_revision, patient_details
from acuneuro.store import ACTIVE, Episode, Patient, PatientIdentity

__all__ = [
    "PATIENT_ROLES",
    "PatientPage",
    "PatientSort",
    "ProbableDuplicate",
    "create_patient",
    "get_patient",
    "list_patients",
    "new_pseudo_id",
    "search_patients",
    "update_patient",
]

# Researchers work on de-identified exports only (ASVS 5.0 8.2.3); they never see identities.
PATIENT_ROLES = roles_for(UseCase.PATIENT_RECORD)
_RESOURCE = "patient"
_PSEUDO_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U


def new_pseudo_id() -> str:
    """A random pseudonymous id (60 bits), not derived from anything about the patient."""
    return "P" + "".join(secrets.choice(_PSEUDO_ALPHABET) for _ in range(12))


class PatientPage(BaseModel):
    """One page of the clinic's patients, with how many match in all."""

    items: list[PatientView]
    total: int
    offset: int
    limit: int
    sort: PatientSort
    # By patient id; a patient without one is absent.
    last_visit: dict[str, date] = {}
    next_appointment: dict[str, date] = {}


def create_patient(ctx: Context, actor: Actor, data: PatientCreate) -> PatientView:
    """Register a patient in the caller's clinic.

    Raises ``ProbableDuplicate`` (a ``Conflict``) with the existing patients, writing nothing,
    when one of the clinic's patients has the same birth date and the same or nearly the same
    name, unless ``data.confirm_duplicate``; the candidates shown are audited as reads.
    """
    _require_role(ctx, actor, Action.CREATE)
    check_input(data)
    if data.condition is not None:  # FieldRefused("onset") before anything is read or written
        check_clinical_date("onset", _("The onset"), data.condition.onset, data.date_of_birth)
    try:
        return _create(ctx, actor, data)
    except ProbableDuplicate as refusal:
        record_read(ctx, actor, Action.READ, _RESOURCE, [v.id for v in refusal.candidates])
        raise


def _create(ctx: Context, actor: Actor, data: PatientCreate) -> PatientView:
    try:
        with ctx.db.write() as session:
            if not data.confirm_duplicate and (twins := probable_duplicates(
                session, actor.clinic_id, data.given_name, data.family_name, data.date_of_birth
            )):
                raise ProbableDuplicate([_view(p) for p in twins])
            patient = Patient(clinic_id=actor.clinic_id, pseudo_id=new_pseudo_id(), sex=data.sex)
            patient.identity = PatientIdentity(
                clinic_id=actor.clinic_id,
                **data.model_dump(include={"given_name", "family_name", "date_of_birth",
                                           "phone", "email", "record_number"}),
            )
            if data.condition is not None:
                patient.episodes.append(
                    Episode(clinic_id=actor.clinic_id, condition_kind=data.condition.kind,
                            icd10=data.condition.icd10, onset=data.condition.onset)
                )
            session.add(patient)
            session.flush()
            record(session, ctx.audit_key, actor=actor, action=Action.CREATE,
                   resource=_RESOURCE, patient=patient.pseudo_id)
            return _view(patient)
    except IntegrityError:
        raise Conflict(
            _("record_number: already used for another patient of this clinic")) from None


def list_patients(
    ctx: Context, actor: Actor, search: str | None = None, *, limit: int = 100, offset: int = 0
) -> list[PatientView]:
    """Patients of the caller's clinic, by family name, optionally matching ``search``."""
    return search_patients(ctx, actor, search, limit=limit, offset=offset).items


def search_patients(
    ctx: Context,
    actor: Actor,
    search: str | None = None,
    *,
    sort: PatientSort = PatientSort.NAME,
    limit: int = 100,
    offset: int = 0,
) -> PatientPage:
    """One page of the caller's clinic's patients matching ``search`` (``_patient_search``).

    The total counts every match in the clinic, so the page can say "101-200 of 1,234".
    One audit row per patient returned, as for every read.
    """
    _require_role(ctx, actor, Action.LIST)
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    today = date.today()
    match = criteria(search[:200]) if search else None
    with ctx.db.read_connection() as connection:
        if match is None:
            total = reads.count_in_clinic(connection, actor.clinic_id)
        else:
            total = connection.scalar(  # count(*): see _patient_reads._COUNT
                select(func.count()).select_from(PatientIdentity)
                .join(Patient, Patient.id == PatientIdentity.patient_id)
                .where(PatientIdentity.clinic_id == actor.clinic_id,
                       Patient.clinic_id == actor.clinic_id, match)) or 0
        views, ids = reads.page_of_patients(connection, actor.clinic_id, sort, today, limit,
                                            offset, match)
        visits, appointments = reads.visits_and_appointments(connection, actor.clinic_id, ids,
                                                             today)
    record_read(ctx, actor, Action.LIST, _RESOURCE, [v.id for v in views])
    return PatientPage(items=views, total=total, offset=offset, limit=limit, sort=sort,
                       last_visit=visits, next_appointment=appointments)


def get_patient(ctx: Context, actor: Actor, pseudo_id: str) -> PatientView:
    """One patient of the caller's clinic."""
    _require_role(ctx, actor, Action.READ, pseudo_id)
    with ctx.db.read_connection() as connection:
        view = reads.one_patient(connection, actor.clinic_id, pseudo_id)
    if view is None:
        _not_found(ctx, actor, Action.READ, pseudo_id)
    record_read(ctx, actor, Action.READ, _RESOURCE, [pseudo_id])
    return view


def update_patient(
    ctx: Context, actor: Actor, pseudo_id: str, changes: PatientUpdate
) -> PatientView:
    """Change the fields given in ``changes`` (an empty change is a no-op, still audited)."""
    _require_role(ctx, actor, Action.UPDATE, pseudo_id)
    check_input(changes)
    given = changes.model_dump(exclude_unset=True)
    try:
        with ctx.db.write() as session:
            patient = _load(session, actor, pseudo_id)
            if patient is not None:
                before = patient_details(patient)
                if "sex" in given:
                    patient.sex = given.pop("sex")
                for field, value in given.items():
                    setattr(patient.identity, field, value)
                session.flush()
                keep_patient_revision(session, actor, patient, before,
                                      _("Changed through the patient API (no reason given)."))
                record(session, ctx.audit_key, actor=actor, action=Action.UPDATE,
                       resource=_RESOURCE, patient=pseudo_id)
                return _view(patient)
    except IntegrityError:
        raise Conflict(
            _("record_number: already used for another patient of this clinic")) from None
    _not_found(ctx, actor, Action.UPDATE, pseudo_id)


def _in_clinic(actor: Actor, *, one: bool = False) -> Select[Patient]:
    return (
        select(Patient)
        .join(PatientIdentity, PatientIdentity.patient_id == Patient.id)
        .where(Patient.clinic_id == actor.clinic_id, PatientIdentity.clinic_id == actor.clinic_id)
        .options(selectinload(Patient.identity), episodes_loader(one=one))
    )


def _load(session: Session, actor: Actor, pseudo_id: str) -> Patient | None:
    return session.scalar(_in_clinic(actor, one=True).where(Patient.pseudo_id == pseudo_id))


def _require_role(ctx: Context, actor: Actor, action: Action, pseudo_id: str | None = None) -> None:
    if actor.role not in PATIENT_ROLES:
        record_alone(ctx, actor=actor, action=action, resource=_RESOURCE,
                     outcome=Outcome.DENIED, patient=pseudo_id)
        raise role_refused_for(actor.role, UseCase.PATIENT_RECORD)


def _not_found(ctx: Context, actor: Actor, action: Action, pseudo_id: str) -> NoReturn:
    # The id the caller asked for is recorded as given: it may not exist in any clinic.
    record_alone(ctx, actor=actor, action=action, resource=_RESOURCE,
                 outcome=Outcome.NOT_FOUND, patient=pseudo_id[:32])
    raise NotFound(_("no such patient"))


def _view(patient: Patient) -> PatientView:
    identity = patient.identity
    return PatientView(
        id=patient.pseudo_id,
        given_name=identity.given_name,
        family_name=identity.family_name,
        date_of_birth=identity.date_of_birth,
        sex=patient.sex,
        phone=identity.phone,
        email=identity.email,
        record_number=identity.record_number,
        episodes=[
            EpisodeView(kind=e.condition_kind, icd10=e.icd10, onset=e.onset, closed_on=e.closed_on)
            for e in patient.episodes if e.status == ACTIVE
        ],
        created_at=patient.created_at,
        updated_at=patient.updated_at,
    )
