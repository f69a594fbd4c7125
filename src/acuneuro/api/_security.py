"""Security headers on every response, pages and JSON alike.

A strict Content Security Policy with no inline script (scripts only from our own origin, no
plugins, no <base> rewriting, no framing, forms post only to us), no MIME sniffing, no
framing, no referrer sent to other sites, no caching of anything but static files, and HSTS
when the configured public address (``ACUNEURO_PUBLIC_URL``) is https: from configuration,
never from the Host header, which the client chooses. OWASP Secure Headers Project; ASVS 5.0
V3.4.

The referrer policy is ``same-origin``, not ``no-referrer``: under ``no-referrer`` browsers
send ``Origin: null`` with every form POST (WHATWG Fetch, "append a request Origin header"),
which would make our own forms indistinguishable from a sandboxed attacker's; other sites
still receive no referrer at all.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "IMAGE_CSP", "SECURITY_HEADERS", "SecurityHeaders"]

CSP = ("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
_HSTS = "max-age=31536000; includeSubDomains"
# An SVG opened on its own is a document under its own CSP: matplotlib writes every label's
# font in a style attribute, which the page policy refuses (the figure then renders unreadable).
# Images get inline styles and nothing else: no script, no fetch, no frame, no form.
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


class SecurityHeaders:
    """Pure ASGI middleware (no body buffering) adding ``SECURITY_HEADERS`` to each answer."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Pages and API answers may hold health data: no browser or proxy keeps a copy.
        private = not str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if headers.get("content-type", "").startswith("image/svg+xml"):
                    headers["Content-Security-Policy"] = IMAGE_CSP
                if self.hsts:
                    headers["Strict-Transport-Security"] = _HSTS
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
