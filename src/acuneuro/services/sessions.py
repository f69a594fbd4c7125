"""Treatment sessions: the schedule, what is due today, and recording a session behind the screen.

A session is recorded against the patient's accepted plan. The day's safety screen is run again
from what is known: the plan's stored case, updated field by field by the facts earlier sessions
kept and by those the clinician enters that day (new labs, a new skin lesion, a changed
medication list), each value with its date and origin, and turned *not assessed* when older than
its window (``clinical.day_facts``); ``clinical.stricta.check_session`` then decides:
a point the day's screen excluded, a caution not acknowledged, a session on a ``stop`` day or an
unexplained departure from the plan is refused with the reasons and NOTHING is written (the
refusal alone is audited). So is a never-needled point (ST17, CV8) and a danger-zone point
without a needling limit (its own or its plan point's) or needled beyond that limit's depth.
Cancelled and missed sessions are recorded too: they are what
adherence is counted from (STRICTA 2010 item 3; IMMPACT participant disposition).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from acuneuro.clinical.anatomy import limit_findings, refusal, session_problems
from acuneuro.clinical.case import Region
from acuneuro.clinical.day_facts import DayFacts, FactLine, KnownFact, screen_day
from acuneuro.clinical.planner import Plan
from acuneuro.clinical.safety_model import PlanPoint, SafetyScreen
from acuneuro.clinical.stricta import (
    Adherence,
    Attendance,
    NeedledPoint,
    PointSite,
    Practitioner,
    SessionRecord,
    adherence,
    check_session,
    next_session,
)
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import atlas, atlas_point, dermatomes, normalise_code
from acuneuro.services._actor import Actor
from acuneuro.services._clinical_checks import (
    NeedsConfirmation,
    check_clinical_date,
    session_warnings,
)
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
from acuneuro.services._day_facts import FACTS_KEY, day_facts_known, relocated, stored_facts
from acuneuro.services._input_limits import check_input
from acuneuro.services._policy import UseCase
from acuneuro.services._session_rows import course_of as _course_of
from acuneuro.services._session_rows import planned_of as _planned
from acuneuro.services._session_rows import recorded_of as _recorded
from acuneuro.services._session_rows import total_sessions as _total_sessions
from acuneuro.services.audit import Action, record
from acuneuro.services.practitioners import stricta_practitioner
from acuneuro.store import Patient, PlannedSession, PlanRecord, TreatmentSession

__all__ = [
    "CourseOverview",
    "CourseRefused",
    "DayScreen",
    "SessionIn",
    "SessionView",
    "Visit",
    "atlas_site",
    "course_overview",
    "day_screen",
    "list_sessions",
    "overview_from",
    "record_session",
    "screen_from",
    "screened_from",
]

_RESOURCE = "session"


def _needleable(point: NeedledPoint) -> NeedledPoint:
    """A never-needled point (ST17, CV8) is bad input, refused with the field before any check."""
    refused = refusal(point.code)
    if refused is not None:
        raise ValueError(refused)
    return point


class SessionIn(BaseModel):
    """A session as the clinician reports it, with the day's facts and acknowledgements.

    ``day`` updates what is known for today's screen, field by field (for example
    ``{"labs": {"taken": ..., "inr": 2.4}, "skin": [...]}``: the INR is new, the plan's platelets
    stay with their date; a list such as ``skin`` is today's whole finding); ``acknowledged``
    lists the caution rule ids the
    clinician has read and accepted. ``number`` is the planned session this record is for
    (default: the first planned session not yet recorded).
    """

    model_config = ConfigDict(extra="forbid")

    on: date
    attendance: Attendance = "attended"
    number: int | None = Field(default=None, ge=1, le=400)
    points: list[Annotated[NeedledPoint, AfterValidator(_needleable)]] = Field(
        default_factory=list, max_length=60
    )
    practitioner: Practitioner | None = None
    style: str | None = Field(default=None, max_length=200)
    rationale: str | None = Field(default=None, max_length=2000)
    individualisation: Literal["fixed", "semi_standardised", "individualised"] | None = None
    setting: str | None = Field(default=None, max_length=200)
    patient_information: str | None = Field(default=None, max_length=2000)
    co_interventions: list[str] = Field(default_factory=list, max_length=20)
    session_minutes: int | None = Field(default=None, ge=1, le=240)
    deviation: str | None = Field(default=None, max_length=2000)
    reason_not_attended: str | None = Field(default=None, max_length=500)
    day: dict[str, Any] = Field(default_factory=dict)
    acknowledged: list[str] = Field(default_factory=list, max_length=50)
    # The clinician confirms a session beyond the course or a second one on the same day.
    confirm: bool = False


class SessionView(BaseModel):
    """A recorded session: the STRICTA record, the day's screen status and what was acknowledged."""

    id: int
    patient: str
    number: int
    on: date
    attendance: Attendance
    record: SessionRecord
    screen_status: Literal["go", "caution", "stop"] | None
    acknowledged: list[str]
    deviation: str | None


class Visit(BaseModel):
    """One planned visit and, once recorded, what happened."""

    number: int
    due_on: date
    kind: Literal["session", "follow-up"]
    reassessment: bool
    instruments_due: list[str]
    attendance: Attendance | None


class CourseOverview(BaseModel):
    """The schedule of the accepted plan, today's visits, the sessions recorded and adherence."""

    patient: str
    plan_id: int | None
    start_on: date | None
    planned_sessions: int
    schedule: list[Visit]
    due_today: list[Visit]
    sessions: list[SessionView]
    adherence: Adherence
    next_number: int | None


class DayScreen(BaseModel):
    """Today's safety screen for the accepted plan, and the plan's points to pre-fill a session."""

    plan_id: int
    screen: SafetyScreen
    points: list[PlanPoint]
    # The case today's screen read: the known facts still within their windows.
    case: dict[str, Any]
    # Each windowed fact with its value, date and origin, or "not assessed".
    facts: list[FactLine] = Field(default_factory=list)
    # The last known value of every fact (also those past their window), by field path.
    known: dict[str, Any] = Field(default_factory=dict)


@cache
def _dermatomes_of() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for d in dermatomes().values():
        for code in d.points:
            found.setdefault(code, []).append(d.segment)
    return found


def atlas_site(code: str) -> PointSite | None:
    """Where the atlas places ``code`` (region and dermatomes); None for a point it lacks."""
    try:
        entry = atlas_point(code)
    except (KeyError, ValueError):
        return None
    return PointSite(region=Region(entry.region), dermatomes=_dermatomes_of().get(entry.code, []))


def _known_codes(points: list[NeedledPoint] | list[PlanPoint]) -> list[str]:
    known = atlas()
    codes = []
    for p in points:
        try:
            code = normalise_code(p.code)
        except ValueError:
            continue
        if code in known:
            codes.append(code)
    return codes


def _screen(session: Session, patient: Patient, row: PlanRecord, day: Mapping[str, Any],
            on: date, points: list[NeedledPoint] | list[PlanPoint]
            ) -> tuple[DayScreen, dict[str, KnownFact]]:
    """What is known today, screened with the point cautions of ``points``; and those facts.

    A day fact that cannot be used raises ``ValidationError`` located under ``day``.
    """
    return screen_from(row, _recorded(session, patient), day, on, points)


def screen_from(row: PlanRecord, recorded: list[TreatmentSession], day: Mapping[str, Any],
                on: date, points: list[NeedledPoint] | list[PlanPoint]
                ) -> tuple[DayScreen, dict[str, KnownFact]]:
    """``_screen`` from rows already read (the patient's sessions in force, oldest first)."""
    known = day_facts_known(row, recorded, day, on)
    plan = Plan.model_validate(row.plan_json)  # every caller validated it already
    found, screened = screened_from(plan, known, day, on, points)
    view = DayScreen(plan_id=row.id, screen=screened, points=plan.points,
                     case=found.case.model_dump(mode="json"), facts=found.lines,
                     known={p: f.value for p, f in known.items()})
    return view, known


def screened_from(plan: Plan, known: Mapping[str, KnownFact], day: Mapping[str, Any], on: date,
                  points: list[NeedledPoint] | list[PlanPoint]) -> tuple[DayFacts, SafetyScreen]:
    """The day's facts and screen of ``screen_from`` (``plan``: its row's, validated once),
    without the session page's view (today's list shows the facts and cautions alone)."""
    codes = _known_codes(points)
    try:
        found = screen_day(known, on, codes)
    except ValidationError as exc:
        raise relocated(exc, day) from None
    # A planned point with a needling limit (thoracic Jiaji, a danger-zone point added by hand)
    # is a caution to acknowledge at every session it is needled (clinical/anatomy.py).
    findings = found.screen.findings + limit_findings(p for p in plan.points if p.code in codes)
    return found, SafetyScreen(status=SafetyScreen.verdict(findings), findings=findings)


def _view(row: TreatmentSession, pseudo_id: str) -> SessionView:
    rec = SessionRecord.model_validate(row.record_json)
    status = (row.screen_json or {}).get("status")
    return SessionView(id=row.id, patient=pseudo_id, number=rec.session_number,
                       on=row.occurred_on, attendance=rec.attendance, record=rec,
                       screen_status=status, acknowledged=list(row.acknowledged_rules),
                       deviation=row.deviation)  # fmt: skip


def day_screen(ctx: Context, actor: Actor, pseudo_id: str, day: Mapping[str, Any], on: date
               ) -> DayScreen:
    """Today's screen of the accepted plan's points (``CourseRefused`` when none is accepted)."""
    require(ctx, actor, UseCase.COURSE_READ, Action.READ, _RESOURCE, pseudo_id)
    with ctx.db.write() as session:
        patient = load_patient(session, actor, pseudo_id)
        if patient is not None:
            row = accepted_plan(session, patient)
            if row is None:
                raise CourseRefused(_("the patient has no accepted plan: accept one first"))
            plan = Plan.model_validate(row.plan_json)
            found = _screen(session, patient, row, day, on, plan.points)[0]
            record(session, ctx.audit_key, actor=actor, action=Action.READ, resource="plan",
                   patient=pseudo_id)
            return found
    not_found(ctx, actor, Action.READ, _RESOURCE, pseudo_id)


def record_session(ctx: Context, actor: Actor, pseudo_id: str,
                   data: SessionIn | Mapping[str, Any]) -> SessionView:
    """Record a session (attended, cancelled or missed) after the day's screen allows it.

    A raw ``data`` is validated after the patient is found (``ValidationError`` naming the
    field), so an outsider learns nothing. Refusals raise ``CourseRefused`` with every reason
    and leave the database as it was but for the audited refusal.
    """
    require(ctx, actor, UseCase.COURSE_WRITE, Action.CREATE, _RESOURCE, pseudo_id)
    try:
        with ctx.db.write() as session:
            patient = load_patient(session, actor, pseudo_id, lock=True)
            if patient is not None:
                given = data if isinstance(data, SessionIn) else SessionIn.model_validate(data)
                check_input(given)
                row = _record(session, ctx, actor, patient, given)
                return _view(row, pseudo_id)
    except CourseRefused as exc:
        refused(ctx, actor, Action.CREATE, _RESOURCE, pseudo_id, exc)
    not_found(ctx, actor, Action.CREATE, _RESOURCE, pseudo_id)


def _record(session: Session, ctx: Context, actor: Actor, patient: Patient, given: SessionIn
            ) -> TreatmentSession:
    plan_row = accepted_plan(session, patient)
    if plan_row is None:
        raise CourseRefused(
            _("the patient has no accepted plan: a session is recorded against one"))
    plan = Plan.model_validate(plan_row.plan_json)
    planned = _planned(session, plan_row)
    total = _total_sessions(plan, planned)
    done = {int(t.record_json["session_number"])
            for t in _recorded(session, patient) if t.plan_id == plan_row.id}
    number = given.number
    if number is None:
        number = next((p.number for p in planned if p.number <= total and p.number not in done),
                      max(done | {total}) + 1)
    if number in done:
        raise CourseRefused(_("Session %(n)s of this plan is already recorded.") % {"n": number})
    check_clinical_date("on", _("The session date"), given.on, patient.identity.date_of_birth)
    recorded = _recorded(session, patient)
    if not given.confirm and (warnings := session_warnings(
            number, total, given.on, given.attendance == "attended",
            {t.occurred_on for t in recorded if t.attendance == "attended"})):
        raise NeedsConfirmation(warnings)
    fields = given.model_dump(exclude={"number", "day", "acknowledged", "confirm"},
                              exclude_unset=True)
    fields["on"], fields["attendance"] = given.on, given.attendance
    if given.attendance == "attended" and "practitioner" not in fields:  # signed by the profile
        fields["practitioner"] = stricta_practitioner(session, actor.user_id)
    rec = SessionRecord.model_validate({**fields, "session_number": number})
    screen_json: dict[str, Any] | None = None
    if rec.attendance == "attended":
        today, known = _screen(session, patient, plan_row, given.day, given.on,
                               list(rec.points))
        problems = check_session(rec, today.screen, set(given.acknowledged), atlas_site,
                                 plan.points)
        problems += session_problems(rec.points, plan.points)  # anatomical danger zones
        if problems:
            raise CourseRefused(_("Session not recorded: %(problems)s") % {
                "problems": "; ".join(problems)})
        # The facts this screen used, with their dates and origins, for the next session.
        screen_json = {**today.screen.model_dump(mode="json"),
                       FACTS_KEY: stored_facts(known, number)}
    slot = next((p for p in planned if p.number == number), None)
    row = TreatmentSession(
        clinic_id=patient.clinic_id, patient_id=patient.id, plan_id=plan_row.id,
        planned_session_id=slot.id if slot is not None else None, occurred_on=rec.on,
        attendance=rec.attendance, record_json=rec.model_dump(mode="json"),
        screen_json=screen_json,
        acknowledged_rules=sorted(set(given.acknowledged)), deviation=rec.deviation,
        practitioner_id=actor.user_id,
    )  # fmt: skip
    session.add(row)
    session.flush()
    record(session, ctx.audit_key, actor=actor, action=Action.CREATE, resource=_RESOURCE,
           patient=patient.pseudo_id)
    return row


def list_sessions(ctx: Context, actor: Actor, pseudo_id: str) -> list[SessionView]:
    """Every recorded session of the patient, oldest first."""
    return audited_read(
        ctx, actor, UseCase.COURSE_READ, Action.LIST, _RESOURCE, pseudo_id,
        lambda session, patient: [_view(t, pseudo_id) for t in _recorded(session, patient)],
    )


def course_overview(ctx: Context, actor: Actor, pseudo_id: str, *, today: date
                    ) -> CourseOverview:
    """The accepted plan's schedule, what is due ``today``, sessions recorded and adherence.

    Adherence counts against the planned sessions due up to ``today`` (follow-up visits are
    not sessions).
    """
    require(ctx, actor, UseCase.COURSE_READ, Action.READ, _RESOURCE, pseudo_id)
    with ctx.db.write() as session:
        patient = load_patient(session, actor, pseudo_id)
        if patient is not None:
            overview = _overview(session, patient, today)
            record(session, ctx.audit_key, actor=actor, action=Action.READ,
                   resource=_RESOURCE, patient=pseudo_id)
            return overview
    not_found(ctx, actor, Action.READ, _RESOURCE, pseudo_id)


def _overview(session: Session, patient: Patient, today: date) -> CourseOverview:
    plan_row = accepted_plan(session, patient)
    planned = [] if plan_row is None else _planned(session, plan_row)
    return overview_from(patient.pseudo_id, _recorded(session, patient), plan_row, planned,
                         today)


def overview_from(pseudo_id: str, recorded: list[TreatmentSession], plan_row: PlanRecord | None,
                  planned: list[PlannedSession], today: date) -> CourseOverview:
    """``course_overview`` from rows already read (sessions in force, the plan's visits)."""
    sessions = [_view(t, pseudo_id) for t in recorded]
    visits: list[Visit] = []
    total = 0
    course: list[tuple[int, date]] = []
    if plan_row is not None:
        plan = Plan.model_validate(plan_row.plan_json)
        total = _total_sessions(plan, planned)
        course = _course_of(plan, planned)  # the visits of kind "session" below, as today's list
        by_number = {s.number: s.attendance for s in sessions}
        visits = [
            Visit(number=p.number, due_on=p.due_on,
                  kind="follow-up" if p.number > total else "session",
                  reassessment=p.reassessment, instruments_due=list(p.instruments_due),
                  attendance=by_number.get(p.number))
            for p in planned
        ]  # fmt: skip
    records = [s.record for s in sessions]
    upcoming = next_session(records, course)
    return CourseOverview(
        patient=pseudo_id, plan_id=plan_row.id if plan_row else None,
        start_on=plan_row.start_on if plan_row else None, planned_sessions=total,
        schedule=visits, due_today=[v for v in visits if v.due_on == today],
        sessions=sessions, adherence=adherence(records, course, today),
        next_number=upcoming[0] if upcoming else None,
    )  # fmt: skip
