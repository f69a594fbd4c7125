"""Assessment pages: the "Screening and outcomes" section, the new-assessment form, the result.

The form works without JavaScript: it posts, the score is stored, and the browser is sent
to the result page (post/redirect/get, so a reload never stores the response twice). Two
modes: ``clinician`` (date and patient name shown) and ``tablet`` (large controls, nothing
about the patient on screen, no navigation, ends on a thank-you page for the patient). The
tablet shows the self-report items only and posts as ``completed_by: patient``, so the
services refuse an examination or grading answer even if one is forged into the form.
Scoring, clinic scope and audit are the services' (:mod:`acuneuro.services.assessment`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from acuneuro.clinical.scoring import (
    AnswerError,
    ClinicianOnlyError,
    UnknownInstrumentError,
    get_instrument,
    list_instruments,
)
from acuneuro.i18n import N_, current_locale
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import Instrument, Item, language_version
from acuneuro.services import Actor, Context, PatientView, kiosk, patients
from acuneuro.services import assessment as service
from acuneuro.services.messages import sentence_of
from acuneuro.web.deps import ContextDep, WebActorDep, check_csrf, render
from acuneuro.web.sections import Section, add_section

__all__ = ["router"]

# Row ids are PostgreSQL integers: a larger number is no row (a 500 in SQLite before, issue 13).
ScoreId = Annotated[int, Path(ge=1, le=2**31 - 1)]
router = APIRouter(prefix="/patients/{patient_id}/assessments", include_in_schema=False)

Mode = Literal["clinician", "tablet"]
_FIELD = "item-"


def _scores_section(ctx: Context, actor: Actor, patient: PatientView) -> Mapping[str, object]:
    return {"scores": service.list_scores(ctx, actor, patient.id)}


add_section(Section("scores", N_("Screening and outcomes"), "sections/scores.html", order=40,
                    load=_scores_section))


# What a refused score raises; ``refusal_errors`` puts each on its field.
SCORE_REFUSALS = (AnswerError, service.NotStorable, service.NotSelfReport, ValidationError)


def refusal_errors(exc: Exception) -> dict[str, str]:
    """The form errors of a refused score, by field ("form" when it is no field's)."""
    if isinstance(exc, ClinicianOnlyError):
        # Not a question on the tablet's screen: the patient is asked to hand it back.
        return {"form": exc.problem}
    if isinstance(exc, AnswerError):
        return {exc.item: exc.problem}
    if isinstance(exc, ValidationError):
        return {str(e["loc"][0]) if e["loc"] else "form": sentence_of(e).sentence
                for e in exc.errors()}
    return {"form": str(exc)}


@router.get("/new")
def new_assessment(
    request: Request,
    ctx: ContextDep,
    actor: WebActorDep,
    patient_id: str,
    instrument: str = "",
    mode: str = "clinician",
) -> Response:
    """Choose an instrument, or the empty form of the chosen one."""
    patient = patients.get_patient(ctx, actor, patient_id)
    if not instrument:
        listed = list_instruments()
        return render(request, "assessment_choose.html",
                      {"patient": patient,
                       "instruments": [i for i in listed if service.storable(i["id"])],
                       "not_storable": [i for i in listed if not service.storable(i["id"])],
                       "clinician_only": [i for i in listed
                                          if not get_instrument(i["id"]).self_report_items()]},
                      ctx=ctx, actor=actor)
    chosen, how = _instrument(instrument), _mode(mode)
    if how == "tablet" and not chosen.self_report_items():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            _("%(name)s is recorded by a clinician (examination or grading); it cannot be "
              "handed to the patient on the tablet.") % {"name": chosen.name},
        )
    if how == "tablet":
        # Handing over locks this browser to the questionnaire (routes/kiosk.py): say so first.
        return render(request, "kiosk_handover.html",
                      {"patient": patient, "instrument": chosen,
                       "minutes": kiosk.KIOSK_MINUTES}, ctx=ctx, actor=actor)
    return _form(request, ctx, actor, patient, chosen, how, {}, {})


@router.post("")
async def submit_assessment(
    request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str
) -> Response:
    """Score and store the form, then show the result (or the form again, with its errors)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    instrument = _instrument(str(form.get("instrument", "")))
    mode = _mode(str(form.get("mode", "clinician")))
    values = {key: str(value) for key, value in form.items() if key.startswith(_FIELD)}
    taken_on = str(form.get("taken_on", "")).strip() if mode == "clinician" else ""
    values["taken_on"] = taken_on
    errors: dict[str, str] = {}
    answers = _answers(instrument, form, errors)
    if not errors:
        body: dict[str, Any] = {"instrument": instrument.id, "answers": answers}
        if mode == "tablet":
            body["completed_by"] = "patient"
        if taken_on:
            body["taken_on"] = taken_on
        try:
            view = service.record_score(ctx, actor, patient_id, body)
        except SCORE_REFUSALS as exc:
            errors.update(refusal_errors(exc))
    if errors:
        patient = patients.get_patient(ctx, actor, patient_id)
        return _form(request, ctx, actor, patient, instrument, mode, values, errors,
                     status.HTTP_422_UNPROCESSABLE_CONTENT)
    target = f"/patients/{patient_id}/assessments/{view.id}"
    if mode == "tablet":
        target += "/done"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


@router.get("/{score_id}")
def assessment_result(
    request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str, score_id: ScoreId
) -> Response:
    """One stored score: total, cut-off reading, interpretation and the answers given."""
    view = _score_of(ctx, actor, patient_id, score_id)
    patient = patients.get_patient(ctx, actor, patient_id)
    return render(request, "assessment_result.html",
                  {"patient": patient, "score": view, "instrument": _maybe(view.instrument)},
                  ctx=ctx, actor=actor)


@router.get("/{score_id}/done")
def assessment_done(
    request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str, score_id: ScoreId
) -> Response:
    """The tablet's last page: thanks, and a link for the clinician to the result."""
    view = _score_of(ctx, actor, patient_id, score_id)
    return render(request, "assessment_done.html",
                  {"result_href": f"/patients/{patient_id}/assessments/{view.id}"},
                  ctx=ctx, actor=actor)


def _score_of(ctx: Context, actor: Actor, patient_id: str, score_id: int) -> service.ScoreView:
    view = service.get_score(ctx, actor, score_id)
    if view.patient != patient_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, _("Not found."))
    return view


def _form(
    request: Request,
    ctx: Context,
    actor: Actor,
    patient: PatientView,
    instrument: Instrument,
    mode: Mode,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = status.HTTP_200_OK,
) -> Response:
    page = "assessment_tablet.html" if mode == "tablet" else "assessment_form.html"
    # The tablet shows the patient's own questions only; examinations stay with the clinician.
    shown = instrument.self_report_items() if mode == "tablet" else instrument.items
    context = {
        "action": f"/patients/{patient.id}/assessments",
        "patient": patient if mode == "clinician" else None,
        "instrument": instrument,
        "shown": shown,
        "left_for_clinician": len(instrument.items) - len(shown),
        "mode": mode,
        "values": values,
        "errors": errors,
        "today": date.today().isoformat(),
        "field": _FIELD,
        # Short labels are shown; beside them, the validated version in the reader's language.
        "language_version": language_version(instrument.id, current_locale()),
    }
    return render(request, page, context, ctx=ctx, actor=actor, status_code=status_code)


def _instrument(instrument_id: str) -> Instrument:
    try:
        return get_instrument(instrument_id)
    except UnknownInstrumentError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, _("No such instrument.")) from None


def _maybe(instrument_id: str) -> Instrument | None:
    try:
        return get_instrument(instrument_id)
    except UnknownInstrumentError:
        return None


def _mode(text: str) -> Mode:
    return "tablet" if text == "tablet" else "clinician"


def _answers(instrument: Instrument, form: FormData, errors: dict[str, str]) -> dict[str, Any]:
    """Form strings to the engine's answers: yes/no to booleans, numbers parsed, blank unset."""
    answers: dict[str, Any] = {}
    for item in instrument.items:
        raw = str(form.get(_FIELD + item.id, "")).strip()
        if not raw:
            continue
        value = _parse(item, raw)
        if value is None:
            errors[item.id] = "expects a number" if item.type == "number" else "not an option"
        else:
            answers[item.id] = value
    return answers


def _parse(item: Item, raw: str) -> bool | str | float | None:
    if item.type == "boolean":
        return {"yes": True, "no": False}.get(raw)
    if item.type == "choice":
        return raw
    if not raw.isascii():
        return raw  # float() reads "\u0663" as 3: the scorer refuses it, naming the item
    try:
        number = float(raw)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number
