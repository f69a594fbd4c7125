"""Account pages: one's own account (linked from every page's header: its second factor and
its password), enrolling a second factor through a one-time link, setting a password through a
reset link, and changing one's own password.

The links come from an administrator (``services.account_links``). The enrolment page shows
the same secret (with its QR code) on every visit until it is confirmed: a wrong code says so
and keeps it, the first valid code ends the enrolment and shows the recovery codes once. No
page of these starts a session: the person logs in afterwards with the password and a code.
"""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from acuneuro import i18n
from acuneuro.i18n import gettext as _
from acuneuro.services import ServiceError, account_links, mfa
from acuneuro.services.accounts import issue_session
from acuneuro.services.credentials import change_password
from acuneuro.services.preferences import LANGUAGE_NAMES, language_of, set_language
from acuneuro.web._locale import remember_language
from acuneuro.web.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    ContextDep,
    WebActorDep,
    check_csrf,
    clear_cookie,
    client_address,
    render,
    set_cookie,
)

__all__ = ["qr_code", "router"]

router = APIRouter(include_in_schema=False)
_CODE = Annotated[str, Form(max_length=64)]
_PASSWORD = Annotated[str, Form(max_length=1024)]
_CSRF = Annotated[str, Form()]
_TOKEN_MAX = 100


def qr_code(uri: str) -> Markup:
    """The ``otpauth://`` URI as an inline SVG QR code (no script, no external image)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code of the secret"))
    return Markup(svg)  # noqa: S704 - segno's own SVG of a URI we built, no user markup


def _refused(request: Request, ctx: ContextDep, message: str) -> Response:
    return render(request, "error.html", {"code": 404, "message": message}, ctx=ctx,
                  status_code=status.HTTP_404_NOT_FOUND)


@router.get("/enrol/{token}")
def enrolment_page(request: Request, ctx: ContextDep, token: str) -> Response:
    """The secret of this link (text, URI and QR code) and the form for the first code."""
    try:
        email, enrolment = account_links.enrolment_of(ctx, token[:_TOKEN_MAX])
    except ServiceError as exc:
        return _refused(request, ctx, str(exc))
    return render(request, "mfa_enrol.html", {
        "enrolment": enrolment, "qr": qr_code(enrolment.uri), "email": email, "error": None,
        "action": f"/enrol/{token}"}, ctx=ctx)


@router.post("/enrol/{token}")
def enrol(request: Request, ctx: ContextDep, token: str, code: _CODE, csrf: _CSRF = ""
          ) -> Response:
    """Confirm with the first valid code; a wrong code keeps the same secret."""
    check_csrf(request, csrf)
    try:
        codes = account_links.redeem_enrolment(ctx, token[:_TOKEN_MAX], code,
                                               client_address(request))
        if codes is None:
            email, enrolment = account_links.enrolment_of(ctx, token[:_TOKEN_MAX])
    except ServiceError as exc:
        return _refused(request, ctx, str(exc))
    if codes is None:
        return render(request, "mfa_enrol.html", {
            "enrolment": enrolment, "qr": qr_code(enrolment.uri), "email": email,
            "error": _("That code is not the one your app shows now (or it was already used). "
                       "The secret above is unchanged: enter the code the app shows next."),
            "action": f"/enrol/{token}"}, ctx=ctx, status_code=status.HTTP_400_BAD_REQUEST)
    return render(request, "mfa_recovery.html", {"codes": codes, "then_login": True}, ctx=ctx)


@router.get("/reset/{token}")
def reset_page(request: Request, ctx: ContextDep, token: str) -> Response:
    """The form for a new password (the link is checked, not spent)."""
    try:
        account_links.check_link(ctx, token[:_TOKEN_MAX], account_links.Purpose.PASSWORD_RESET)
    except ServiceError as exc:
        return _refused(request, ctx, str(exc))
    return render(request, "password.html", {"error": None, "current": False,
                                             "action": f"/reset/{token}"}, ctx=ctx)


@router.post("/reset/{token}")
def reset(request: Request, ctx: ContextDep, token: str, new_password: _PASSWORD,
          repeated: _PASSWORD, csrf: _CSRF = "") -> Response:
    """Set the new password; every session and token of the account ends."""
    check_csrf(request, csrf)
    error = _mismatch(new_password, repeated)
    if error is None:
        try:
            account_links.reset_password(ctx, token[:_TOKEN_MAX], new_password,
                                         client_address(request))
        except account_links.LinkRefused as exc:
            return _refused(request, ctx, str(exc))
        except ServiceError as exc:
            error = str(exc)
    if error is not None:
        return render(request, "password.html", {"error": error, "current": False,
                                                 "action": f"/reset/{token}"}, ctx=ctx,
                      status_code=status.HTTP_400_BAD_REQUEST)
    return render(request, "password_done.html", {"logged_in": False}, ctx=ctx)


@router.get("/account")
def account_page(request: Request, ctx: ContextDep, actor: WebActorDep, saved: str = ""
                 ) -> Response:
    """One's own account: the second factor (set up or not), the password change, the language."""
    with ctx.db.read() as session:
        enrolled = actor.user_id is not None and mfa.has_second_factor(session, actor.user_id)
    return render(request, "account.html", {
        "enrolled": enrolled, "language": language_of(ctx, actor.user_id) or "",
        "languages": LANGUAGE_NAMES, "saved": saved == "language"}, ctx=ctx, actor=actor)


@router.post("/account/language")
def language(request: Request, ctx: ContextDep, actor: WebActorDep,
             locale: Annotated[str, Form(max_length=8)] = "", csrf: _CSRF = "") -> Response:
    """Save one's own language (empty: follow the browser); the next page is in it."""
    check_csrf(request, csrf)
    if locale and locale not in i18n.LOCALES:
        return render(request, "account.html", {
            "enrolled": False, "language": "", "languages": LANGUAGE_NAMES, "saved": False,
            "error": _("Language: choose one of the languages listed.")}, ctx=ctx, actor=actor,
            status_code=status.HTTP_400_BAD_REQUEST)
    set_language(ctx, actor, locale or None)
    response = RedirectResponse("/account?saved=language", status.HTTP_303_SEE_OTHER)
    remember_language(request, response, locale or None)
    return response


@router.get("/account/password")
def password_page(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """The form to change one's own password."""
    return render(request, "password.html", {"error": None, "current": True,
                                             "action": "/account/password"}, ctx=ctx,
                  actor=actor)


@router.post("/account/password")
def password(request: Request, ctx: ContextDep, actor: WebActorDep, current_password: _PASSWORD,
             new_password: _PASSWORD, repeated: _PASSWORD, csrf: _CSRF = "") -> Response:
    """Change the password; every other session ends, this browser gets a new one."""
    check_csrf(request, csrf)
    error = _mismatch(new_password, repeated)
    if error is None:
        try:
            change_password(ctx, actor, current_password, new_password,
                            client_address(request))
        except ServiceError as exc:
            error = str(exc)
    if error is not None:
        return render(request, "password.html", {"error": error, "current": True,
                                                 "action": "/account/password"}, ctx=ctx,
                      actor=actor, status_code=status.HTTP_400_BAD_REQUEST)
    page = render(request, "password_done.html", {"logged_in": True}, ctx=ctx, actor=actor)
    set_cookie(request, page, SESSION_COOKIE, issue_session(ctx, actor),
               max_age=ctx.session_hours * 3600)
    clear_cookie(request, page, CSRF_COOKIE)
    return page


def _mismatch(new_password: str, repeated: str) -> str | None:
    if new_password != repeated:
        return _("The two new passwords differ: type the same new password twice.")
    return None
