"""Planning use cases: propose a plan from the clinician's case, edit it, accept it, schedule it.

The case document is the clinician's; what the record already knows fills the gaps (age and
sex from the patient, the condition from the open episode, ``assessed_on`` from the caller),
and the result must validate as a ``ClinicalCase`` (``pydantic.ValidationError`` naming the
field otherwise). Plans are stored with their case, so a plan can always be re-screened and
shown with what it was built from. Like the patient services, every query is scoped to the
caller's clinic (another clinic's patient or plan is simply not found) and every read or
change is audited in its own transaction; refusals are audited alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, NoReturn

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from acuneuro.clinical.case import STORED_CASE, ClinicalCase
from acuneuro.clinical.planner import Plan, build_plan
from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._context import Context
from acuneuro.services._course_common import episodes_loader
from acuneuro.services._errors import NotFound
from acuneuro.services._input_limits import check_input
from acuneuro.services._patient_models import PatientView
from acuneuro.services._patient_reads import patient_row_id
from acuneuro.services._plan_edit import (
    PlanRefused,
    PointRefused,
    apply_edit,
    refuse_stop,
    schedule_visits,
)
from acuneuro.services._plan_models import (
    Acceptance,
    CourseChange,
    PlanEdit,
    PlanSummary,
    PlanView,
    PointAddition,
    ScheduledVisit,
    point_key,
)
from acuneuro.services._policy import UseCase, roles_for
from acuneuro.services._refusals import not_found_sentence, plan_status_word, role_refused_for
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.services.clinic_calendar import calendar_in
from acuneuro.store import Patient, PlannedSession, PlanRecord, Role, User, utcnow

__all__ = [
    "READ_ROLES",
    "WRITE_ROLES",
    "Acceptance",
    "CourseChange",
    "PlanEdit",
    "PlanRefused",
    "PlanSummary",
    "PlanView",
    "PointAddition",
    "PointRefused",
    "ScheduledVisit",
    "accept_plan",
    "case_defaults",
    "current_plan",
    "edit_plan",
    "get_plan",
    "list_plans",
    "point_key",
    "propose_plan",
]

READ_ROLES = roles_for(UseCase.PLAN_READ)
# A plan is a clinical decision: only clinicians propose, change or accept one (the policy).
WRITE_ROLES = roles_for(UseCase.PLAN_WRITE)
_RESOURCE = "plan"


def case_defaults(patient: PatientView, assessed_on: date) -> dict[str, Any]:
    """What the record already says for a new case: age, sex, condition, assessment date."""
    return _defaults(patient.date_of_birth, patient.sex,
                     [(e.kind.value, e.icd10, e.onset, e.closed_on) for e in patient.episodes],
                     assessed_on)  # fmt: skip


def propose_plan(
    ctx: Context, actor: Actor, pseudo_id: str, document: Mapping[str, Any], *, today: date
) -> PlanView:
    """Build the case from ``document`` and the record, plan it, and store it as proposed."""
    _require(ctx, actor, WRITE_ROLES, Action.CREATE, pseudo_id)
    with ctx.db.write() as session:
        patient = _patient(session, actor, pseudo_id, lock=True)
        if patient is not None:
            case = _case(patient, document, today)
            plan = build_plan(case)
            episode = next((e for e in reversed(patient.episodes) if e.closed_on is None
                            and e.condition_kind.value == case.condition.kind.value), None)
            row = PlanRecord(
                clinic_id=actor.clinic_id, patient_id=patient.id,
                episode_id=episode.id if episode is not None else None, status="proposed",
                condition_kind=case.condition.kind.value, safety_status=plan.safety.status,
                case_json=case.model_dump(mode="json"), plan_json=plan.model_dump(mode="json"),
                created_by=actor.user_id,
            )  # fmt: skip
            session.add(row)
            session.flush()
            record(session, ctx.audit_key, actor=actor, action=Action.CREATE,
                   resource=_RESOURCE, patient=pseudo_id)
            return _view(session, row, pseudo_id)
    _not_found(ctx, actor, Action.CREATE, pseudo_id, "patient")


def list_plans(ctx: Context, actor: Actor, pseudo_id: str) -> list[PlanSummary]:
    """The patient's plans, newest first (withdrawn and entered-in-error ones left out)."""
    _require(ctx, actor, READ_ROLES, Action.LIST, pseudo_id)
    with ctx.db.read_connection() as connection:  # Core: no ORM objects (_patient_reads)
        patient = patient_row_id(connection, actor.clinic_id, pseudo_id)
        found = None if patient is None else [_summary(row) for row in connection.execute(
            _LISTED, {"clinic": actor.clinic_id, "patient": patient})]
    if found is None:
        _not_found(ctx, actor, Action.LIST, pseudo_id, "patient")
    record_read(ctx, actor, Action.LIST, _RESOURCE, [pseudo_id])
    return found


def get_plan(ctx: Context, actor: Actor, pseudo_id: str, plan_id: int) -> PlanView:
    """One plan of the patient, with its case and schedule."""
    _require(ctx, actor, READ_ROLES, Action.READ, pseudo_id)
    with ctx.db.read() as session:
        row = _plan(session, actor, pseudo_id, plan_id)
        view = None if row is None else _view(session, row, pseudo_id)
    if view is None:
        _not_found(ctx, actor, Action.READ, pseudo_id, "plan")
    record_read(ctx, actor, Action.READ, _RESOURCE, [pseudo_id])
    return view


def current_plan(ctx: Context, actor: Actor, pseudo_id: str) -> PlanView | None:
    """The patient's accepted plan with its schedule, or ``None`` when none is accepted."""
    _require(ctx, actor, READ_ROLES, Action.READ, pseudo_id)
    with ctx.db.write() as session:
        patient = _patient(session, actor, pseudo_id)
        if patient is not None:
            row = session.scalar(
                select(PlanRecord)
                .where(PlanRecord.clinic_id == actor.clinic_id,
                       PlanRecord.patient_id == patient.id, PlanRecord.status == "accepted")
                .order_by(PlanRecord.id.desc())
                .limit(1)
            )
            record(session, ctx.audit_key, actor=actor, action=Action.READ,
                   resource=_RESOURCE, patient=pseudo_id)
            return _view(session, row, pseudo_id) if row is not None else None
    _not_found(ctx, actor, Action.READ, pseudo_id, "patient")


def edit_plan(
    ctx: Context, actor: Actor, pseudo_id: str, plan_id: int, edit: PlanEdit | Mapping[str, Any]
) -> PlanView:
    """Apply the clinician's changes to a proposed plan; excluded points are refused.

    A raw ``edit`` is validated after the plan is found (``ValidationError`` naming the field),
    so an outsider learns nothing, not even whether the request was well formed.
    """
    _require(ctx, actor, WRITE_ROLES, Action.UPDATE, pseudo_id)
    try:
        with ctx.db.write() as session:
            row = _plan(session, actor, pseudo_id, plan_id, lock=True)
            if row is not None:
                if row.status != "proposed":
                    raise PlanRefused(_("This plan is %(status)s; only a proposed plan can be "
                                        "changed (propose a new one).") % {
                                          "status": plan_status_word(row.status)})
                case = ClinicalCase.model_validate(row.case_json, context=STORED_CASE)
                change = edit if isinstance(edit, PlanEdit) else PlanEdit.model_validate(edit)
                check_input(change)
                plan = apply_edit(Plan.model_validate(row.plan_json), case, change)
                row.plan_json = plan.model_dump(mode="json")
                row.safety_status = plan.safety.status
                session.flush()
                record(session, ctx.audit_key, actor=actor, action=Action.UPDATE,
                       resource=_RESOURCE, patient=pseudo_id)
                return _view(session, row, pseudo_id)
    except PlanRefused:
        _refused(ctx, actor, Action.UPDATE, pseudo_id)
        raise
    _not_found(ctx, actor, Action.UPDATE, pseudo_id, "plan")


def accept_plan(
    ctx: Context, actor: Actor, pseudo_id: str, plan_id: int, start_on: date | Mapping[str, Any]
) -> PlanView:
    """Accept a proposed plan, supersede the earlier accepted one, schedule from ``start_on``.

    A raw ``{"start_on": ...}`` is validated after the plan is found, as in ``edit_plan``.
    """
    _require(ctx, actor, WRITE_ROLES, Action.UPDATE, pseudo_id)
    try:
        with ctx.db.write() as session:
            row = _plan(session, actor, pseudo_id, plan_id, lock=True)
            if row is not None:
                start = start_on if isinstance(start_on, date) else (
                    Acceptance.model_validate(start_on).start_on)
                check_input(Acceptance(start_on=start))
                _accept(session, ctx, actor, row, start, pseudo_id)
                return _view(session, row, pseudo_id)
    except PlanRefused:
        _refused(ctx, actor, Action.UPDATE, pseudo_id)
        raise
    _not_found(ctx, actor, Action.UPDATE, pseudo_id, "plan")


def _accept(
    session: Session, ctx: Context, actor: Actor, row: PlanRecord, start_on: date, pseudo_id: str
) -> None:
    if row.status != "proposed":
        raise PlanRefused(_("This plan is already %(status)s.") % {
            "status": plan_status_word(row.status)})
    plan = Plan.model_validate(row.plan_json)
    refuse_stop(plan, "accept")
    if not plan.points:
        raise PlanRefused(_("The plan has no points to accept."))
    visits = schedule_visits(plan.course, start_on, calendar_in(session, row.clinic_id))
    session.execute(
        update(PlanRecord)
        .where(PlanRecord.clinic_id == actor.clinic_id, PlanRecord.patient_id == row.patient_id,
               PlanRecord.status == "accepted")
        .values(status="superseded")
    )
    row.status = "accepted"
    row.accepted_by = actor.user_id
    row.accepted_at = utcnow()
    row.start_on = start_on
    session.add_all(
        PlannedSession(clinic_id=row.clinic_id, patient_id=row.patient_id, plan_id=row.id,
                       number=v.number, due_on=v.due_on, reassessment=v.reassessment,
                       instruments_due=v.instruments_due)
        for v in visits
    )
    session.flush()
    record(session, ctx.audit_key, actor=actor, action=Action.UPDATE, resource=_RESOURCE,
           patient=pseudo_id)
    record(session, ctx.audit_key, actor=actor, action=Action.CREATE, resource="schedule",
           patient=pseudo_id)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _defaults(
    born: date,
    sex: str | None,
    episodes: list[tuple[str, str | None, date | None, date | None]],
    assessed_on: date,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "patient": {"age": _age(born, assessed_on), "sex": sex or "unknown"},
        "assessed_on": assessed_on.isoformat(),
    }
    open_episodes = [e for e in episodes if e[3] is None]
    if open_episodes:
        kind, icd10, onset, _closed = open_episodes[-1]
        condition = {"kind": kind, "icd10": icd10, "onset": onset.isoformat() if onset else None}
        found["condition"] = {k: v for k, v in condition.items() if v is not None}
    return found


def _case(patient: Patient, document: Mapping[str, Any], today: date) -> ClinicalCase:
    """The document with the record's facts where it is silent, validated."""
    raw = dict(document)
    assessed = raw.get("assessed_on")
    on = date.fromisoformat(assessed) if isinstance(assessed, str) and _is_date(assessed) else today
    defaults = _defaults(patient.identity.date_of_birth, patient.sex,
                         [(e.condition_kind.value, e.icd10, e.onset, e.closed_on)
                          for e in patient.episodes], on)  # fmt: skip
    given_patient = raw.get("patient")
    if isinstance(given_patient, Mapping) or given_patient is None:
        raw["patient"] = {**defaults["patient"], **dict(given_patient or {})}
    given_condition = raw.get("condition")
    if isinstance(given_condition, Mapping) and "kind" not in given_condition:
        # Only details (e.g. the level of a spinal cord injury): the open episode gives the kind.
        raw["condition"] = {**defaults.get("condition", {}), **dict(given_condition)}
    for key in ("condition", "assessed_on"):
        if raw.get(key) is None and key in defaults:
            raw[key] = defaults[key]
    case = ClinicalCase.model_validate(raw)
    check_input(case)
    return case


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _patient(session: Session, actor: Actor, pseudo_id: str, *, lock: bool = False
             ) -> Patient | None:
    query = (
        select(Patient)
        .where(Patient.clinic_id == actor.clinic_id, Patient.pseudo_id == pseudo_id)
        .options(selectinload(Patient.identity), episodes_loader(one=True))
    )
    # Serialises plan changes per patient on PostgreSQL (two acceptances cannot interleave).
    return session.scalar(query.with_for_update(of=Patient) if lock else query)


def _plan(session: Session, actor: Actor, pseudo_id: str, plan_id: int, *, lock: bool = False
          ) -> PlanRecord | None:
    patient = _patient(session, actor, pseudo_id, lock=lock)
    if patient is None:
        return None
    return session.scalar(
        select(PlanRecord).where(PlanRecord.clinic_id == actor.clinic_id,
                                 PlanRecord.patient_id == patient.id, PlanRecord.id == plan_id)
    )


def _require(
    ctx: Context, actor: Actor, roles: frozenset[Role], action: Action, pseudo_id: str
) -> None:
    if actor.role not in roles:
        record_alone(ctx, actor=actor, action=action, resource=_RESOURCE,
                     outcome=Outcome.DENIED, patient=pseudo_id[:32])
        raise role_refused_for(
            actor.role, UseCase.PLAN_WRITE if roles is WRITE_ROLES else UseCase.PLAN_READ)


def _refused(ctx: Context, actor: Actor, action: Action, pseudo_id: str) -> None:
    record_alone(ctx, actor=actor, action=action, resource=_RESOURCE,
                 outcome=Outcome.FAILURE, patient=pseudo_id)


def _not_found(ctx: Context, actor: Actor, action: Action, pseudo_id: str, what: str
               ) -> NoReturn:
    record_alone(ctx, actor=actor, action=action, resource=_RESOURCE,
                 outcome=Outcome.NOT_FOUND, patient=pseudo_id[:32])
    raise NotFound(not_found_sentence(what))


# The plans of one patient, newest first; withdrawn and entered-in-error plans live in the
# record history only. Built once (compiled once).
_LISTED = (
    select(PlanRecord.id, PlanRecord.status, PlanRecord.condition_kind, PlanRecord.safety_status,
           PlanRecord.plan_json, PlanRecord.created_at, PlanRecord.accepted_at,
           PlanRecord.start_on)
    .where(PlanRecord.clinic_id == bindparam("clinic"),
           PlanRecord.patient_id == bindparam("patient"),
           PlanRecord.status.not_in(("withdrawn", "entered-in-error")))
    .order_by(PlanRecord.id.desc())
)


def _summary(row: Any) -> PlanSummary:  # a PlanRecord row of ``_LISTED``
    return PlanSummary(
        id=row.id, status=row.status,
        condition=row.condition_kind, safety_status=row.safety_status,
        points=len(row.plan_json.get("points", [])), created_at=row.created_at,
        accepted_at=row.accepted_at, start_on=row.start_on,
    )  # fmt: skip


def _view(session: Session, row: PlanRecord, pseudo_id: str) -> PlanView:
    plan = Plan.model_validate(row.plan_json)
    users = {row.created_by, row.accepted_by} - {None}
    emails: dict[int | None, str] = {}
    if users:
        query = select(User.id, User.email).where(User.id.in_(users))
        emails.update((user_id, email) for user_id, email in session.execute(query))
    sessions = session.scalars(
        select(PlannedSession)
        .where(PlannedSession.clinic_id == row.clinic_id, PlannedSession.plan_id == row.id)
        .order_by(PlannedSession.number)
    )
    course = plan.course
    total = None if course is None else course.sessions or (
        (course.sessions_per_week or 0) * (course.weeks or 0) or None)
    schedule = [
        ScheduledVisit(number=s.number, due_on=s.due_on, reassessment=s.reassessment,
                       instruments_due=list(s.instruments_due),
                       kind="follow-up" if total is not None and s.number > total else "session")
        for s in sessions
    ]  # fmt: skip
    return PlanView(
        id=row.id, patient=pseudo_id, status=row.status,
        case=ClinicalCase.model_validate(row.case_json, context=STORED_CASE), plan=plan,
        created_at=row.created_at, created_by=emails.get(row.created_by),
        accepted_at=row.accepted_at, accepted_by=emails.get(row.accepted_by),
        start_on=row.start_on, schedule=schedule,
    )  # fmt: skip
