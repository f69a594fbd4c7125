"""Typed dependencies of the web pages: the session cookie, CSRF tokens and page rendering.

The session is a signed cookie (HttpOnly, SameSite=Lax, and Secure when the configured
``ACUNEURO_PUBLIC_URL`` is https: from configuration, never from the Host header a client
sends). Every form carries a CSRF token bound to this browser's session (``services.csrf``:
an HMAC of the session's random id, or before login of a random pre-login cookie), so a token
from another session is refused; SameSite=Lax and the Origin check (``api.SameOrigin``) stop
cross-site POSTs too (ASVS 4.0.3 4.2.2, ASVS 5.0 3.5.1).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.templating import Jinja2Templates

from acuneuro import i18n
from acuneuro.clinical.drug_names import drug_vocabulary
from acuneuro.clinical.planner import OMISSION_SENTENCES, PLANNER_SENTENCES, RATIONALE_SENTENCES
from acuneuro.clinical.safety import message_templates
from acuneuro.i18n import gettext as _
from acuneuro.i18n.prose import prose
from acuneuro.knowledge import code_label
from acuneuro.services import Actor, AuthenticationFailed, Context
from acuneuro.services.accounts import clinic_of, resolve_session
from acuneuro.services.csrf import binding_of, csrf_token, csrf_valid
from acuneuro.services.peer import client_address

__all__ = [
    "CSRF_COOKIE",
    "KIOSK_COOKIE",
    "SESSION_COOKIE",
    "ContextDep",
    "KioskLocked",
    "LoginRequired",
    "WebActorDep",
    "check_csrf",
    "clear_cookie",
    "client_address",
    "get_context",
    "render",
    "set_cookie",
    "templates",
    "web_actor",
]

SESSION_COOKIE = "acuneuro_session"
CSRF_COOKIE = "acuneuro_csrf"
# Present while the tablet is with a patient (routes/kiosk.py): no clinician page answers.
KIOSK_COOKIE = "acuneuro_kiosk"

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# The medicine vocabulary for every medicine field's typeahead (templates/_medicine_names.html).
templates.env.globals["medicine_names"] = drug_vocabulary
# Every text of a page goes through gettext (``{{ _("...") }}``) so it can be shown in Italian.
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
)
templates.env.globals["current_locale"] = i18n.current_locale
templates.env.filters["format_date"] = i18n.format_date
templates.env.filters["format_decimal"] = i18n.format_decimal
# Every stored code is shown by its label from knowledge/ ({{ e.action|label }}), never raw.
templates.env.filters["label"] = code_label
# A text from data (a section title, a knowledge label), marked with N_ where it is defined:
# translated without the %-formatting that _() applies to the literal texts of a page.
templates.env.filters["translate"] = i18n.gettext
# Knowledge prose stored in English (a plan's protocol title, point rationales, course notes):
# shown in the reader's language, sentence by sentence (acuneuro.i18n.prose).
templates.env.filters["prose"] = lambda text: prose(text, RATIONALE_SENTENCES)
# What a plan left out and why: the planner's own words, or a safety rule's message.
templates.env.filters["omission"] = lambda text: prose(
    text, (*OMISSION_SENTENCES, *PLANNER_SENTENCES, *message_templates()))


class LoginRequired(Exception):
    """No valid session: the handler sends the browser to the login page."""


class KioskLocked(LoginRequired):
    """The tablet is in kiosk mode: the handler sends the browser to the kiosk page."""


def get_context(request: Request) -> Context:
    """The service context the app factory stored on the application."""
    ctx: Context = request.app.state.ctx
    return ctx


async def _context(request: Request) -> Context:
    # A coroutine: FastAPI runs a plain function dependency in a worker thread, and that hop
    # (and the GIL hand-over back) would be paid by every request, a flood's included.
    return get_context(request)


ContextDep = Annotated[Context, Depends(_context)]


def web_actor(request: Request, ctx: ContextDep) -> Actor:
    """The logged-in user of this browser, or a redirect to the login page.

    While a kiosk cookie is present no session counts, whatever cookie the browser holds.
    """
    if request.cookies.get(KIOSK_COOKIE):
        raise KioskLocked
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
        secure=get_context(request).https,
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    """Delete a cookie with the same attributes it was set with (Secure over https)."""
    response.delete_cookie(name, path="/", httponly=True, samesite="lax",
                           secure=get_context(request).https)


def _binding(request: Request) -> str | None:
    return binding_of(get_context(request), request.cookies.get(SESSION_COOKIE),
                      request.cookies.get(CSRF_COOKIE))


def _csrf_token(request: Request) -> str:
    binding = _binding(request)
    if binding is None:
        # No session and no pre-login cookie yet: make the cookie, set with this answer.
        browser = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = browser
        binding = "browser:" + browser
    return csrf_token(get_context(request), binding)


def check_csrf(request: Request, submitted: str) -> None:
    """Refuse a form whose token is not the one of this browser's session."""
    if not csrf_valid(get_context(request), _binding(request), submitted):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            _("This form has expired or did not come from this session: "
                              "reload the page and submit it again."))


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
