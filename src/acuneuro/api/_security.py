"""Security headers on every response, pages and JSON alike.

A strict Content Security Policy with no inline script (scripts only from our own origin, no
plugins, no <base> rewriting, no framing, forms post only to us), no MIME sniffing, no
framing, no referrer, no caching of anything but static files, and HSTS whenever the request
did not come to a loopback name (browsers have no TLS for 127.0.0.1; behind TLS everything
else must stay on it). OWASP Secure Headers Project; ASVS 5.0 V3.4.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "SECURITY_HEADERS", "SecurityHeaders"]

CSP = ("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_HSTS = "max-age=31536000; includeSubDomains"
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class SecurityHeaders:
    """Pure ASGI middleware (no body buffering) adding ``SECURITY_HEADERS`` to each answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "").rsplit(":", 1)[0].lower()
        if host.startswith("[") and "]" in host:
            host = host[: host.index("]") + 1]
        local = host in _LOCAL_HOSTS
        # Pages and API answers may hold health data: no browser or proxy keeps a copy.
        private = not str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not local:
                    headers["Strict-Transport-Security"] = _HSTS
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
