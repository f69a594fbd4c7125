"""The course on the web: the "Course" and "Outcomes" sections, recording sessions, forms, PDFs.

Each route parses the form, calls one service function and renders; scope, roles and audit
are the services'. The "Record session" page shows the plan's points ticked, the STRICTA
fields and today's safety screen with one acknowledgement box per caution; "Check today's
screen" re-runs the screen with the day's facts, "Record session" saves or shows why not.
Charts are inline SVG drawn on the server (no script). The PDFs are the command line's
(``reports.render_report``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from acuneuro.clinical.case import Region
from acuneuro.clinical.medication import MedicationStatement
from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.knowledge.course import adverse_event_knowledge
from acuneuro.reports import render_report
from acuneuro.services import Actor, Context, PatientView
from acuneuro.services import course as course_service
from acuneuro.services import medication as medication_service
from acuneuro.services import outcomes as outcome_service
from acuneuro.services import patients as patients_service
from acuneuro.services import referrers as referrers_service
from acuneuro.services import sessions as session_service
from acuneuro.services.corrections import FieldRefused, NeedsConfirmation
from acuneuro.services.messages import validation_sentences
from acuneuro.services.practitioners import profile_of
from acuneuro.services.sessions import CourseRefused
from acuneuro.web._course_chart import mme_chart, scores_chart
from acuneuro.web._session_form import (
    day_facts,
    default_values,
    field_errors,
    session_document,
)
from acuneuro.web.deps import ContextDep, WebActorDep, check_csrf, render
from acuneuro.web.sections import Section, add_section

__all__ = ["router"]

router = APIRouter(prefix="/patients/{patient_id}", include_in_schema=False)


def _course_section(ctx: Context, actor: Actor, patient: PatientView) -> Mapping[str, object]:
    return {"course": session_service.course_overview(ctx, actor, patient.id,
                                                      today=date.today()),
            "today": date.today(),
            "referrers": referrers_service.list_referrers(ctx, actor, active_only=True)}


def _outcomes_section(ctx: Context, actor: Actor, patient: PatientView
                      ) -> Mapping[str, object]:
    today = date.today()
    view = outcome_service.outcomes(ctx, actor, patient.id, as_of=today)
    meds = medication_service.medication_summary(ctx, actor, patient.id, on=today)
    statements = [MedicationStatement(drug=m.drug, daily_dose=m.daily_dose, unit=m.unit,
                                      start=m.start_on, stop=m.stop_on) for m in meds.statements]
    start = meds.baseline_date or (min((m.start_on for m in meds.statements), default=today))
    return {"outcomes": view, "chart": scores_chart(view), "meds": meds,
            "mme_chart": mme_chart(statements, start, today), "today": today.isoformat(),
            "events": course_service.list_adverse_events(ctx, actor, patient.id)}


add_section(Section("course", N_("Course"), "sections/course.html", order=70, load=_course_section))
add_section(Section("course-outcomes", N_("Outcomes, medication and side effects"),
                    "sections/course_outcomes.html", order=80, load=_outcomes_section))


def _referrer_id(text: str) -> int | None:
    """The directory id chosen for the letter; none (a colleague) when blank or not an id."""
    return int(text) if text.isdigit() and len(text) < 10 else None


def _to_patient(patient_id: str, section: str) -> Response:
    return RedirectResponse(f"/patients/{patient_id}#section-{section}",
                            status.HTTP_303_SEE_OTHER)


def _fields(exc: ValidationError) -> str:
    return validation_sentences(exc)


def _session_page(request: Request, ctx: Context, actor: Actor, patient_id: str,
                  values: Mapping[str, Any], day: Mapping[str, Any], *,
                  refusal: str | None = None, status_code: int = 200,
                  invalid: ValidationError | None = None,
                  errors: Mapping[str, str] | None = None,
                  confirm_needed: list[str] | None = None) -> Response:
    patient = patients_service.get_patient(ctx, actor, patient_id)
    on = date.fromisoformat(str(values["on"])) if _is_date(values.get("on")) else date.today()
    errors = dict(errors or {})
    try:
        screen = session_service.day_screen(ctx, actor, patient_id, day, on)
    except ValidationError as exc:
        screen, invalid = None, invalid or exc
    other: list[str] = []
    if invalid is not None:
        found, other = field_errors(invalid)
        errors = {**found, **errors}
    if errors or other:
        refusal = " ".join([*([refusal] if refusal else []), *other,
                            _("Nothing was recorded: correct the fields marked below.")])
        status_code = status.HTTP_422_UNPROCESSABLE_CONTENT
    context = {"patient": patient, "screen": screen, "values": values, "refusal": refusal,
               "regions": [r.value for r in Region], "points": values.get("points", []),
               "errors": errors, "confirm_needed": confirm_needed or []}
    return render(request, "session_new.html", context, ctx=ctx, actor=actor,
                  status_code=status_code)


def _message(request: Request, ctx: Context, actor: Actor, patient: PatientView, text: str
             ) -> Response:
    return render(request, "course_message.html", {"patient": patient, "message": text},
                  ctx=ctx, actor=actor)


def _is_date(text: object) -> bool:
    try:
        date.fromisoformat(str(text))
    except ValueError:
        return False
    return True


@router.get("/sessions/new")
def new_session(request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str
                ) -> Response:
    """The form with the plan's points ticked and today's screen (no plan: says so)."""
    course = session_service.course_overview(ctx, actor, patient_id, today=date.today())
    if course.plan_id is None:
        patient = patients_service.get_patient(ctx, actor, patient_id)
        return _message(request, ctx, actor, patient, _("No accepted plan yet: accept a plan on "
                        "the plan page before recording a session."))
    screen = session_service.day_screen(ctx, actor, patient_id, {}, date.today())
    profile = profile_of(ctx, actor)  # records are signed by the profile, not a login e-mail
    values = default_values(screen.points, course.next_number, date.today(),
                            profile.display_name if profile else actor.email)
    if profile is not None and profile.qualification:
        values["practitioner_qualification"] = profile.qualification
    return _session_page(request, ctx, actor, patient_id, values, {})


@router.post("/sessions/new")
async def post_session(request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str
                       ) -> Response:
    """Check today's screen with the day's facts, or record the session."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    on = str(form.get("on", ""))
    try:
        known = session_service.day_screen(ctx, actor, patient_id, {}, date.fromisoformat(on)
                                           if _is_date(on) else date.today()).known
        planned = True
    except CourseRefused:
        known, planned = {}, False  # no accepted plan: recording says so (after the role check)
    day = day_facts(form, known)
    values: dict[str, Any] = {k: v for k, v in form.items() if k not in {"csrf", "points", "ack"}}
    values["points"] = [str(v) for v in form.getlist("points")]
    values["ack"] = [str(v) for v in form.getlist("ack")]
    if form.get("action") != "record":
        return _session_page(request, ctx, actor, patient_id, values, day)
    if _is_date(on) and date.fromisoformat(on) > date.today():
        return _session_page(request, ctx, actor, patient_id, values, day, errors={
            "on": _("The session date is after today: record a session once it has happened.")})
    try:
        session_service.record_session(ctx, actor, patient_id, session_document(form, day))
    except NeedsConfirmation as exc:  # nothing written: the warning and an "I confirm" box
        return _session_page(request, ctx, actor, patient_id, values, day, refusal=str(exc),
                             status_code=status.HTTP_409_CONFLICT,
                             confirm_needed=exc.warnings)
    except FieldRefused as exc:
        return _session_page(request, ctx, actor, patient_id, values, day,
                             errors={exc.field: str(exc)})
    except CourseRefused as exc:
        if not planned:
            raise
        return _session_page(request, ctx, actor, patient_id, values, day, refusal=str(exc),
                             status_code=status.HTTP_400_BAD_REQUEST)
    except ValidationError as exc:
        return _session_page(request, ctx, actor, patient_id, values, day, invalid=exc)
    return _to_patient(patient_id, "course")


@router.get("/adverse-events/new")
def new_adverse_event(request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str
                      ) -> Response:
    """The adverse event form (CTCAE v5.0 grades, NCI attribution)."""
    patient = patients_service.get_patient(ctx, actor, patient_id)
    return _event_page(request, ctx, actor, patient, {"on": date.today().isoformat()})


def _event_page(request: Request, ctx: Context, actor: Actor, patient: PatientView,
                values: Mapping[str, Any], error: str | None = None,
                status_code: int = 200) -> Response:
    k = adverse_event_knowledge()
    context = {"patient": patient, "values": values, "error": error, "types": k.types,
               "grades": k.grades.levels, "relatedness": k.relatedness.levels,
               "actions": k.actions, "outcomes": k.outcomes}
    return render(request, "adverse_event_new.html", context, ctx=ctx, actor=actor,
                  status_code=status_code)


@router.post("/adverse-events/new")
async def post_adverse_event(request: Request, ctx: ContextDep, actor: WebActorDep,
                             patient_id: str) -> Response:
    """Record the event; a bad field is shown on the form."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    doc = {k: v for k, v in values.items() if v.strip()}
    try:
        course_service.add_adverse_event(ctx, actor, patient_id, doc)
    except (ValidationError, CourseRefused) as exc:
        message = _fields(exc) if isinstance(exc, ValidationError) else str(exc)
        patient = patients_service.get_patient(ctx, actor, patient_id)
        return _event_page(request, ctx, actor, patient, values, message,
                           status.HTTP_422_UNPROCESSABLE_CONTENT)
    return _to_patient(patient_id, "course-outcomes")


async def _medication_form(request: Request) -> dict[str, str]:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    return {k: str(v).strip() for k, v in form.items() if k != "csrf" and str(v).strip()}


def _refuse(exc: ValidationError) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, _fields(exc))


@router.post("/medications/new")
async def post_medication(request: Request, ctx: ContextDep, actor: WebActorDep,
                          patient_id: str) -> Response:
    """Add a medication statement."""
    doc = await _medication_form(request)
    try:
        medication_service.add_medication(ctx, actor, patient_id, doc)
    except ValidationError as exc:
        raise _refuse(exc) from None
    except FieldRefused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return _to_patient(patient_id, "course-outcomes")


@router.post("/medications/stop")
async def post_medication_stop(request: Request, ctx: ContextDep, actor: WebActorDep,
                               patient_id: str) -> Response:
    """Stop a statement on its last day taken."""
    doc = await _medication_form(request)
    try:
        medication_service.stop_medication(ctx, actor, patient_id, doc)
    except ValidationError as exc:
        raise _refuse(exc) from None
    return _to_patient(patient_id, "course-outcomes")


@router.post("/medications/dose")
async def post_dose_change(request: Request, ctx: ContextDep, actor: WebActorDep,
                           patient_id: str) -> Response:
    """Change a dose (the old statement closes the day before)."""
    doc = await _medication_form(request)
    try:
        medication_service.change_dose(ctx, actor, patient_id, doc)
    except ValidationError as exc:
        raise _refuse(exc) from None
    return _to_patient(patient_id, "course-outcomes")


@router.get("/report.pdf")
def report_pdf(request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str,
               kind: str = "patient", referrer: str = "") -> Response:
    """The patient's progress report or the referral letter, as ``acuneuro report`` writes it."""
    try:
        pdf: bytes = render_report(ctx, actor, patient_id, kind, today=date.today(),
                                   referrer_id=_referrer_id(referrer))
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    except CourseRefused as exc:
        patient = patients_service.get_patient(ctx, actor, patient_id)
        return _message(request, ctx, actor, patient,
                        _("No report yet: %(reason)s") % {"reason": exc})
    name = f"{patient_id}-{'progress-report' if kind == 'patient' else 'referral-letter'}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
