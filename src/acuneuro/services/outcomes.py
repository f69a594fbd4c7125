"""Outcomes over a course from the stored scores: series, baseline, change, IMMPACT, PGIC, feet.

Every followed measure of ``knowledge/outcomes.yaml`` becomes a series of the stored scores
(``score_records``: the total, or the named subscale, as stored, never re-scored); baseline,
change, percent change and the IMMPACT category come from ``clinical.outcomes.summarise`` with
the baseline rule of the knowledge file, counted from the accepted plan's first session.
PGIC is read as its label. Protective sensation comes from the monofilament and 128 Hz tuning
fork examinations; the IWGDF category and the referral prompt from ``clinical.foot``.

How a foot's three monofilament sites make one per-foot result is not confirmed in the stored
IWGDF material (``knowledge/instruments/monofilament.yaml``), so this module does not invent the
aggregation: a foot is concluded only when every tested site agrees; a foot with both present
and absent sites is shown site by site (``unresolved``) and left unknown for the category.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from acuneuro.clinical.foot import (
    FootExam,
    FootFacts,
    FootRisk,
    FootTimepoint,
    Referral,
    foot_risk,
    foot_timeline,
    lops_referral,
)
from acuneuro.clinical.outcomes import OutcomeSummary, Score, pgic_improved, summarise
from acuneuro.knowledge.course import outcome_knowledge
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._course_common import accepted_plan, audited_read
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action
from acuneuro.store import ACTIVE, Patient, ScoreRecord, TreatmentSession

__all__ = [
    "FootView",
    "OutcomeSeries",
    "OutcomesView",
    "first_session_of",
    "foot_exams_of",
    "outcome_scores",
    "outcomes",
    "pgic_of",
    "score_rows",
]

_RESOURCE = "outcome"
Sensation = Literal["present", "absent"]


class OutcomeSeries(BaseModel):
    """One followed measure: its scores over time and, once a course started, its summary."""

    id: str
    label: str
    scores: list[Score]
    summary: OutcomeSummary | None


class FootView(BaseModel):
    """Protective sensation over time, the IWGDF category and the referral prompt."""

    exams: list[FootExam]
    timeline: list[FootTimepoint]
    risk: FootRisk | None
    referral: Referral | None
    # "2026-03-02 left foot: monofilament absent at site2_left only" (aggregation unconfirmed).
    unresolved: list[str]


class OutcomesView(BaseModel):
    """Every outcome of the patient's course."""

    patient: str
    first_session: date | None
    as_of: date
    session_dates: list[date]
    series: list[OutcomeSeries]
    pgic: str | None
    pgic_on: date | None
    pgic_improved: bool | None
    foot: FootView


def outcome_scores(rows: list[ScoreRecord]) -> list[Score]:
    """The followed scores among stored rows (total or subscale as stored), oldest first."""
    found: list[Score] = []
    for spec in outcome_knowledge().instruments:
        for row in rows:
            if row.instrument_id != spec.instrument:
                continue
            value = row.total if spec.score == "total" else row.subscales_json.get(spec.score)
            if value is not None:
                found.append(Score(instrument=spec.id, value=float(value), on=row.taken_on))
    return sorted(found, key=lambda s: (s.on, s.instrument))


def pgic_of(rows: list[ScoreRecord]) -> tuple[str | None, date | None]:
    """The latest PGIC answer as its label, and its date (None, None when never asked)."""
    labels = outcome_knowledge().pgic.labels
    for row in sorted(rows, key=lambda r: (r.taken_on, r.id), reverse=True):
        if row.instrument_id != "pgic":
            continue
        answer = row.answers_json.get("change")
        if isinstance(answer, str) and answer in labels:
            return answer, row.taken_on
    return None, None


def _sensation(answer: Any) -> Sensation | None:
    return answer if answer in ("present", "absent") else None


def foot_exams_of(rows: list[ScoreRecord]) -> tuple[list[FootExam], list[str]]:
    """Per-foot monofilament and tuning-fork results by day, and the feet left unresolved."""
    by_day: dict[tuple[date, str], dict[str, Sensation | None]] = {}
    unresolved: list[str] = []
    for row in sorted(rows, key=lambda r: (r.taken_on, r.id)):
        answers = row.answers_json
        for side in ("left", "right"):
            slot = by_day.setdefault((row.taken_on, side), {})
            if row.instrument_id == "monofilament":
                sites = {k: _sensation(v) for k, v in answers.items()
                         if k.startswith("site") and k.endswith(f"_{side}")}
                found = {v for v in sites.values() if v is not None}
                if len(found) == 1:
                    slot["monofilament"] = found.pop()
                elif found:
                    absent = sorted(k for k, v in sites.items() if v == "absent")
                    unresolved.append(f"{row.taken_on} {side} foot: monofilament absent at "
                                      f"{', '.join(absent)} only (per-site result)")
            elif row.instrument_id == "vibration":
                value = _sensation(answers.get(f"hallux_{side}"))
                if value is not None:
                    slot["vibration"] = value
    exams = [FootExam.model_validate({"on": day, "side": side, **found})
             for (day, side), found in sorted(by_day.items()) if found]
    return exams, unresolved


def first_session_of(session: Session, patient: Patient) -> date | None:
    """The accepted plan's first session day, else the first session attended."""
    plan = accepted_plan(session, patient)
    if plan is not None and plan.start_on is not None:
        return plan.start_on
    first: date | None = session.scalar(_FIRST_ATTENDED, _ids(patient))
    return first


def score_rows(session: Session, patient: Patient) -> list[ScoreRecord]:
    """Every stored score of the patient, oldest first."""
    return list(session.scalars(_SCORES, _ids(patient)))


# The statements of this read, built once with bound parameters (building them anew per read
# cost about 0.5 ms of SQLAlchemy expression building, measured).
_ATTENDED = (TreatmentSession.clinic_id == bindparam("clinic"),
             TreatmentSession.patient_id == bindparam("patient"),
             TreatmentSession.attendance == "attended", TreatmentSession.status == ACTIVE)
_FIRST_ATTENDED = (select(TreatmentSession.occurred_on).where(*_ATTENDED)
                   .order_by(TreatmentSession.occurred_on).limit(1))
_ATTENDED_UNTIL = (select(TreatmentSession.occurred_on)
                   .where(*_ATTENDED, TreatmentSession.occurred_on <= bindparam("as_of"))
                   .order_by(TreatmentSession.occurred_on))
_SCORES = (select(ScoreRecord)
           .where(ScoreRecord.clinic_id == bindparam("clinic"),
                  ScoreRecord.patient_id == bindparam("patient"), ScoreRecord.status == ACTIVE)
           .order_by(ScoreRecord.taken_on, ScoreRecord.id))


def _ids(patient: Patient) -> dict[str, object]:
    return {"clinic": patient.clinic_id, "patient": patient.id}


def outcomes(ctx: Context, actor: Actor, pseudo_id: str, *, as_of: date) -> OutcomesView:
    """Series, summaries (baseline, change, IMMPACT category), PGIC and feet up to ``as_of``."""
    # The patient's row alone: the series need its ids, not its identity or episodes.
    return audited_read(ctx, actor, UseCase.COURSE_READ, Action.READ, _RESOURCE, pseudo_id,
                        lambda session, patient: _outcomes(session, patient, as_of),
                        record=False)


def _outcomes(session: Session, patient: Patient, as_of: date) -> OutcomesView:
    rows = [r for r in score_rows(session, patient) if r.taken_on <= as_of]
    scores = outcome_scores(rows)
    first = first_session_of(session, patient)
    series = []
    for spec in outcome_knowledge().instruments:
        mine = [s for s in scores if s.instrument == spec.id]
        if not mine:
            continue
        summary = summarise(scores, spec.id, first, as_of=as_of) if first is not None else None
        series.append(OutcomeSeries(id=spec.id, label=spec.label, scores=mine, summary=summary))
    label, asked_on = pgic_of(rows)
    exams, unresolved = foot_exams_of(rows)
    timeline = foot_timeline(exams)
    risk = None
    if exams:
        known = [t.lops for t in timeline if t.lops is not None]
        risk = foot_risk(FootFacts(lops=known[-1] if known else None))
    dates = session.scalars(_ATTENDED_UNTIL, {**_ids(patient), "as_of": as_of})
    return OutcomesView(
        patient=patient.pseudo_id, first_session=first, as_of=as_of, session_dates=list(dates),
        series=series, pgic=label, pgic_on=asked_on,
        pgic_improved=None if label is None else pgic_improved(label),
        foot=FootView(exams=exams, timeline=timeline, risk=risk,
                      referral=lops_referral(exams), unresolved=unresolved),
    )  # fmt: skip
