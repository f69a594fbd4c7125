"""Typed dependencies of the web pages: the session cookie, CSRF tokens and page rendering.

The session is a signed cookie (HttpOnly, SameSite=Lax, Secure unless the page is served on
127.0.0.1/localhost, where browsers have no TLS). CSRF uses a second random cookie whose
value every form repeats in a hidden field (double submit); SameSite=Lax already stops
cross-site POSTs in current browsers, the token covers the rest (ASVS 4.0.3 4.2.2).
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.templating import Jinja2Templates

from acuneuro.services import Actor, AuthenticationFailed, Context
from acuneuro.services.accounts import clinic_of, resolve_session

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "ContextDep",
    "LoginRequired",
    "WebActorDep",
    "check_csrf",
    "client_address",
    "get_context",
    "render",
    "set_cookie",
    "templates",
    "web_actor",
]

SESSION_COOKIE = "acuneuro_session"
CSRF_COOKIE = "acuneuro_csrf"
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class LoginRequired(Exception):
    """No valid session: the handler sends the browser to the login page."""


def get_context(request: Request) -> Context:
    """The service context the app factory stored on the application."""
    ctx: Context = request.app.state.ctx
    return ctx


ContextDep = Annotated[Context, Depends(get_context)]


def client_address(request: Request) -> str | None:
    """The peer address for the audit trail."""
    return request.client.host if request.client else None


def web_actor(request: Request, ctx: ContextDep) -> Actor:
    """The logged-in user of this browser, or a redirect to the login page."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise LoginRequired
    try:
        return resolve_session(ctx, cookie, client_address(request))
    except AuthenticationFailed:
        raise LoginRequired from None


WebActorDep = Annotated[Actor, Depends(web_actor)]


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """Set a cookie with the attributes every acuneuro cookie has."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.hostname not in _LOCAL_HOSTS,
    )


def _csrf_token(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE, "")
    if len(token) < 32:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def check_csrf(request: Request, submitted: str) -> None:
    """Refuse a form whose token does not match this browser's CSRF cookie."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    # Compared as bytes: compare_digest raises on non-ASCII text (a 500 before, issue 13).
    if len(expected) < 32 or not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "form expired or forged: reload the page")


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    ctx: Context,
    actor: Actor | None = None,
    status_code: int = 200,
) -> Response:
    """Render a page with what every page shows (user, clinic banner, CSRF token)."""
    page = {
        "actor": actor,
        "clinic": clinic_of(ctx, actor) if actor is not None else None,
        "csrf": _csrf_token(request),
        **context,
    }
    response = templates.TemplateResponse(request, template, page, status_code=status_code)
    new = getattr(request.state, "new_csrf", None)
    if new is not None:
        set_cookie(request, response, CSRF_COOKIE, new, max_age=12 * 3600)
    return response
