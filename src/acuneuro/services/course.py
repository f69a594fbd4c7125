"""The course as a whole: adverse events, and the one read that feeds the reports.

Adverse events are recorded with the CTCAE v5.0 grade and the NCI attribution
(``clinical.adverse_events``; the vocabularies are ``knowledge/adverse_events.yaml``), tied to
the session they followed when its number is given. ``report_source`` gathers everything the
patient and referrer reports print (the same numbers on paper, on screen and on the command
line); it carries the patient's name, so it needs the identifying-record role as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.clinical.adverse_events import AdverseEvent
from acuneuro.clinical.calendar import ClinicCalendar
from acuneuro.clinical.course import CourseDefinition, from_weekly_plan
from acuneuro.clinical.foot import FootExam
from acuneuro.clinical.medication import MedicationStatement
from acuneuro.clinical.outcomes import Score
from acuneuro.clinical.planner import Plan
from acuneuro.clinical.stricta import SessionRecord
from acuneuro.i18n import format_date
from acuneuro.i18n import gettext as _
from acuneuro.i18n.prose import prose
from acuneuro.knowledge import code_label
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._clinical_checks import check_clinical_date
from acuneuro.services._context import Context
from acuneuro.services._course_common import (
    CourseRefused,
    accepted_plan,
    audited_read,
    load_patient,
    not_found,
    refused,
    require,
)
from acuneuro.services._errors import NotFound
from acuneuro.services._input_limits import check_input
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action, record
from acuneuro.services.clinic_calendar import calendar_in
from acuneuro.services.grading import Grading, grading_of
from acuneuro.services.medication import statements_of
from acuneuro.services.outcomes import foot_exams_of, outcome_scores, pgic_of, score_rows
from acuneuro.services.practitioners import signature
from acuneuro.services.throttle import Work, check_work
from acuneuro.store import (
    ACTIVE,
    AdverseEventRecord,
    Clinic,
    MedicationStatementRecord,
    Patient,
    Practitioner,
    TreatmentSession,
    User,
)

__all__ = [
    "AdverseEventView",
    "ReportPerson",
    "ReportSource",
    "actor_by_email",
    "add_adverse_event",
    "adverse_events_of",
    "course_definition",
    "event_rows",
    "list_adverse_events",
    "report_source",
    "session_numbers",
    "session_records_of",
    "session_rows",
]

_RESOURCE = "adverse-event"


class AdverseEventView(BaseModel):
    """A stored adverse event."""

    id: int
    patient: str
    event: AdverseEvent


class ReportPerson(BaseModel):
    """The patient as the reports name them."""

    model_config = ConfigDict(frozen=True)

    name: str
    age: int | None
    sex: str | None
    identifier: str


class ReportSource(BaseModel):
    """Everything the reports print, field for field what ``reports.ReportData`` takes."""

    model_config = ConfigDict(frozen=True)

    report_date: date
    clinic: str
    clinician: str
    patient: ReportPerson
    diagnosis: str
    plan_summary: str
    course: CourseDefinition
    first_session: date
    sessions: list[SessionRecord] = Field(default_factory=list)
    scores: list[Score] = Field(default_factory=list)
    medications: list[MedicationStatement] = Field(default_factory=list)
    adverse_events: list[AdverseEvent] = Field(default_factory=list)
    pgic: str | None = None
    foot_exams: list[FootExam] = Field(default_factory=list)
    calendar: ClinicCalendar | None = None
    # NeuPSIG (issue 14): the grade's label (None = not assessed), its reasons, the newest
    # screening scores as lines, and the safety findings of the current plan.
    neupsig_grade: str | None = None
    neupsig_reasons: list[str] = Field(default_factory=list)
    screening: list[str] = Field(default_factory=list)
    safety_findings: list[str] = Field(default_factory=list)


def adverse_events_of(rows: list[AdverseEventRecord], numbers: Mapping[int, int]
                      ) -> list[AdverseEvent]:
    """Clinical events of stored rows; ``numbers`` maps a session row id to its number."""
    return [AdverseEvent(on=r.occurred_on, type=r.kind, grade=r.grade,
                         relatedness=r.relatedness, action=r.action or "none",
                         outcome=r.outcome or "unknown", description=r.note,
                         session_number=numbers.get(r.session_id) if r.session_id else None)
            for r in rows]  # fmt: skip


def session_records_of(rows: list[TreatmentSession]) -> list[SessionRecord]:
    """The STRICTA records of stored sessions."""
    return [SessionRecord.model_validate(r.record_json) for r in rows]


def session_rows(session: Session, patient: Patient) -> list[TreatmentSession]:
    return list(session.scalars(
        select(TreatmentSession)
        .where(TreatmentSession.clinic_id == patient.clinic_id,
               TreatmentSession.patient_id == patient.id, TreatmentSession.status == ACTIVE)
        .order_by(TreatmentSession.occurred_on, TreatmentSession.id)))


def event_rows(session: Session, patient: Patient) -> list[AdverseEventRecord]:
    return list(session.scalars(
        select(AdverseEventRecord)
        .where(AdverseEventRecord.clinic_id == patient.clinic_id,
               AdverseEventRecord.patient_id == patient.id, AdverseEventRecord.status == ACTIVE)
        .order_by(AdverseEventRecord.occurred_on, AdverseEventRecord.id)))


def session_numbers(rows: list[TreatmentSession]) -> dict[int, int]:
    return {r.id: int(r.record_json["session_number"]) for r in rows}


def add_adverse_event(ctx: Context, actor: Actor, pseudo_id: str,
                      data: AdverseEvent | Mapping[str, Any]) -> AdverseEventView:
    """Record an adverse event (vocabularies checked; a session number must be recorded)."""
    require(ctx, actor, UseCase.COURSE_WRITE, Action.CREATE, _RESOURCE, pseudo_id)
    try:
        with ctx.db.write() as session:
            patient = load_patient(session, actor, pseudo_id)
            if patient is not None:
                event = data if isinstance(data, AdverseEvent) else AdverseEvent.model_validate(
                    data)
                check_input(event)
                check_clinical_date("on", _("The date of the adverse event"), event.on,
                                    patient.identity.date_of_birth)
                session_id = None
                if event.session_number is not None:
                    numbers = session_numbers(session_rows(session, patient))
                    by_number = {n: i for i, n in numbers.items()}
                    if event.session_number not in by_number:
                        raise CourseRefused(_("Session %(n)s is not recorded.") % {
                            "n": event.session_number})
                    session_id = by_number[event.session_number]
                row = AdverseEventRecord(
                    clinic_id=patient.clinic_id, patient_id=patient.id, session_id=session_id,
                    occurred_on=event.on, kind=event.type, grade=event.grade,
                    relatedness=event.relatedness, action=event.action, outcome=event.outcome,
                    note=event.description, created_by=actor.user_id)
                session.add(row)
                session.flush()
                record(session, ctx.audit_key, actor=actor, action=Action.CREATE,
                       resource=_RESOURCE, patient=pseudo_id)
                return AdverseEventView(id=row.id, patient=pseudo_id, event=event)
    except CourseRefused as exc:
        refused(ctx, actor, Action.CREATE, _RESOURCE, pseudo_id, exc)
    not_found(ctx, actor, Action.CREATE, _RESOURCE, pseudo_id)


def list_adverse_events(ctx: Context, actor: Actor, pseudo_id: str) -> list[AdverseEventView]:
    """The patient's adverse events, oldest first."""

    def read(session: Session, patient: Patient) -> list[AdverseEventView]:
        rows = event_rows(session, patient)
        events = adverse_events_of(rows, session_numbers(session_rows(session, patient)))
        return [AdverseEventView(id=r.id, patient=pseudo_id, event=e)
                for r, e in zip(rows, events, strict=True)]

    return audited_read(ctx, actor, UseCase.COURSE_READ, Action.LIST, _RESOURCE, pseudo_id, read)


def course_definition(plan: Plan) -> CourseDefinition:
    """The plan's course as the clinical core schedules it (the planning service's convention)."""
    c = plan.course
    if c is None:
        raise CourseRefused(_("the plan has no course: set sessions per week and weeks"))
    try:
        return from_weekly_plan(c.sessions_per_week, c.weeks, c.sessions,
                                [(r.week, list(r.instruments)) for r in c.reassessment])
    except ValueError as exc:
        raise CourseRefused(str(exc)) from None


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def report_source(ctx: Context, actor: Actor, pseudo_id: str, *, today: date) -> ReportSource:
    """The whole course for the reports (``CourseRefused`` when no plan was accepted)."""
    require(ctx, actor, UseCase.PATIENT_RECORD, Action.READ, "report", pseudo_id)
    require(ctx, actor, UseCase.COURSE_READ, Action.READ, "report", pseudo_id)
    check_work(ctx, Work.REPORT, actor)
    try:
        # One consistent snapshot, never the writer lock (issue 13); the course is returned
        # only once its audit row is committed (services._audit_group).
        with ctx.db.snapshot() as session:
            patient = load_patient(session, actor, pseudo_id)
            found = None if patient is None else _source(session, actor, patient, today)
    except CourseRefused as exc:
        refused(ctx, actor, Action.READ, "report", pseudo_id, str(exc))
    if found is None:
        not_found(ctx, actor, Action.READ, "report", pseudo_id)
    record_read(ctx, actor, Action.READ, "report", [pseudo_id])
    return found


def _source(session: Session, actor: Actor, patient: Patient, today: date) -> ReportSource:
    plan_row = accepted_plan(session, patient)
    if plan_row is None or plan_row.start_on is None:
        raise CourseRefused(_("the patient has no accepted plan, so there is no course to report"))
    plan = Plan.model_validate(plan_row.plan_json)
    sessions = session_rows(session, patient)
    scores = score_rows(session, patient)
    meds = session.scalars(
        select(MedicationStatementRecord)
        .where(MedicationStatementRecord.clinic_id == patient.clinic_id,
               MedicationStatementRecord.patient_id == patient.id,
               MedicationStatementRecord.status == ACTIVE)
        .order_by(MedicationStatementRecord.start_on, MedicationStatementRecord.id))
    episode = next((e for e in reversed(patient.episodes)
                    if e.status == ACTIVE
                    and e.condition_kind.value == plan_row.condition_kind), None)
    label = code_label(plan.condition, "conditions")
    diagnosis = label[:1].upper() + label[1:] + (
        f" (ICD-10 {episode.icd10})" if episode is not None and episode.icd10 else "")
    clinic = session.get(Clinic, patient.clinic_id)
    identity = patient.identity
    points = ", ".join(f"{p.code} ({code_label(p.side)})" for p in plan.points)
    return ReportSource(
        report_date=today, clinic=clinic.name if clinic else "", clinician=_signed(session, actor),
        patient=ReportPerson(name=f"{identity.given_name} {identity.family_name}",
                             age=_age(identity.date_of_birth, today), sex=patient.sex,
                             identifier=patient.pseudo_id),
        diagnosis=diagnosis,
        plan_summary=_("Protocol %(protocol)s: %(points)s.") % {
            "protocol": prose(plan.protocol), "points": points},
        course=course_definition(plan), first_session=plan_row.start_on,
        sessions=session_records_of(sessions), scores=outcome_scores(scores),
        medications=statements_of(list(meds)),
        adverse_events=adverse_events_of(event_rows(session, patient), session_numbers(sessions)),
        pgic=pgic_of(scores)[0], foot_exams=foot_exams_of(scores)[0],
        calendar=calendar_in(session, patient.clinic_id),
        **_grading_fields(grading_of(session, patient, scores=scores, plan_row=plan_row)),
    )  # fmt: skip


def _signed(session: Session, actor: Actor) -> str:
    """The practitioner profile's signature, or the login e-mail of an account without one."""
    row = session.scalar(select(Practitioner).where(Practitioner.user_id == actor.user_id))
    return actor.email if row is None else signature(
        row.display_name, row.qualification, row.registration_number)


def _grading_fields(g: Grading) -> dict[str, object]:
    lines = [
        f"{s.instrument}: " + (_("total %(total)s") % {"total": f"{s.total:g}"}
                               if s.total is not None else _("total not computed"))
        + f", {s.reading} ({format_date(s.taken_on)})" for s in g.screening]
    return {"neupsig_grade": g.grade_label if g.grade else None,
            "neupsig_reasons": g.reasons, "screening": lines, "safety_findings": g.safety}


def actor_by_email(ctx: Context, email: str, source: str = "local") -> Actor:
    """The active user with this email, for a command run on their behalf (``--as``).

    ``NotFound`` when no active account has it; the command line reads the database directly,
    so this is attribution for the audit trail, not authentication.
    """
    with ctx.db.read() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower(),
                                                 User.active.is_(True)))
        if user is None:
            raise NotFound(_("There is no active account %(email)s.") % {"email": email})
        return Actor.of(user, source)
