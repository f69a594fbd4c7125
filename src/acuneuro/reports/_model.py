"""The pure input of the patient reports, and the figures the reports derive from it.

``ReportData`` holds the course as recorded (plan, sessions, scores, medication, adverse events)
plus the words a clinician supplies (diagnosis, grade, plan, evidence). ``summarise_report``
computes everything the reports state (adherence, IMMPACT outcome, medication change, adverse
event rate) with the clinical core, so the PDF, the letter and any screen show the same numbers.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from acuneuro.clinical.adverse_events import AdverseEvent, EventRate, rate_per_1000
from acuneuro.clinical.calendar import ClinicCalendar
from acuneuro.clinical.course import CourseDefinition, PlannedSession, schedule
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
from acuneuro.clinical.medication import (
    MedicationCaution,
    MedicationChange,
    MedicationStatement,
    medication_cautions,
    medication_change,
)
from acuneuro.clinical.outcomes import OutcomeSummary, Score, pgic_improved, summarise
from acuneuro.clinical.stricta import Adherence, SessionRecord, adherence

__all__ = ["EvidenceItem", "ReportData", "ReportPatient", "ReportSummary", "summarise_report"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportPatient(_Frozen):
    name: str = Field(min_length=1)
    age: int | None = Field(default=None, ge=0, le=120)
    sex: str | None = None
    identifier: str | None = None


class EvidenceItem(_Frozen):
    statement: str = Field(min_length=1)
    citation: str = Field(min_length=1)


class ReportData(_Frozen):
    report_date: date
    clinic: str
    clinician: str
    referring_doctor: str | None = None
    # From the clinic's directory of referrers (services.referrers): the letter's address block.
    referrer_practice: str | None = None
    referrer_address: list[str] = Field(default_factory=list)
    patient: ReportPatient
    diagnosis: str
    neupsig_grade: str | None = None  # the grade's label ("probable ..."); None = not assessed
    plan_summary: str
    course: CourseDefinition
    first_session: date
    sessions: list[SessionRecord] = Field(default_factory=list)
    scores: list[Score] = Field(default_factory=list)
    medications: list[MedicationStatement] = Field(default_factory=list)
    # Creatinine clearance (Cockcroft-Gault, mL/min) for gabapentinoid bands; None = not assessed.
    crcl_ml_min: float | None = Field(default=None, gt=0)
    adverse_events: list[AdverseEvent] = Field(default_factory=list)
    evidence: list[EvidenceItem] = Field(default_factory=list)
    # Patient Global Impression of Change at the report date, as its label; None = not asked.
    pgic: str | None = None
    # Diabetic feet: sensation exams over time and the other IWGDF facts (lops is read from exams).
    foot_exams: list[FootExam] = Field(default_factory=list)
    foot_facts: FootFacts | None = None
    # The clinic's calendar, so the planned dates are the ones the clinic scheduled (None:
    # the default calendar, as ``clinical.course.schedule`` takes it).
    calendar: ClinicCalendar | None = None
    # NeuPSIG: reasons for the grade, newest screening scores, safety findings of the plan.
    neupsig_reasons: list[str] = Field(default_factory=list)
    screening: list[str] = Field(default_factory=list)
    safety_findings: list[str] = Field(default_factory=list)


class ReportSummary(_Frozen):
    planned: list[PlannedSession]
    adherence: Adherence
    outcomes: list[OutcomeSummary]
    medication: MedicationChange
    cautions: list[MedicationCaution]
    adverse_events: EventRate
    pgic_improved: bool | None
    foot_timeline: list[FootTimepoint]
    foot_risk: FootRisk | None
    foot_referral: Referral | None


def summarise_report(data: ReportData) -> ReportSummary:
    """Every number the reports print, computed from ``data`` by the clinical core."""
    planned = schedule(data.course, data.first_session, data.calendar)
    upto = [s for s in data.sessions if s.on <= data.report_date]
    instruments = list(dict.fromkeys(s.instrument for s in data.scores))
    outcomes = [
        summarise(data.scores, i, data.first_session, as_of=data.report_date) for i in instruments
    ]
    attended = sum(s.attendance == "attended" for s in upto)
    exams = [e for e in data.foot_exams if e.on <= data.report_date]
    timeline = foot_timeline(exams)
    risk: FootRisk | None = None
    if data.foot_facts is not None or exams:
        facts = data.foot_facts or FootFacts()
        known = [t.lops for t in timeline if t.lops is not None]
        if known:
            facts = facts.model_copy(update={"lops": known[-1]})
        risk = foot_risk(facts)
    return ReportSummary(
        planned=planned,
        # Adherence counts against the sessions due by the report date, not the whole course.
        adherence=adherence(data.sessions, [(p.number, p.on) for p in planned],
                            data.report_date),
        outcomes=outcomes,
        medication=medication_change(data.medications, data.first_session, data.report_date),
        cautions=medication_cautions(data.medications, data.report_date, data.crcl_ml_min),
        adverse_events=rate_per_1000(
            [e for e in data.adverse_events if e.on <= data.report_date], attended
        ),
        pgic_improved=None if data.pgic is None else pgic_improved(data.pgic),
        foot_timeline=timeline,
        foot_risk=risk,
        foot_referral=lops_referral(exams),
    )
