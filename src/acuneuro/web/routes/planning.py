"""The planning page of a patient, and the "Acupuncture plan" section of the patient page.

``/patients/{id}/plan`` shows the case form, then the chosen plan: safety findings first, the
body map, the points with their reasons and sources, stimulation, course and what was left
out. The clinician edits and accepts it with plain forms (no script needed). Each route
parses the form, calls one service function and renders; scope, roles and audit are the
services' (``acuneuro.services.planning``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from acuneuro.clinical.case import ConditionKind
from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import bibliography
from acuneuro.services import Actor, Context, PatientView
from acuneuro.services import patients as patients_service
from acuneuro.services import planning as service
from acuneuro.services.grading import neuropathic_grading
from acuneuro.services.messages import validation_sentences
from acuneuro.services.planning import PlanRefused, PlanView, PointRefused, point_key
from acuneuro.web._bodymap import point_anchor, render_bodymap
from acuneuro.web._case_form import (
    DEVICE_LABELS,
    DEVICES,
    REGIONS,
    case_from_form,
    error_fields,
    form_from_case,
    form_problems,
)
from acuneuro.web.deps import ContextDep, WebActorDep, check_csrf, render
from acuneuro.web.sections import Section, add_section

__all__ = ["router"]

router = APIRouter(prefix="/patients/{patient_id}/plan", include_in_schema=False)

_SIDES = ("both", "left", "right", "midline")


def _page(
    request: Request,
    ctx: Context,
    actor: Actor,
    patient: PatientView,
    *,
    plan: PlanView | None,
    values: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
    edit_errors: Mapping[str, str] | None = None,
    edit_values: Mapping[str, Any] | None = None,
) -> Response:
    known = bibliography()
    cited = sorted({s for p in (plan.plan.points if plan else []) for s in p.sources}
                   | set(plan.plan.sources if plan else []))  # fmt: skip
    context = {
        "patient": patient,
        "plans": service.list_plans(ctx, actor, patient.id),
        "plan": plan,
        "keys": {point_key(p): p for p in plan.plan.points} if plan else {},
        "bodymap": render_bodymap(plan.plan, plan.case.pain.regions) if plan else "",
        "point_anchor": point_anchor,
        "sources": {s: known[s].citation for s in cited if s in known},
        "values": values,
        "errors": errors or {},
        "refusal": refusal,
        "edit_errors": edit_errors or {},
        "edit_values": edit_values or {},
        "regions": REGIONS,
        "devices": DEVICES,
        "device_labels": DEVICE_LABELS,
        "kinds": [k.value for k in ConditionKind],
        "sides": _SIDES,
        "today": date.today().isoformat(),
        "can_write": actor.role in service.WRITE_ROLES,
    }
    return render(request, "plan.html", context, ctx=ctx, actor=actor, status_code=status_code)


def _plan_id(text: str | None) -> int | None:
    return int(text) if text and text.isascii() and text.isdigit() and len(text) < 10 else None


@router.get("")
def plan_page(
    request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str
) -> Response:
    """The case form and the chosen plan (``?plan=ID``), else the newest one."""
    patient = patients_service.get_patient(ctx, actor, patient_id)
    wanted = _plan_id(request.query_params.get("plan"))
    if wanted is None:
        newest = service.list_plans(ctx, actor, patient_id)
        wanted = newest[0].id if newest else None
    plan = service.get_plan(ctx, actor, patient_id, wanted) if wanted is not None else None
    case = plan.case.model_dump(mode="json") if plan else service.case_defaults(
        patient, date.today())
    return _page(request, ctx, actor, patient, plan=plan, values=form_from_case(case))


def _to_plan(patient_id: str, plan_id: int) -> Response:
    return RedirectResponse(f"/patients/{patient_id}/plan?plan={plan_id}",
                            status.HTTP_303_SEE_OTHER)


@router.post("")
async def propose(
    request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str
) -> Response:
    """Plan the case the form describes and store it as proposed."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    document = case_from_form(form, {"devices": [str(v) for v in form.getlist("devices")]})
    if problems := form_problems(form):
        patient = patients_service.get_patient(ctx, actor, patient_id)
        kept: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf"}
        kept["devices"] = [str(v) for v in form.getlist("devices")]
        return _page(request, ctx, actor, patient, plan=None, values=kept, errors=problems,
                     status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    try:
        plan = service.propose_plan(ctx, actor, patient_id, document, today=date.today())
    except ValidationError as exc:
        patient = patients_service.get_patient(ctx, actor, patient_id)
        values: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf"}
        values["devices"] = [str(v) for v in form.getlist("devices")]
        return _page(request, ctx, actor, patient, plan=None, values=values,
                     errors=error_fields(exc.errors()),
                     status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return _to_plan(patient_id, plan.id)


def _edit(form: FormData) -> dict[str, Any]:
    """The edit the plan form describes: only what the clinician changed."""
    edit: dict[str, Any] = {"remove": [str(v) for v in form.getlist("remove")], "sides": {}}
    for name, value in form.items():
        if name.startswith("side:"):
            key = name.removeprefix("side:")
            if str(value) != str(form.get(f"was:{key}", "")) and key not in edit["remove"]:
                edit["sides"][key] = str(value)
    code = str(form.get("add_code", "")).strip()
    if code:
        sources = [s.strip() for s in str(form.get("add_sources", "")).split(",") if s.strip()]
        edit["add"] = [{"code": code, "side": str(form.get("add_side", "")),
                        "role": str(form.get("add_role", "")) or "local",
                        "rationale": str(form.get("add_rationale", "")), "sources": sources,
                        **_danger_fields(form)}]
    spw, weeks = str(form.get("course_spw", "")).strip(), str(form.get("course_weeks", "")).strip()
    if spw or weeks:
        edit["course"] = {"sessions_per_week": spw, "weeks": weeks}
    return edit


def _danger_fields(form: FormData) -> dict[str, Any]:
    """The acknowledgement and needling limit of a danger-zone point, as far as given."""
    found: dict[str, Any] = {"danger_acknowledged": form.get("add_danger_acknowledged") == "yes"}
    for name in ("max_depth_mm", "angle", "direction"):
        value = str(form.get(f"add_{name}", "")).strip()
        if value:
            found[name] = value
    return found


# The form field that shows a refused point's problem, by the request field it names.
_ADD_FIELDS = {"code": "add_code", "danger_acknowledged": "add_danger_acknowledged",
               "max_depth_mm": "add_max_depth_mm", "angle": "add_angle"}


def _refused_page(
    request: Request, ctx: Context, actor: Actor, patient_id: str, plan_id: int, message: str,
    code: int, *, edit_errors: Mapping[str, str] | None = None,
    edit_values: Mapping[str, Any] | None = None,
) -> Response:
    patient = patients_service.get_patient(ctx, actor, patient_id)
    plan = service.get_plan(ctx, actor, patient_id, plan_id)
    return _page(request, ctx, actor, patient, plan=plan,
                 values=form_from_case(plan.case.model_dump(mode="json")), refusal=message,
                 status_code=code, edit_errors=edit_errors, edit_values=edit_values)


@router.post("/{plan_id}/edit")
async def edit(
    request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str, plan_id: str
) -> Response:
    """Apply the clinician's changes; an excluded point is refused with the finding."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    number = _plan_id(plan_id) or 0
    try:
        service.edit_plan(ctx, actor, patient_id, number, _edit(form))
    except PointRefused as exc:
        field = _ADD_FIELDS.get(str(exc.loc[-1]), "add_code")
        kept = {k: str(v) for k, v in form.items() if k.startswith("add_")}
        return _refused_page(request, ctx, actor, patient_id, number, str(exc),
                             status.HTTP_422_UNPROCESSABLE_CONTENT,
                             edit_errors={field: exc.reason}, edit_values=kept)
    except PlanRefused as exc:
        return _refused_page(request, ctx, actor, patient_id, number, str(exc), 400)
    except ValidationError as exc:
        message = validation_sentences(exc)
        return _refused_page(request, ctx, actor, patient_id, number, message,
                                   status.HTTP_422_UNPROCESSABLE_CONTENT)
    return _to_plan(patient_id, number)


@router.post("/{plan_id}/accept")
async def accept(
    request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str, plan_id: str
) -> Response:
    """Accept the plan and schedule it; then show the patient page with the schedule."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    number = _plan_id(plan_id) or 0
    try:
        service.accept_plan(ctx, actor, patient_id, number,
                            {"start_on": str(form.get("start_on", ""))})
    except PlanRefused as exc:
        return _refused_page(request, ctx, actor, patient_id, number, str(exc), 400)
    except ValidationError:
        return _refused_page(request, ctx, actor, patient_id, number,
                                   _("Start date: give the date of the first session."),
                                   status.HTTP_422_UNPROCESSABLE_CONTENT)
    return RedirectResponse(f"/patients/{patient_id}#section-plan", status.HTTP_303_SEE_OTHER)


def _section(ctx: Context, actor: Actor, patient: PatientView) -> Mapping[str, object]:
    plan = service.current_plan(ctx, actor, patient.id)
    today = date.today()
    due = [v for v in plan.schedule if v.due_on == today] if plan else []
    # The next session is the course section's to say (one truth: clinical.stricta.next_session).
    return {"plan": plan, "due_today": due, "today": today}


# The words of the plan and safety status codes, for the catalogue (shown with |label).
_STATUS_WORDS = (N_("proposed"), N_("accepted"), N_("superseded"), N_("go"), N_("caution"),
                 N_("stop"))
add_section(Section("plan", N_("Acupuncture plan"), "sections/plan.html", order=60, load=_section))


def _grading_section(ctx: Context, actor: Actor, patient: PatientView) -> Mapping[str, object]:
    return {"grading": neuropathic_grading(ctx, actor, patient.id)}


add_section(Section("grading", N_("Neuropathic pain: NeuPSIG grade"), "sections/grading.html",
                    order=50, load=_grading_section))
