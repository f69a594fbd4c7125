"""The language of every request: the person's own choice, else the browser's, else English.

The person's choice is the language saved on their account (``services.preferences``); the
login copies it into the ``acuneuro_lang`` cookie, and so does saving it on the account page,
so that choosing the language of a request costs no database read. Before login (or on a
shared computer) the login page's language links set the same cookie with ``?lang=it``.
Without a cookie the browser's ``Accept-Language`` decides (``i18n.negotiate_locale``).
The language is set for the whole request in ``i18n``'s context variable; the answer carries
``Content-Language`` (RFC 9110 8.5).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from acuneuro import i18n
from acuneuro.web.deps import set_cookie

__all__ = ["LANG_COOKIE", "LocaleNegotiation", "remember_language"]

LANG_COOKIE = "acuneuro_lang"
# A language choice outlives sessions: it is a preference, not a credential.
_LANG_MAX_AGE = 365 * 24 * 3600


def remember_language(request: Request, response: Response, locale: str | None) -> None:
    """Keep ``locale`` in the language cookie (None: forget it and follow the browser)."""
    if locale in i18n.LOCALES:
        set_cookie(request, response, LANG_COOKIE, str(locale), max_age=_LANG_MAX_AGE)
    else:
        response.delete_cookie(LANG_COOKIE, path="/")


def request_locale(request: Request) -> tuple[str, str | None]:
    """The language of ``request`` and the one its ``?lang=`` asked to keep (or None)."""
    asked = request.query_params.get("lang")
    chosen = asked if asked in i18n.LOCALES else None
    cookie = request.cookies.get(LANG_COOKIE)
    preferred = chosen or (cookie if cookie in i18n.LOCALES else None)
    return i18n.negotiate_locale(request.headers.get("accept-language"), preferred), chosen


class LocaleNegotiation:
    """Serve each request in its language (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        locale, chosen = request_locale(request)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["content-language"] = locale
                headers.append("vary", "Accept-Language")
                if chosen is not None and "app" in scope and hasattr(scope["app"].state, "ctx"):
                    carrier = Response()
                    remember_language(request, carrier, chosen)
                    headers.append("set-cookie", carrier.headers["set-cookie"])
            await send(message)

        with i18n.use_locale(locale):
            await self.app(scope, receive, send_with_language)
