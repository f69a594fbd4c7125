"""The login page (``/``), logging in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse

from acuneuro.services import AuthenticationFailed
from acuneuro.services.accounts import authenticate, issue_session
from acuneuro.web.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    ContextDep,
    LoginRequired,
    check_csrf,
    client_address,
    render,
    set_cookie,
    web_actor,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/")
def login_page(request: Request, ctx: ContextDep) -> Response:
    """The login form, or the patient list when already logged in."""
    try:
        web_actor(request, ctx)
    except LoginRequired:
        return render(request, "login.html", {"error": None, "email": ""}, ctx=ctx)
    return RedirectResponse("/patients", status.HTTP_303_SEE_OTHER)


@router.post("/login")
def login(
    request: Request,
    ctx: ContextDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Check the password; on success start a new session and rotate the CSRF token."""
    check_csrf(request, csrf)
    try:
        actor = authenticate(ctx, email, password, client_address(request))
    except AuthenticationFailed:
        return render(request, "login.html", {"error": "Wrong email or password.", "email": email},
                      ctx=ctx, status_code=status.HTTP_401_UNAUTHORIZED)
    response = RedirectResponse("/patients", status.HTTP_303_SEE_OTHER)
    set_cookie(request, response, SESSION_COOKIE, issue_session(ctx, actor),
               max_age=ctx.session_hours * 3600)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    """Forget the session in this browser."""
    check_csrf(request, csrf)
    response = RedirectResponse("/", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
