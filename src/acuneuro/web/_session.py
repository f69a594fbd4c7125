"""Sliding web sessions: each page answered renews the session cookie's idle clock.

The session cookie is signed with a timestamp that ``resolve_session`` refuses after 30
minutes; this middleware re-signs it (same login time, so the 12 h absolute limit still
holds) on answers to pages, unless the answer itself sets or deletes the cookie (login,
logout). Pure ASGI, no body buffering.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from acuneuro.services.accounts import refresh_session
from acuneuro.web.deps import KIOSK_COOKIE, SESSION_COOKIE, get_context, set_cookie

__all__ = ["SlidingSession"]

_NOT_PAGES = ("/api/", "/static/", "/fhir/")


class SlidingSession:
    """Renew the session cookie on page answers (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(_NOT_PAGES):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        # In kiosk mode no session is renewed: it is not in use (routes/kiosk.py).
        cookie = None if request.cookies.get(KIOSK_COOKIE) else request.cookies.get(SESSION_COOKIE)

        async def send_renewed(message: Message) -> None:
            if message["type"] == "http.response.start" and cookie:
                headers = MutableHeaders(scope=message)
                touched = any(v.startswith(f"{SESSION_COOKIE}=")
                              for v in headers.getlist("set-cookie"))
                ctx = get_context(request)
                renewed = None if touched else refresh_session(ctx, cookie)
                if renewed is not None:
                    carrier = Response()
                    set_cookie(request, carrier, SESSION_COOKIE, renewed,
                               max_age=ctx.session_hours * 3600)
                    headers.append("set-cookie", carrier.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, send_renewed)
