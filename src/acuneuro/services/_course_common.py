"""What every course use case shares: the role check, the clinic-scoped patient, the refusals.

Copied from the patient services' pattern (``services/patients.py``): the clinic is part of every
query, so another clinic's patient is "not found" exactly like an id that never existed; a role
that may not act is refused and audited alone; a refusal of the content is audited as a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import NoReturn, TypeVar

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._context import Context
from acuneuro.services._errors import NotFound, ServiceError
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services._refusals import not_found_sentence, role_refused_for
from acuneuro.services.audit import Action, Outcome, record_alone
from acuneuro.store import Patient, PlanRecord

__all__ = [
    "CourseRefused",
    "accepted_plan",
    "audited_read",
    "episodes_loader",
    "load_patient",
    "not_found",
    "refused",
    "require",
]


class CourseRefused(ServiceError):
    """The course record cannot be written as asked; the message says why. Nothing was written."""


def require(
    ctx: Context, actor: Actor, use_case: UseCase, action: Action, resource: str,
    pseudo_id: str | None,
) -> None:
    """Refuse (and audit) a role the policy does not let do ``use_case``."""
    if not allowed(actor.role, use_case):
        record_alone(ctx, actor=actor, action=action, resource=resource,
                     outcome=Outcome.DENIED, patient=(pseudo_id or "")[:32] or None)
        raise role_refused_for(actor.role, use_case)


def load_patient(session: Session, actor: Actor, pseudo_id: str, *, lock: bool = False,
                 record: bool = True) -> Patient | None:
    """The patient of the caller's clinic with this pseudonymous id, or None.

    With ``record=False`` the identity and episodes are not loaded (a read that needs the
    patient's row alone: its ids).
    """
    return session.scalar(_patient_query(record=record, lock=lock),
                          {"clinic": actor.clinic_id, "pseudo_id": pseudo_id})


# Built once per variant, with bound parameters: building the statement anew cost more than
# running it (about 0.3 ms of SQLAlchemy expression building per course read, measured).
@cache
def _patient_query(*, record: bool, lock: bool) -> Select[Patient]:
    query = select(Patient).where(Patient.clinic_id == bindparam("clinic"),
                                  Patient.pseudo_id == bindparam("pseudo_id"))
    if record:
        query = query.options(selectinload(Patient.identity), episodes_loader(one=True))
    # Serialises course writes per patient on PostgreSQL (session numbers cannot interleave).
    return query.with_for_update(of=Patient) if lock else query


def episodes_loader(*, one: bool) -> LoaderOption:
    """How to load ``Patient.episodes``: joined for one patient, a second query for many.

    For one patient, the select-in query (``WHERE patients.id IN (?)``, joined on clinic and
    patient) makes SQLite search episodes through their clinic index, a scan of the whole
    clinic (measured: the patient page fell tenfold from 10,000 to 1,000,000 patients); the
    joined load searches them through ``patient_id``.
    """
    return joinedload(Patient.episodes) if one else selectinload(Patient.episodes)


_T = TypeVar("_T")


def audited_read(
    ctx: Context, actor: Actor, use_case: UseCase, action: Action, resource: str,
    pseudo_id: str, read: Callable[[Session, Patient], _T], *, record: bool = True,
) -> _T:
    """Read a patient's course data: role check, clinic scope, and the audit row in one go.

    The read runs in a read transaction; the result is returned only once its audit row is
    committed (``services._audit_group``). ``record=False``: ``read`` is given the patient's
    row without its identity and episodes (``load_patient``).
    """
    require(ctx, actor, use_case, action, resource, pseudo_id)
    with ctx.db.read() as session:
        patient = load_patient(session, actor, pseudo_id, record=record)
        results = [] if patient is None else [read(session, patient)]
    if not results:
        not_found(ctx, actor, action, resource, pseudo_id)
    record_read(ctx, actor, action, resource, [pseudo_id])
    return results[0]


def accepted_plan(session: Session, patient: Patient) -> PlanRecord | None:
    """The patient's current accepted plan (the newest), or None."""
    return session.scalar(_ACCEPTED, {"clinic": patient.clinic_id, "patient": patient.id})


_ACCEPTED = (
    select(PlanRecord)
    .where(PlanRecord.clinic_id == bindparam("clinic"),
           PlanRecord.patient_id == bindparam("patient"), PlanRecord.status == "accepted")
    .order_by(PlanRecord.id.desc())
    .limit(1)
)


def not_found(ctx: Context, actor: Actor, action: Action, resource: str, pseudo_id: str,
              what: str = "patient") -> NoReturn:
    """Audit and raise the one answer for "not in your clinic" and "does not exist"."""
    record_alone(ctx, actor=actor, action=action, resource=resource,
                 outcome=Outcome.NOT_FOUND, patient=pseudo_id[:32])
    raise NotFound(not_found_sentence(what))


def refused(ctx: Context, actor: Actor, action: Action, resource: str, pseudo_id: str,
            message: str | CourseRefused) -> NoReturn:
    """Audit a refused write (after its transaction rolled back) and raise the message.

    Given the refusal itself, it is raised again as it is (a ``FieldRefused`` keeps its field,
    a ``NeedsConfirmation`` its warnings).
    """
    record_alone(ctx, actor=actor, action=action, resource=resource,
                 outcome=Outcome.FAILURE, patient=pseudo_id[:32])
    if isinstance(message, CourseRefused):
        raise message
    raise CourseRefused(message)
