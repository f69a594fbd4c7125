"""Synthetic treatment courses for the demo clinic: plans, sessions, scores, medication, events.

Every number is invented and drawn from a seeded generator (same seed, same clinic). The shapes
are plausible on purpose so the screens have something to show: a week of daily pain scores
before the first session, scores before needling at each session drifting down with noise, an
occasional missed session, an opioid dose reduced half-way in some patients, now and then a
grade 1 haematoma. They are NOT effect estimates and must never be read as such.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.clinical.anatomy import limit_findings
from acuneuro.clinical.case import STORED_CASE, ClinicalCase, ConditionKind, RiskFactors
from acuneuro.clinical.planner import Plan, build_plan
from acuneuro.clinical.safety import screen
from acuneuro.clinical.safety_model import SafetyScreen
from acuneuro.clinical.scoring import get_instrument, score
from acuneuro.clinical.stricta import NeedledPoint, Practitioner, SessionRecord
from acuneuro.services._plan_edit import schedule_visits
from acuneuro.store import (
    AdverseEventRecord,
    MedicationStatementRecord,
    Patient,
    PlannedSession,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
)

__all__ = ["add_demo_course"]

_PRACTITIONER = Practitioner(name="Synthetic Practitioner (demo)",
                             qualification="synthetic: physician acupuncturist",
                             years_in_practice=10)
_PAIN: dict[ConditionKind, dict[str, Any]] = {
    ConditionKind.dpn: {"regions": [{"region": "foot", "side": "both"}]},
    ConditionKind.cipn: {"regions": [{"region": "foot", "side": "both"}]},
    ConditionKind.phn: {"dermatomes": [{"dermatome": "T5", "side": "left"}]},
}


def _case(patient: Patient, kind: ConditionKind, age: int, on: date, nrs: int) -> ClinicalCase:
    condition: dict[str, Any] = {"kind": kind.value}
    if kind is ConditionKind.phn:
        condition["rash_onset"] = (on - timedelta(days=150)).isoformat()
    raw: dict[str, Any] = {
        "patient": {"age": age, "sex": patient.sex or "unknown"}, "condition": condition,
        "pain": {**_PAIN[kind], "nrs": nrs},
        "labs": {"taken": on.isoformat(), "platelets_per_ul": 210000, "anc_per_ul": 3100},
        "medications": [], "devices": [], "skin": [], "lymphoedema": [],
        "bleeding_disorder": False, "fainting_with_needles": False,
        "risk_factors": RiskFactors.none_present().model_dump(mode="json"),
        "findings": {"protective_sensation_lost": False}, "assessed_on": on.isoformat(),
    }  # fmt: skip
    if kind is ConditionKind.cipn:
        raw["chemotherapy"] = {"agents": ["oxaliplatin"], "active": False,
                               "last_dose": (on - timedelta(days=120)).isoformat()}
    return ClinicalCase.model_validate(raw)


def _points(plan: Plan) -> list[NeedledPoint]:
    seen: set[tuple[str, str]] = set()
    points = []
    for p in plan.points:
        if (p.code, p.side) in seen:
            continue
        seen.add((p.code, p.side))
        points.append(NeedledPoint.model_validate({
            "code": p.code, "side": p.side, "depth_mm": 8 if p.code == "EX-B2" else 12,
            "needle": {"diameter_mm": 0.25, "length_mm": 30}, "response_sought": "de_qi",
            "stimulation": {"kind": "manual"}, "retention_min": 25}))
    return points


def _storable(instrument: str) -> bool:
    """True when the store's version column can hold the instrument's version text."""
    limit = getattr(ScoreRecord.__table__.c.instrument_version.type, "length", None)
    return limit is None or len(get_instrument(instrument).version) <= limit


def _score(session: Session, patient: Patient, instrument: str, answers: dict[str, Any],
           on: date) -> None:
    result = score(instrument, answers)
    session.add(ScoreRecord(clinic_id=patient.clinic_id, patient_id=patient.id,
                            instrument_id=result.instrument, instrument_version=result.version,
                            taken_on=on, answers_json=answers, total=result.total,
                            subscales_json=dict(result.subscales), positive=result.positive))


def _plan(session: Session, rng: random.Random, patient: Patient, age: int, today: date,
          baseline: int) -> tuple[PlanRecord, Plan, ClinicalCase]:
    """The accepted plan the demo gave the patient, else a new one started weeks ago."""
    row = session.scalar(select(PlanRecord).where(
        PlanRecord.clinic_id == patient.clinic_id, PlanRecord.patient_id == patient.id,
        PlanRecord.status == "accepted").order_by(PlanRecord.id.desc()).limit(1))
    if row is not None and row.start_on is not None:
        case = ClinicalCase.model_validate(row.case_json, context=STORED_CASE)
        return row, Plan.model_validate(row.plan_json), case
    start = today - timedelta(days=rng.randint(18, 70))
    kind = patient.episodes[0].condition_kind
    case = _case(patient, kind, age, start, baseline)
    plan = build_plan(case)
    row = PlanRecord(clinic_id=patient.clinic_id, patient_id=patient.id, status="accepted",
                     condition_kind=kind.value, safety_status=plan.safety.status,
                     case_json=case.model_dump(mode="json"), plan_json=plan.model_dump(mode="json"),
                     start_on=start)  # fmt: skip
    session.add(row)
    session.flush()
    session.add_all(PlannedSession(clinic_id=patient.clinic_id, patient_id=patient.id,
                                   plan_id=row.id, number=v.number, due_on=v.due_on,
                                   reassessment=v.reassessment, instruments_due=v.instruments_due)
                    for v in schedule_visits(plan.course, start))  # fmt: skip
    session.flush()
    return row, plan, case


def add_demo_course(session: Session, rng: random.Random, patient: Patient, age: int,
                    today: date) -> None:
    """Record a course up to yesterday on the patient's accepted plan (made if there is none)."""
    baseline = rng.randint(5, 8)
    row, plan, case = _plan(session, rng, patient, age, today, baseline)
    start = row.start_on or today
    kind = patient.episodes[0].condition_kind
    visits = schedule_visits(plan.course, start)
    for back in range(7, 0, -1):  # a week of daily scores before the first session
        _score(session, patient, "nrs", {"pain": min(10, max(0, baseline + rng.choice(
            (-1, 0, 0, 1))))}, start - timedelta(days=back))
    response = rng.uniform(0.15, 0.6)  # the fraction of pain this synthetic patient loses
    points = _points(plan)
    todays = screen(case, [p.code for p in points])  # unchanged facts: the plan's screen
    with_limits = todays.findings + limit_findings(plan.points)  # as services.sessions does
    todays = SafetyScreen(status=SafetyScreen.verdict(with_limits), findings=with_limits)
    cautions = sorted(f.rule for f in todays.cautions)
    session_visits = [v for v in visits if v.kind == "session" and v.due_on < today]
    for v in session_visits:
        progress = v.number / max(len([x for x in visits if x.kind == "session"]), 1)
        if v.number > 1 and rng.random() < 0.08:
            record = SessionRecord(session_number=v.number, on=v.due_on, attendance="missed",
                                   reason_not_attended="synthetic: patient unwell")
        else:
            record = SessionRecord(session_number=v.number, on=v.due_on, attendance="attended",
                                   style="Western medical (synthetic demo)", points=points,
                                   practitioner=_PRACTITIONER, session_minutes=35)
            nrs = round(baseline * (1 - response * progress) + rng.choice((-1, 0, 0, 1)))
            _score(session, patient, "nrs", {"pain": min(10, max(0, nrs))}, v.due_on)
        session.add(TreatmentSession(
            clinic_id=patient.clinic_id, patient_id=patient.id, plan_id=row.id,
            occurred_on=v.due_on, attendance=record.attendance,
            record_json=record.model_dump(mode="json"),
            acknowledged_rules=cautions if record.attendance == "attended" else [],
            screen_json=todays.model_dump(mode="json") if record.attendance == "attended"
            else None))
    session.flush()
    all_sessions = [v for v in visits if v.kind == "session"]
    if session_visits and len(session_visits) == len(all_sessions):
        change = "much_improved" if response > 0.35 else "minimally_improved"
        _score(session, patient, "pgic", {"change": change}, session_visits[-1].due_on)
    _medication(session, rng, patient, start, today)
    if len(session_visits) >= 3 and rng.random() < 0.35:
        session.add(AdverseEventRecord(
            clinic_id=patient.clinic_id, patient_id=patient.id,
            occurred_on=session_visits[2].due_on, kind="haematoma", grade=1,
            relatedness="probable", action="pressure_applied", outcome="resolved",
            note="synthetic: small bruise at a needle site"))
    if kind is ConditionKind.dpn and _storable("monofilament"):
        lost = rng.random() < 0.3
        for on in (start, today - timedelta(days=1)):
            answer = "absent" if lost and on != start else "present"
            _score(session, patient, "monofilament",
                   {f"site{i}_{side}": answer for i in (1, 2, 3) for side in ("left", "right")},
                   on)


def _medication(session: Session, rng: random.Random, patient: Patient, start: date,
                today: date) -> None:
    begun = start - timedelta(days=rng.randint(90, 400))
    session.add(MedicationStatementRecord(clinic_id=patient.clinic_id, patient_id=patient.id,
                                          drug="pregabalin", daily_dose=rng.choice((150, 300)),
                                          unit="mg", start_on=begun))
    elapsed = (today - start).days
    if rng.random() < 0.7:
        dose = rng.choice((20, 30, 40))
        # Reduced once the course is under way (never in the future, never before it began).
        change = start + timedelta(days=rng.randint(min(7, elapsed), elapsed)) if elapsed > 1 \
            else today
        reduced = start < change < today
        session.add(MedicationStatementRecord(
            clinic_id=patient.clinic_id, patient_id=patient.id, drug="oxycodone",
            daily_dose=dose, unit="mg", start_on=begun,
            stop_on=change - timedelta(days=1) if reduced else None))
        if reduced:
            session.add(MedicationStatementRecord(
                clinic_id=patient.clinic_id, patient_id=patient.id, drug="oxycodone",
                daily_dose=dose // 2, unit="mg", start_on=change))
