"""Assessment use cases: score an instrument for a patient, list and read a patient's scores.

A response is scored by the one engine (:func:`acuneuro.clinical.scoring.score`) and stored
with its answers, its total, subscales and cut-off reading, the instrument VERSION and the
day it was taken, in the same transaction as its audit row. A stored score is never
re-scored: the total and the reading shown are the ones stored. The interpretation text is
derived again on reading only when the same definition gives back exactly the stored
numbers; otherwise the view says the definition changed and shows the stored values alone.

Patients are looked up inside the caller's clinic, so another clinic's patient (or score)
is not found, the same answer as for an id that never existed (services/patients.py).

A FHIR QuestionnaireResponse is kept beside the answers (under :data:`FHIR_KEY` in
``answers_json``, a key no item id can take) so that reading it back returns the stored
resource (HL7 FHIR R4 RESTful API). It is stored reduced to what scoring needs: a posted
narrative, ``subject.display`` or extension could name the patient or carry markup, and an
erasure could not find every copy of it (services/_erasure.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.pain_type import Classification
from acuneuro.clinical.pain_type import classify as classify_pure
from acuneuro.clinical.scoring import (
    ScoreResult,
    UnknownInstrumentError,
    check_patient_answers,
    get_instrument,
    score,
)
from acuneuro.i18n import gettext as _
from acuneuro.i18n.prose import prose, render
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._clinical_checks import check_clinical_date
from acuneuro.services._context import Context
from acuneuro.services._errors import NotFound, ServiceError
from acuneuro.services._input_limits import check_input
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services._refusals import role_refused_for
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.store import ACTIVE, Episode, Patient, ScoreRecord

__all__ = [
    "FHIR_KEY",
    "NotSelfReport",
    "NotStorable",
    "ScoreIn",
    "ScoreView",
    "classify_case",
    "get_score",
    "list_scores",
    "record_score",
    "score_view",
    "storable",
]

# Item ids match ``[a-z0-9_]+`` (knowledge/_instruments.py), so this key never meets one.
FHIR_KEY = "fhir:QuestionnaireResponse"
_RESOURCE = "score"
# Some instruments' version labels are longer than the store's column; storing them would
# fail on PostgreSQL (and silently pass on SQLite), so they are refused the same way on both.
_VERSION_LENGTH: int | None = getattr(
    ScoreRecord.__table__.columns["instrument_version"].type, "length", None
)


class NotStorable(ServiceError):
    """The instrument can be scored but its version label does not fit the store."""


class NotSelfReport(ServiceError):
    """Patient mode was asked for an instrument that only a clinician records."""


def storable(instrument_id: str) -> bool:
    """Whether a response to this instrument can be stored with its version label."""
    version = get_instrument(instrument_id).version
    return _VERSION_LENGTH is None or len(version) <= _VERSION_LENGTH

Reading = Literal["positive", "negative", "no reading"]


class ScoreIn(BaseModel):
    """An instrument response to score and store; ``taken_on`` defaults to today."""

    model_config = ConfigDict(extra="forbid")

    instrument: str = Field(max_length=32)
    answers: dict[str, Any]
    taken_on: date | None = None
    completed_by: Literal["clinician", "patient"] = Field(
        default="clinician",
        description="'patient': the patient answered alone (the tablet form); only self-report "
        "items are accepted, so examination items and clinician gradings are refused.",
    )

    @field_validator("taken_on")
    @classmethod
    def _not_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError(_("an assessment cannot be taken in the future"))
        return value


class ScoreView(BaseModel):
    """One stored score as the interfaces show it: the stored numbers, never re-computed."""

    model_config = ConfigDict(frozen=True)

    id: int
    patient: str
    instrument: str
    instrument_name: str
    version: str
    taken_on: date
    answers: dict[str, Any]
    total: float | None
    subscales: dict[str, float | None] = Field(default_factory=dict)
    positive: bool | None
    reading: Reading
    interpretation: str | None = Field(
        description="The engine's wording for the stored numbers; null when the definition "
        "has changed since scoring (see ``note``)."
    )
    note: str | None = None
    sources: list[str] = Field(default_factory=list)
    from_fhir: bool = False
    created_at: datetime
    fhir_resource: dict[str, Any] | None = Field(default=None, exclude=True, repr=False)
    # The interpretation's templates and parameters (ScoreResult.said): for the pages only.
    interpretation_said: list[dict[str, Any]] = Field(default_factory=list, exclude=True,
                                                      repr=False)

    def shown_interpretation(self) -> str | None:
        """The interpretation in the reader's language (None: not re-interpreted)."""
        if self.interpretation is None:
            return None
        if not self.interpretation_said:
            return prose(self.interpretation)
        return "; ".join(render(n["template"], n["params"]) for n in self.interpretation_said)


def classify_case(case: ClinicalCase) -> Classification:
    """NeuPSIG grade and pain type of a case document: a pure call, nothing stored or audited."""
    return classify_pure(case)


def record_score(
    ctx: Context,
    actor: Actor,
    pseudo_id: str,
    request: ScoreIn | Mapping[str, Any],
    *,
    fhir_resource: Mapping[str, Any] | None = None,
) -> ScoreView:
    """Score the answers with the current definition and store them for the patient.

    The patient is looked up first, so another clinic's patient is :class:`NotFound`
    whatever the body holds (no oracle). Then ``request`` is checked: pydantic's
    ``ValidationError``, :class:`~acuneuro.clinical.scoring.UnknownInstrumentError` and
    :class:`~acuneuro.clinical.scoring.AnswerError` (naming the item) roll back, so a bad
    response writes nothing. With ``completed_by: patient`` an examination or grading item
    is an :class:`~acuneuro.clinical.scoring.ClinicianOnlyError` (naming it) and an
    instrument with no self-report item is :class:`NotSelfReport`.
    """
    _require_role(ctx, actor, Action.CREATE, pseudo_id)
    with ctx.db.write() as session:
        patient = _load_patient(session, actor, pseudo_id)
        if patient is not None:
            data = request if isinstance(request, ScoreIn) else ScoreIn.model_validate(request)
            if data.completed_by == "patient":
                _check_self_report(data)
            check_input(data)
            check_clinical_date("taken_on", _("The score date"), data.taken_on,
                                patient.identity.date_of_birth)
            result = score(data.instrument, data.answers)
            if not storable(result.instrument):
                raise NotStorable(
                    _("%(name)s can be scored but not stored yet: its version label is "
                      "longer than the store keeps (%(n)s characters).") % {
                        "name": result.instrument, "n": _VERSION_LENGTH})
            stored_answers: dict[str, Any] = {
                k: v for k, v in data.answers.items() if v is not None
            }
            if fhir_resource is not None:
                stored_answers[FHIR_KEY] = dict(fhir_resource)
            row = ScoreRecord(
                clinic_id=actor.clinic_id,
                patient_id=patient.id,
                episode_id=_open_episode(session, patient),
                instrument_id=result.instrument,
                instrument_version=result.version,
                taken_on=data.taken_on or date.today(),
                answers_json=stored_answers,
                total=result.total,
                subscales_json=dict(result.subscales),
                positive=result.positive,
                created_by=actor.user_id,
            )
            session.add(row)
            session.flush()
            record(session, ctx.audit_key, actor=actor, action=Action.CREATE,
                   resource=_RESOURCE, patient=pseudo_id)
            return _view(row, pseudo_id, result)
    _not_found(ctx, actor, Action.CREATE, pseudo_id, _("There is no such patient."))


def list_scores(
    ctx: Context, actor: Actor, pseudo_id: str, *, instrument_id: str | None = None
) -> list[ScoreView]:
    """The patient's scores, newest first (one audit row for the patient read)."""
    _require_role(ctx, actor, Action.LIST, pseudo_id)
    # A read transaction, not the writer lock (issue 13); the audit row is committed before
    # the scores are returned (services._audit_group).
    with ctx.db.read() as session:
        patient = _load_patient(session, actor, pseudo_id)
        views: list[ScoreView] | None = None
        if patient is not None:
            query = (
                select(ScoreRecord)
                .where(ScoreRecord.clinic_id == actor.clinic_id,
                       ScoreRecord.patient_id == patient.id, ScoreRecord.status == ACTIVE)
                .order_by(ScoreRecord.taken_on.desc(), ScoreRecord.id.desc())
            )
            if instrument_id is not None:
                query = query.where(ScoreRecord.instrument_id == instrument_id)
            views = [_view(row, pseudo_id) for row in session.scalars(query)]
    if views is None:
        _not_found(ctx, actor, Action.LIST, pseudo_id, _("There is no such patient."))
    record_read(ctx, actor, Action.LIST, _RESOURCE, [pseudo_id])
    return views


def get_score(ctx: Context, actor: Actor, score_id: int) -> ScoreView:
    """One stored score of the caller's clinic (404 otherwise), audited as a read."""
    _require_role(ctx, actor, Action.READ)
    with ctx.db.write() as session:
        found = session.execute(
            select(ScoreRecord, Patient.pseudo_id)
            .join(Patient, (Patient.id == ScoreRecord.patient_id)
                  & (Patient.clinic_id == ScoreRecord.clinic_id))
            .where(ScoreRecord.id == score_id, ScoreRecord.clinic_id == actor.clinic_id)
        ).first()
        if found is not None:
            row, pseudo_id = found
            record(session, ctx.audit_key, actor=actor, action=Action.READ,
                   resource=_RESOURCE, patient=pseudo_id)
            return _view(row, pseudo_id)
    _not_found(ctx, actor, Action.READ, None, _("There is no such score."))


def _check_self_report(data: ScoreIn) -> None:
    """Patient mode takes self-report items only (examinations and gradings are refused)."""
    instrument = get_instrument(data.instrument)
    if not instrument.self_report_items():
        raise NotSelfReport(
            _("%(name)s is recorded by a clinician (examination or grading); a patient "
              "cannot fill it in alone.") % {"name": instrument.name})
    check_patient_answers(instrument, data.answers)


def _load_patient(session: Session, actor: Actor, pseudo_id: str) -> Patient | None:
    return session.scalar(
        select(Patient).where(Patient.clinic_id == actor.clinic_id, Patient.pseudo_id == pseudo_id)
    )


def _open_episode(session: Session, patient: Patient) -> int | None:
    return session.scalar(
        select(Episode.id)
        .where(Episode.clinic_id == patient.clinic_id, Episode.patient_id == patient.id,
               Episode.closed_on.is_(None), Episode.status == ACTIVE)
        .order_by(Episode.id.desc())
        .limit(1)
    )


def _require_role(
    ctx: Context, actor: Actor, action: Action, pseudo_id: str | None = None
) -> None:
    use_case = UseCase.SCORE_WRITE if action is Action.CREATE else UseCase.SCORE_READ
    if not allowed(actor.role, use_case):
        record_alone(ctx, actor=actor, action=action, resource=_RESOURCE,
                     outcome=Outcome.DENIED, patient=pseudo_id[:32] if pseudo_id else None)
        raise role_refused_for(actor.role, use_case)


def _not_found(
    ctx: Context, actor: Actor, action: Action, pseudo_id: str | None, message: str
) -> NoReturn:
    record_alone(ctx, actor=actor, action=action, resource=_RESOURCE,
                 outcome=Outcome.NOT_FOUND, patient=pseudo_id[:32] if pseudo_id else None)
    raise NotFound(message)


def _reading(positive: bool | None) -> Reading:
    return "no reading" if positive is None else ("positive" if positive else "negative")


def _rederived(row: ScoreRecord, answers: dict[str, Any]) -> tuple[ScoreResult | None, str | None]:
    """The engine's result for the stored answers, if it still gives the stored numbers."""
    try:
        instrument = get_instrument(row.instrument_id)
    except UnknownInstrumentError:
        return None, "this instrument is no longer defined; the stored score is shown as stored"
    if instrument.version != row.instrument_version:
        return None, (f"scored with version {row.instrument_version!r}; the current definition "
                      f"is {instrument.version!r}: not re-interpreted")
    try:
        result = score(row.instrument_id, answers)
    except ValueError:
        result = None
    if result is None or (result.total, result.positive, dict(result.subscales)) != (
        row.total, row.positive, dict(row.subscales_json)
    ):
        return None, ("the definition changed since this was scored; the stored total and "
                      "reading are shown, without re-interpretation")
    return result, None


def score_view(row: ScoreRecord, pseudo_id: str) -> ScoreView:
    """A stored score row as the interfaces show it (the caller scoped and audited the read)."""
    return _view(row, pseudo_id)


def _view(row: ScoreRecord, pseudo_id: str, fresh: ScoreResult | None = None) -> ScoreView:
    stored = dict(row.answers_json)
    fhir = stored.pop(FHIR_KEY, None)
    result, note = (fresh, None) if fresh is not None else _rederived(row, stored)
    try:
        name = get_instrument(row.instrument_id).name
    except UnknownInstrumentError:
        name = row.instrument_id
    return ScoreView(
        id=row.id,
        patient=pseudo_id,
        instrument=row.instrument_id,
        instrument_name=name,
        version=row.instrument_version,
        taken_on=row.taken_on,
        answers=stored,
        total=row.total,
        subscales=dict(row.subscales_json),
        positive=row.positive,
        reading=_reading(row.positive),
        interpretation=result.interpretation if result is not None else None,
        interpretation_said=list(result.said) if result is not None else [],
        note=note,
        sources=list(result.sources) if result is not None else [],
        from_fhir=fhir is not None,
        created_at=row.created_at,
        fhir_resource=fhir,
    )

