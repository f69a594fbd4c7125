"""The tablet kiosk pages: handing a questionnaire to the patient and getting the tablet back.

The clinician hands over with a POST (a CSRF-checked form, so no link from elsewhere can lock
someone's browser): the answer sets the kiosk cookie (``services.kiosk``, 30 minutes) and
deletes the clinician's session and CSRF cookies. From then on ``deps.web_actor`` sends every
clinician page, typed or reached by Back, to ``/kiosk``, which shows the questionnaire, then
the thanks page; "Clinician: show the result" leads to ``/kiosk/unlock``, where the clinician's
password (throttled and counted like a login) ends the kiosk and starts a fresh session.
Every answer carries ``Cache-Control: no-store`` (``api._security``), so Back shows nothing
kept from before the hand-over.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse

from acuneuro.clinical.scoring import get_instrument
from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import Instrument
from acuneuro.services import AuthenticationFailed, Throttled
from acuneuro.services import kiosk as service
from acuneuro.services.accounts import issue_session, session_login_time
from acuneuro.web.deps import (
    CSRF_COOKIE,
    KIOSK_COOKIE,
    SESSION_COOKIE,
    ContextDep,
    WebActorDep,
    check_csrf,
    clear_cookie,
    client_address,
    render,
    set_cookie,
)
from acuneuro.web.routes.assessment import _FIELD, SCORE_REFUSALS, _answers, refusal_errors

__all__ = ["KIOSK_PAGE", "UNLOCK_PAGE", "router"]

router = APIRouter(include_in_schema=False)
KIOSK_PAGE = "/kiosk"
UNLOCK_PAGE = "/kiosk/unlock"
_WRONG = N_("That password is not right: the tablet stays locked.")
_OTHER = N_("This tablet answers only the questionnaire it was handed over with.")


@router.post("/patients/{patient_id}/assessments/kiosk")
def hand_over(
    request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str,
    instrument: Annotated[str, Form(max_length=32)], csrf: Annotated[str, Form()] = "",
) -> Response:
    """Lock this browser to one questionnaire for one patient (see the module docstring)."""
    check_csrf(request, csrf)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    value = service.hand_over(ctx, actor, patient_id, instrument,
                              logged_in_at=session_login_time(ctx, cookie))
    response = RedirectResponse(KIOSK_PAGE, status.HTTP_303_SEE_OTHER)
    set_cookie(request, response, KIOSK_COOKIE, value, max_age=service.KIOSK_MINUTES * 60)
    clear_cookie(request, response, SESSION_COOKIE)
    clear_cookie(request, response, CSRF_COOKIE)
    return response


@router.get(KIOSK_PAGE)
def kiosk_page(request: Request, ctx: ContextDep) -> Response:
    """The questionnaire, or once answered the thanks page."""
    kiosk = _open(request, ctx)
    if kiosk is None:
        return _ended(request)
    if kiosk.score_id is not None:
        return render(request, "assessment_done.html", {"result_href": UNLOCK_PAGE}, ctx=ctx)
    return _tablet(request, ctx, get_instrument(kiosk.instrument), {}, {})


@router.post(KIOSK_PAGE)
async def kiosk_answer(request: Request, ctx: ContextDep) -> Response:
    """Store the patient's answers once, then the thanks page."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    kiosk = _open(request, ctx)
    if kiosk is None:
        return _ended(request)
    if kiosk.score_id is not None:
        return RedirectResponse(KIOSK_PAGE, status.HTTP_303_SEE_OTHER)
    if str(form.get("instrument", "")) != kiosk.instrument:
        raise HTTPException(status.HTTP_403_FORBIDDEN, _(_OTHER))
    instrument = get_instrument(kiosk.instrument)
    values = {key: str(value) for key, value in form.items() if key.startswith(_FIELD)}
    errors: dict[str, str] = {}
    answers: dict[str, Any] = _answers(instrument, form, errors)
    if not errors:
        try:
            _score, value = service.answer(ctx, kiosk, answers)
        except SCORE_REFUSALS as exc:
            errors.update(refusal_errors(exc))
    if errors:
        return _tablet(request, ctx, instrument, values, errors,
                       status.HTTP_422_UNPROCESSABLE_CONTENT)
    response = RedirectResponse(KIOSK_PAGE, status.HTTP_303_SEE_OTHER)
    left = service.KIOSK_MINUTES * 60 - (time.time_ns() // 1_000_000 - kiosk.issued_ms) // 1000
    set_cookie(request, response, KIOSK_COOKIE, value, max_age=max(1, left))
    return response


@router.get(UNLOCK_PAGE)
def unlock_page(request: Request, ctx: ContextDep) -> Response:
    """The password form that gives the tablet back to the clinician."""
    if _open(request, ctx) is None:
        return _ended(request)
    return render(request, "kiosk_unlock.html", {"error": None}, ctx=ctx)


@router.post(UNLOCK_PAGE)
def unlock(
    request: Request, ctx: ContextDep, password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The clinician's password ends the kiosk and starts a fresh session; a wrong one does not."""
    check_csrf(request, csrf)
    kiosk = _open(request, ctx)
    if kiosk is None:
        return _ended(request)
    try:
        actor = service.unlock(ctx, kiosk, password, client_address(request))
    except Throttled as wait:
        page = render(request, "kiosk_unlock.html", {"error": str(wait)}, ctx=ctx,
                      status_code=status.HTTP_429_TOO_MANY_REQUESTS)
        page.headers["Retry-After"] = str(wait.retry_after)
        return page
    except AuthenticationFailed:
        return render(request, "kiosk_unlock.html", {"error": _(_WRONG)}, ctx=ctx,
                      status_code=status.HTTP_400_BAD_REQUEST)
    target = f"/patients/{kiosk.patient}"
    if kiosk.score_id is not None:
        target += f"/assessments/{kiosk.score_id}"
    response = RedirectResponse(target, status.HTTP_303_SEE_OTHER)
    set_cookie(request, response, SESSION_COOKIE,
               issue_session(ctx, actor, logged_in_at=kiosk.logged_in_at),
               max_age=ctx.session_hours * 3600)
    clear_cookie(request, response, KIOSK_COOKIE)
    clear_cookie(request, response, CSRF_COOKIE)
    return response


def _open(request: Request, ctx: ContextDep) -> service.Kiosk | None:
    value = request.cookies.get(KIOSK_COOKIE)
    if not value:
        return None
    try:
        return service.open_kiosk(ctx, value, client_address(request))
    except service.KioskOver:
        return None


def _ended(request: Request) -> Response:
    """No kiosk (or one over): forget its cookie; the login page is what is left."""
    response = RedirectResponse("/", status.HTTP_303_SEE_OTHER)
    clear_cookie(request, response, KIOSK_COOKIE)
    return response


def _tablet(request: Request, ctx: ContextDep, instrument: Instrument, values: dict[str, str],
            errors: dict[str, str], status_code: int = status.HTTP_200_OK) -> Response:
    shown = instrument.self_report_items()
    return render(request, "assessment_tablet.html", {
        "action": KIOSK_PAGE, "instrument": instrument, "shown": shown,
        "left_for_clinician": len(instrument.items) - len(shown), "values": values,
        "errors": errors, "field": _FIELD}, ctx=ctx, status_code=status_code)
