"""The NeuPSIG grade of a patient's neuropathic pain, with its reasons, the screening scores and
the safety findings of the current plan: what the patient page and the referral letter show.

The grade is the clinical core's (:func:`acuneuro.clinical.pain_type.classify`, Finnerup 2016)
over the facts of the current plan's case, with the screening questionnaires recorded since
(the newest of each) in place of the ones the case was planned with: a positive DN4 recorded
after planning is not "not assessed". Without a plan, the history and examination facts are
unknown, so the grade is "not assessed" and the screening scores are still listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.neupsig import REASON_SENTENCES, grade_neuropathic_pain
from acuneuro.clinical.pain_type import classify, examined_signs
from acuneuro.clinical.planner import Plan
from acuneuro.clinical.scoring import AnswerError, UnknownInstrumentError, get_instrument
from acuneuro.i18n import gettext as _
from acuneuro.i18n.prose import prose
from acuneuro.knowledge import code_label, pain_type_rules
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._course_common import accepted_plan, audited_read
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action
from acuneuro.services.outcomes import score_rows
from acuneuro.store import Patient, PlanRecord, ScoreRecord

__all__ = ["Grading", "ScreeningScore", "grading_of", "neuropathic_grading"]

_RESOURCE = "grading"


@dataclass(frozen=True)
class ScreeningScore:
    """One screening questionnaire as last recorded: name, total, reading and date."""

    instrument: str
    total: float | None
    reading: str
    taken_on: date


@dataclass(frozen=True)
class Grading:
    """What the page and the letter say about the neuropathic pain (labels, never codes)."""

    grade: str | None  # the grade's code, None = not assessed
    grade_label: str
    pain_type: str
    reasons: list[str] = field(default_factory=list)
    screening: list[ScreeningScore] = field(default_factory=list)
    safety_status: str | None = None
    safety: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def _reading(positive: bool | None) -> str:
    if positive is True:
        return _("positive (suggests neuropathic pain)")
    if positive is False:
        return _("negative")
    return _("no reading")


def _latest_screening(rows: list[ScoreRecord]) -> dict[str, ScoreRecord]:
    wanted = set(pain_type_rules().screening_instruments)
    latest: dict[str, ScoreRecord] = {}
    for row in rows:  # oldest first: the newest of each instrument wins
        if row.instrument_id in wanted:
            latest[row.instrument_id] = row
    return latest


def _current_plan(session: Session, patient: Patient) -> PlanRecord | None:
    return accepted_plan(session, patient) or session.scalar(
        select(PlanRecord)
        .where(PlanRecord.clinic_id == patient.clinic_id, PlanRecord.patient_id == patient.id)
        .order_by(PlanRecord.id.desc()).limit(1))


def grading_of(session: Session, patient: Patient, *, scores: list[ScoreRecord] | None = None,
               plan_row: PlanRecord | None = None) -> Grading:
    """The grading of ``patient`` in an open session (no audit: the caller's read records it).

    A caller that has already read the patient's scores (``score_rows``) or current plan in the
    same session passes them, so the letter does not query them twice (issue 18).
    """
    latest = _latest_screening(score_rows(session, patient) if scores is None else scores)
    screening = []
    for instrument_id, row in sorted(latest.items()):
        try:
            name = get_instrument(instrument_id).name
        except UnknownInstrumentError:
            name = code_label(instrument_id)
        screening.append(ScreeningScore(name, row.total, _reading(row.positive), row.taken_on))
    plan_row = _current_plan(session, patient) if plan_row is None else plan_row
    not_assessed = _("not assessed")
    if plan_row is None:
        return Grading(None, not_assessed, not_assessed,
                       [_("No plan yet: the history and examination facts the grade rests on "
                          "are not recorded.")], screening)
    plan = Plan.model_validate(plan_row.plan_json)
    safety = [f.shown() for f in plan.safety.findings]
    try:
        case = ClinicalCase.model_validate(plan_row.case_json)
        answers = {**case.screening, **{i: dict(r.answers_json) for i, r in latest.items()}}
        case = case.model_copy(update={"screening": answers})
        grading = grade_neuropathic_pain(case.findings, examined_signs(case))
        kind = classify(case)
    except (ValidationError, AnswerError, UnknownInstrumentError):
        return Grading(None, not_assessed, not_assessed,
                       [_("The recorded answers could not be graded.")], screening,
                       plan.safety.status, safety)
    label = (code_label(grading.grade, "neupsig_grades") if grading.grade
             else code_label("not_gradable", "neupsig_grades"))
    shown = [prose(r, REASON_SENTENCES) for r in grading.reasons]
    reasons = [r[:1].upper() + r[1:] + "." for r in shown]
    return Grading(grading.grade, label, code_label(kind.pain_type), reasons, screening,
                   plan.safety.status, safety, list(kind.sources))


def neuropathic_grading(ctx: Context, actor: Actor, pseudo_id: str) -> Grading:
    """The patient's NeuPSIG grading (clinic-scoped, audited read)."""
    return audited_read(ctx, actor, UseCase.PLAN_READ, Action.READ, _RESOURCE, pseudo_id,
                        grading_of)
