"""The login page (``/``), logging in with a second factor, enrolling one, logging out.

A right password for an account that needs a second factor gives no session: it gives a
signed five-minute "pending" cookie that only the second step (``/login/mfa``) accepts. An
administrator or researcher without a factor gets neither a session nor a secret: the page
tells them to ask an administrator for a one-time enrolment link (``web.routes.account``),
because whoever knows only the password must not be able to bind their own phone.
Clinicians, for whom the factor is optional, may enrol from ``/account/mfa`` once logged in.
"""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse

from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.services import Actor, AuthenticationFailed, Context, Throttled
from acuneuro.services import mfa as mfa_service
from acuneuro.services.account_admin import end_sessions
from acuneuro.services.accounts import (
    PENDING_SECONDS,
    SecondFactorRequired,
    issue_pending,
    issue_session,
    resolve_pending,
)
from acuneuro.services.appointments import sees_appointments
from acuneuro.services.login import authenticate_async, complete_login_async
from acuneuro.services.preferences import language_of
from acuneuro.services.throttle import pause
from acuneuro.web._locale import remember_language
from acuneuro.web.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    ContextDep,
    KioskLocked,
    LoginRequired,
    WebActorDep,
    check_csrf,
    clear_cookie,
    client_address,
    render,
    set_cookie,
    web_actor,
)
from acuneuro.web.routes.account import qr_code

__all__ = ["PENDING_COOKIE", "router"]

router = APIRouter(include_in_schema=False)
PENDING_COOKIE = "acuneuro_mfa_pending"
_CODE = Annotated[str, Form(max_length=64)]
_NEEDS_LINK = N_("Your account needs a second factor (an authenticator app) before you can log "
               "in, and it has none yet. Ask an administrator of your clinic for a one-time "
               "enrolment link.")
_WRONG_CODE = N_("That code is not the one your app shows now (or it was already used). The "
               "secret above is unchanged: enter the code the app shows next.")


def _home(actor: Actor) -> str:
    """Where a login lands: today's list for those who see patients, else the dashboard."""
    return "/today" if sees_appointments(actor) else "/dashboard"


@router.get("/")
def login_page(request: Request, ctx: ContextDep) -> Response:
    """The login form, or today's list when already logged in."""
    try:
        actor = web_actor(request, ctx)
    except KioskLocked:  # the tablet is with a patient: its page, not a login form
        return RedirectResponse("/kiosk", status.HTTP_303_SEE_OTHER)
    except LoginRequired:
        return render(request, "login.html", {"error": None, "email": ""}, ctx=ctx)
    return RedirectResponse(_home(actor), status.HTTP_303_SEE_OTHER)


@router.post("/login")
async def login(
    request: Request,
    ctx: ContextDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Check the password; start a session, or ask for the second factor."""
    check_csrf(request, csrf)
    try:
        actor = await authenticate_async(ctx, email, password, client_address(request))
    except Throttled as wait:
        await pause(wait)
        return _throttled(request, ctx, wait, "login.html", {"email": email})
    except SecondFactorRequired as due:
        if not due.enrolled:
            return _ask_for_link(request, ctx, email)
        response = RedirectResponse("/login/mfa", status.HTTP_303_SEE_OTHER)
        set_cookie(request, response, PENDING_COOKIE, issue_pending(ctx, due.user_id),
                   max_age=PENDING_SECONDS)
        return response
    except AuthenticationFailed:
        return render(request, "login.html",
                      {"error": _("Wrong email or password."), "email": email}, ctx=ctx,
                      status_code=status.HTTP_401_UNAUTHORIZED)
    return _start_session(request, ctx, actor, RedirectResponse(_home(actor), 303))


@router.get("/login/mfa")
def second_factor_page(request: Request, ctx: ContextDep) -> Response:
    """The code form, or, for an account without a factor, its enrolment (secret shown once)."""
    user_id = _pending(request, ctx)
    if user_id is None:
        return RedirectResponse("/", status.HTTP_303_SEE_OTHER)
    with ctx.db.read() as session:
        enrolled = mfa_service.has_second_factor(session, user_id)
    if not enrolled:
        return _ask_for_link(request, ctx, "")
    return render(request, "mfa.html", {"error": None}, ctx=ctx)


@router.post("/login/mfa")
async def second_factor(
    request: Request, ctx: ContextDep, code: _CODE, csrf: Annotated[str, Form()] = ""
) -> Response:
    """Check the code (or a recovery code) and start the session."""
    check_csrf(request, csrf)
    user_id = _pending(request, ctx)
    if user_id is None:
        return RedirectResponse("/", status.HTTP_303_SEE_OTHER)
    try:
        actor = await complete_login_async(ctx, user_id, code, client_address(request))
    except Throttled as wait:
        await pause(wait)
        return _throttled(request, ctx, wait, "mfa.html", {})
    except AuthenticationFailed:
        return render(request, "mfa.html", {"error": _("Wrong or already used code.")}, ctx=ctx,
                      status_code=status.HTTP_401_UNAUTHORIZED)
    return _start_session(request, ctx, actor, RedirectResponse(_home(actor), 303))


@router.get("/account/mfa")
def account_mfa_page(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """Enrol a second factor for the logged-in account (optional for clinicians)."""
    with ctx.db.read() as session:
        enrolled = actor.user_id is not None and mfa_service.has_second_factor(
            session, actor.user_id)
    if enrolled or actor.user_id is None:
        return render(request, "mfa_enrol.html", {"enrolment": None, "error": None,
                                                  "action": ""}, ctx=ctx, actor=actor)
    enrolment = mfa_service.begin_enrolment(ctx, actor.user_id)
    return render(request, "mfa_enrol.html", {"enrolment": enrolment, "error": None,
                                              "qr": qr_code(enrolment.uri),
                                              "action": "/account/mfa"}, ctx=ctx, actor=actor)


@router.post("/account/mfa")
def account_mfa(
    request: Request, ctx: ContextDep, actor: WebActorDep, code: _CODE,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Confirm the logged-in account's new factor; show its recovery codes once."""
    check_csrf(request, csrf)
    codes = mfa_service.confirm_enrolment(ctx, actor.user_id, code) if actor.user_id else None
    if codes is None and actor.user_id is not None:
        with ctx.db.read() as session:
            enrolled = mfa_service.has_second_factor(session, actor.user_id)
        if not enrolled:
            enrolment = mfa_service.begin_enrolment(ctx, actor.user_id)  # the same secret
            return render(request, "mfa_enrol.html", {
                "enrolment": enrolment, "qr": qr_code(enrolment.uri), "error": _(_WRONG_CODE),
                "action": "/account/mfa"}, ctx=ctx, actor=actor, status_code=400)
    if codes is None:
        return RedirectResponse("/account/mfa", status.HTTP_303_SEE_OTHER)
    return render(request, "mfa_recovery.html", {"codes": codes}, ctx=ctx, actor=actor)


@router.post("/logout")
def logout(request: Request, ctx: ContextDep, csrf: Annotated[str, Form()] = "") -> Response:
    """End the session everywhere (a copied cookie stops working too) and forget it here."""
    check_csrf(request, csrf)
    # A session already over has nothing left to end; its cookie is still deleted below.
    with contextlib.suppress(LoginRequired):
        end_sessions(ctx, web_actor(request, ctx))
    response = RedirectResponse("/", status.HTTP_303_SEE_OTHER)
    clear_cookie(request, response, SESSION_COOKIE)
    return response


def _ask_for_link(request: Request, ctx: Context, email: str) -> Response:
    """No secret and no session: the account must enrol through an administrator's link."""
    response = render(request, "login.html", {"error": _(_NEEDS_LINK), "email": email}, ctx=ctx,
                      status_code=status.HTTP_403_FORBIDDEN)
    clear_cookie(request, response, PENDING_COOKIE)
    return response


def _pending(request: Request, ctx: Context) -> int | None:
    try:
        return resolve_pending(ctx, request.cookies.get(PENDING_COOKIE, ""))
    except AuthenticationFailed:
        return None


def _throttled(
    request: Request, ctx: Context, wait: Throttled, page: str, values: dict[str, str]
) -> Response:
    """The form again with the sentence saying when to try again: 429 and ``Retry-After``."""
    response = render(request, page, {**values, "error": str(wait)}, ctx=ctx,
                      status_code=status.HTTP_429_TOO_MANY_REQUESTS)
    response.headers["Retry-After"] = str(wait.retry_after)
    return response


def _start_session(request: Request, ctx: Context, actor: Actor, response: Response) -> Response:
    """A new session (new nonce: no fixation) and a new CSRF token, as after every login."""
    set_cookie(request, response, SESSION_COOKIE, issue_session(ctx, actor),
               max_age=ctx.session_hours * 3600)
    clear_cookie(request, response, CSRF_COOKIE)
    clear_cookie(request, response, PENDING_COOKIE)
    # The account's own language from now on; without one, the login page's or the browser's.
    language = language_of(ctx, actor.user_id)
    if language is not None:
        remember_language(request, response, language)
    return response
