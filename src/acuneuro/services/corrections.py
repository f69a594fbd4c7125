"""Corrections, never deletion: amend a clinical record, mark it entered in error, withdraw a plan.

Every clinical record (patient details, episode, score, session, adverse event, medicine, plan)
is corrected in place with a required reason; its previous columns go to ``record_revisions``
first (``store._revisions``), its ``version`` grows by one, and an entered-in-error record
keeps its row with ``status = entered-in-error``: the reads behind scores, charts, adherence,
reports and analytics skip it, the history shows it struck through (FHIR R4 status
``entered-in-error``; EN ISO 13606-1 "no deletion, only new versions"). Each correction is
audited as an update of ``<kind>-correction``; a refused one as a failure, with nothing written.
A proposed plan that was never accepted can be withdrawn; it then leaves the plan page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._clinical_checks import (
    FieldRefused,
    NeedsConfirmation,
    check_clinical_date,
    session_warnings,
)
from acuneuro.services._context import Context
from acuneuro.services._correction_kinds import KINDS, Kind, display
from acuneuro.services._course_common import load_patient, require
from acuneuro.services._errors import Conflict, NotFound
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.store import ENTERED_IN_ERROR, Patient, RecordRevision

__all__ = [
    "ChangeView",
    "CorrectionIn",
    "CorrectionRefused",
    "FieldRefused",
    "FieldView",
    "NeedsConfirmation",
    "RecordEntry",
    "RevisionView",
    "amend_record",
    "check_clinical_date",
    "correction_kinds",
    "keep_patient_revision",
    "mark_entered_in_error",
    "patient_details",
    "patient_records",
    "record_entry",
    "session_warnings",
    "withdraw_plan",
]

CorrectionRefused = FieldRefused
PATIENT_REF = "details"
_Action = Literal["amended", "entered-in-error", "withdrawn"]


class CorrectionIn(BaseModel):
    """A correction: why (required), the new values of the fields changed, the version seen."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=1000)
    changes: dict[str, Any] = Field(default_factory=dict, max_length=20)
    # The version the clinician saw: a record changed since then is refused, not overwritten.
    version: int | None = Field(default=None, ge=1)


class ChangeView(BaseModel):
    """One field of one correction, before and after, in words."""

    label: str
    before: str
    after: str


class RevisionView(BaseModel):
    """One correction: the version it replaced, what was done, when, by whom and why."""

    version: int
    action: str
    at: datetime
    by: str
    reason: str
    changes: list[ChangeView]


class FieldView(BaseModel):
    """An amendable field as the correction form shows it."""

    name: str
    label: str
    input: str
    options: list[tuple[str, str]] = []


class RecordEntry(BaseModel):
    """One clinical record with its current values, status, version and history."""

    kind: str
    kind_label: str
    ref: str
    summary: str
    status: str
    version: int
    entered_in_error: bool
    withdrawable: bool
    values: dict[str, Any]
    fields: list[FieldView]
    revisions: list[RevisionView]


def correction_kinds() -> list[str]:
    """The record kinds a correction can name."""
    return list(KINDS)


def amend_record(ctx: Context, actor: Actor, pseudo_id: str, kind: str, ref: str,
                 data: CorrectionIn | Mapping[str, Any]) -> RecordEntry:
    """Change the fields in ``data.changes``; the old values stay in the history."""
    return _correct(ctx, actor, pseudo_id, kind, ref, data, "amended")


def mark_entered_in_error(ctx: Context, actor: Actor, pseudo_id: str, kind: str, ref: str,
                          data: CorrectionIn | Mapping[str, Any]) -> RecordEntry:
    """Mark the record entered in error: kept and shown struck through, left out of counts."""
    return _correct(ctx, actor, pseudo_id, kind, ref, data, "entered-in-error")


def withdraw_plan(ctx: Context, actor: Actor, pseudo_id: str, plan_id: int,
                  data: CorrectionIn | Mapping[str, Any]) -> RecordEntry:
    """Withdraw a proposed plan that was never accepted."""
    return _correct(ctx, actor, pseudo_id, "plan", str(plan_id), data, "withdrawn")


def record_entry(ctx: Context, actor: Actor, pseudo_id: str, kind: str, ref: str
                 ) -> RecordEntry:
    """One record with its history, for the correction form (audited as a read)."""
    spec = _kind(kind)
    require(ctx, actor, UseCase.PATIENT_RECORD, Action.READ, _resource(spec), pseudo_id)
    require(ctx, actor, UseCase.COURSE_READ, Action.READ, _resource(spec), pseudo_id)
    with ctx.db.read() as session:
        patient = load_patient(session, actor, pseudo_id)
        row = None if patient is None else _row(session, spec, patient, ref)
        entry = None if row is None or patient is None else _entry(session, spec, row, patient)
    if entry is None:
        _not_found(ctx, actor, Action.READ, spec, pseudo_id)
    record_read(ctx, actor, Action.READ, _resource(spec), [pseudo_id])
    return entry


def patient_records(ctx: Context, actor: Actor, pseudo_id: str) -> list[RecordEntry]:
    """Every clinical record of the patient, entered-in-error ones too, each with its history."""
    require(ctx, actor, UseCase.PATIENT_RECORD, Action.READ, "record-history", pseudo_id)
    require(ctx, actor, UseCase.COURSE_READ, Action.READ, "record-history", pseudo_id)
    with ctx.db.read() as session:
        patient = load_patient(session, actor, pseudo_id)
        entries = None if patient is None else _all_entries(session, patient)
    if entries is None:
        record_alone(ctx, actor=actor, action=Action.READ, resource="record-history",
                     outcome=Outcome.NOT_FOUND, patient=pseudo_id[:32])
        raise NotFound(_("no such patient"))
    record_read(ctx, actor, Action.READ, "record-history", [pseudo_id])
    return entries


def _kind(kind: str) -> Kind:
    spec = KINDS.get(kind)
    if spec is None:
        raise NotFound(_("no such kind of record"))
    return spec


def _resource(spec: Kind) -> str:
    return f"{spec.id}-correction"


def _not_found(ctx: Context, actor: Actor, action: Action, spec: Kind, pseudo_id: str
               ) -> NoReturn:
    record_alone(ctx, actor=actor, action=action, resource=_resource(spec),
                 outcome=Outcome.NOT_FOUND, patient=pseudo_id[:32])
    raise NotFound(_("no such record"))


def _reason(data: CorrectionIn | Mapping[str, Any]) -> CorrectionIn:
    if isinstance(data, CorrectionIn):
        return data
    try:
        return CorrectionIn.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = str(error["loc"][0]) if error["loc"] else "reason"
        if field == "reason":
            raise FieldRefused("reason", _("Say why the record is corrected (at least 3 "
                                           "characters, at most 1000).")) from None
        raise FieldRefused(field, _("The correction could not be read: %(what)s.")
                           % {"what": str(error["msg"]).lower()}) from None


def _correct(ctx: Context, actor: Actor, pseudo_id: str, kind: str, ref: str,
             data: CorrectionIn | Mapping[str, Any], action: _Action) -> RecordEntry:
    spec = _kind(kind)
    require(ctx, actor, spec.use_case, Action.UPDATE, _resource(spec), pseudo_id)
    try:
        with ctx.db.write() as session:
            patient = load_patient(session, actor, pseudo_id, lock=True)
            row = None if patient is None else _row(session, spec, patient, ref)
            if row is not None and patient is not None:
                # The body is read only once the record is found: an outsider learns nothing.
                _change(session, actor, spec, row, patient, _reason(data), action)
                record(session, ctx.audit_key, actor=actor, action=Action.UPDATE,
                       resource=_resource(spec), patient=pseudo_id)
                return _entry(session, spec, row, patient)
    except (FieldRefused, Conflict):
        record_alone(ctx, actor=actor, action=Action.UPDATE, resource=_resource(spec),
                     outcome=Outcome.FAILURE, patient=pseudo_id[:32])
        raise
    _not_found(ctx, actor, Action.UPDATE, spec, pseudo_id)


def _change(session: Session, actor: Actor, spec: Kind, row: Any, patient: Patient,
            given: CorrectionIn, action: _Action) -> None:
    if given.version is not None and given.version != row.version:
        raise Conflict(_("This record was changed by someone else since you opened it: "
                         "reload the page and check it again."))
    before = spec.values(row)
    status = str(row.status)
    changed: dict[str, list[Any]] = {}
    if status == ENTERED_IN_ERROR or status == "withdrawn":
        raise FieldRefused("reason", _("This record is already marked as %(status)s; it "
                                       "stays in the history as it is.")
                           % {"status": _(status.replace("-", " "))})
    if action == "amended":
        names = {f.name for f in spec.fields}
        unknown = sorted(set(given.changes) - names)
        if unknown or not names:
            raise FieldRefused(unknown[0] if unknown else "reason",
                               _("This field cannot be corrected here."))
        spec.apply(row, {**before, **given.changes}, date.today(),
                   patient.identity.date_of_birth)
        after = spec.values(row)
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if not changed:
            raise FieldRefused(spec.fields[0].name,
                               _("Nothing was changed: change a value, or leave the form."))
    elif action == "withdrawn" and (spec.id != "plan" or status != "proposed"):
        raise FieldRefused("reason", _("Only a proposed plan that was never accepted can be "
                                       "withdrawn."))
    else:
        changed = {"status": [status, action]}
        row.status = action
    _keep(session, actor, spec, row, patient, {**before, "status": status}, changed, action,
          given.reason.strip())


def _keep(session: Session, actor: Actor, spec: Kind, row: Any, patient: Patient,
          previous: dict[str, Any], changed: dict[str, list[Any]], action: str,
          reason: str) -> None:
    session.add(RecordRevision(
        clinic_id=patient.clinic_id, patient_id=patient.id, kind=spec.id, record_id=row.id,
        version=row.version, action=action, previous_json=previous, changed_json=changed,
        reason=reason, by_user_id=actor.user_id, by_label=actor.email))
    row.version = row.version + 1
    session.flush()


def patient_details(patient: Patient) -> dict[str, Any]:
    """The patient's details as the history keeps them (for ``keep_patient_revision``)."""
    return KINDS["patient"].values(patient)


def keep_patient_revision(session: Session, actor: Actor, patient: Patient,
                          before: dict[str, Any], reason: str) -> None:
    """Keep ``before`` in the history when the patient's details changed in this transaction.

    For writers other than ``amend_record`` (the patient API's PATCH), so no change of a
    name or birth date is ever lost.
    """
    spec = KINDS["patient"]
    after = spec.values(patient)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changed:
        _keep(session, actor, spec, patient, patient, {**before, "status": patient.status},
              changed, "amended", reason)


def _row(session: Session, spec: Kind, patient: Patient, ref: str) -> Any:
    if spec.id == "patient":
        return patient if ref == PATIENT_REF else None
    if not (ref.isascii() and ref.isdigit()) or len(ref) >= 10:  # beyond a 32-bit id
        return None
    model: Any = spec.model
    return session.scalar(select(model).where(
        model.clinic_id == patient.clinic_id, model.patient_id == patient.id,
        model.id == int(ref)))


def _revisions(session: Session, patient: Patient, kind: str | None = None,
               record_id: int | None = None) -> dict[tuple[str, int], list[RecordRevision]]:
    query = select(RecordRevision).where(RecordRevision.clinic_id == patient.clinic_id,
                                         RecordRevision.patient_id == patient.id)
    if kind is not None and record_id is not None:
        query = query.where(RecordRevision.kind == kind, RecordRevision.record_id == record_id)
    found: dict[tuple[str, int], list[RecordRevision]] = {}
    for rev in session.scalars(query.order_by(RecordRevision.version)):
        found.setdefault((rev.kind, rev.record_id), []).append(rev)
    return found


def _revision_view(spec: Kind, rev: RecordRevision) -> RevisionView:
    labels = {f.name: _(f.label) for f in spec.fields} | {"status": _("Status")}
    changes = [ChangeView(label=labels.get(name, name), before=display(spec, name, pair[0]),
                          after=display(spec, name, pair[1]))
               for name, pair in rev.changed_json.items()]
    words = {"amended": _("Amended"), ENTERED_IN_ERROR: _("Marked as entered in error"),
             "withdrawn": _("Withdrawn")}
    return RevisionView(version=rev.version, action=words.get(rev.action, rev.action),
                        at=rev.at, by=rev.by_label, reason=rev.reason, changes=changes)


def _entry(session: Session, spec: Kind, row: Any, patient: Patient,
           revisions: list[RecordRevision] | None = None) -> RecordEntry:
    if revisions is None:
        revisions = _revisions(session, patient, spec.id, row.id).get((spec.id, row.id), [])
    status = str(row.status)
    return RecordEntry(
        kind=spec.id, kind_label=_(spec.label),
        ref=PATIENT_REF if spec.id == "patient" else str(row.id), summary=spec.summary(row),
        status=status, version=row.version, entered_in_error=status == ENTERED_IN_ERROR,
        withdrawable=spec.id == "plan" and status == "proposed", values=spec.values(row),
        fields=[FieldView(name=f.name, label=_(f.label), input=f.input,
                          options=f.options() if f.options else []) for f in spec.fields],
        revisions=[_revision_view(spec, r) for r in revisions])


def _all_entries(session: Session, patient: Patient) -> list[RecordEntry]:
    revisions = _revisions(session, patient)
    entries = []
    for spec in KINDS.values():
        rows = [patient] if spec.id == "patient" else _rows_of(session, spec, patient)
        entries += [_entry(session, spec, row, patient, revisions.get((spec.id, row.id), []))
                    for row in rows]
    return entries


def _rows_of(session: Session, spec: Kind, patient: Patient) -> list[Any]:
    model: Any = spec.model
    # By patient only: the patient was found in the caller's clinic and every row's
    # (clinic_id, patient_id) references it; a clinic filter lets SQLite pick the clinic-wide
    # index instead of the patient's (docs/performance.md).
    query = select(model).where(model.patient_id == patient.id)
    if spec.id == "plan":  # superseded plans have their own history on the plan page
        query = query.where(model.status.in_(("proposed", "accepted", ENTERED_IN_ERROR,
                                                "withdrawn")))
    return list(session.scalars(query.order_by(model.id)))
