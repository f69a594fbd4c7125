"""Refuse cross-origin requests that change something (OWASP CSRF Prevention Cheat Sheet,
"verifying origin with standard headers"; ASVS 5.0 3.5.2).

A POST, PUT, PATCH or DELETE whose ``Origin`` header (or, without one, whose ``Referer``)
names another origin is answered 403 with a sentence, before any route runs. Our own origin
is ``ACUNEURO_PUBLIC_URL`` when it is set (scheme, host and port must match); otherwise the
host and port the request was sent to (its Host header: a browser cannot forge it for a
cross-site request). ``Origin: null`` (sandboxed frames, data: URLs, redirects across sites)
is refused. A request with neither header (scripts, the command line, old clients) is let
through to the CSRF token and the bearer token, which still guard it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["CROSS_ORIGIN_REFUSED", "SameOrigin"]

CROSS_ORIGIN_REFUSED = ("Refused: this request came from another site, not from this "
                        "acuneuro. Open acuneuro at its own address and try again.")
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_JSON = ("/api/", "/fhir/")


class SameOrigin:
    """Pure ASGI middleware: 403 for unsafe requests from another origin."""

    def __init__(self, app: ASGIApp, *, public_url: str | None = None) -> None:
        self.app = app
        self.public_url = public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in _UNSAFE:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        claimed = headers.get("origin") or headers.get("referer")
        if claimed is not None and not self._ours(claimed, headers.get("host", "")):
            await _refusal(str(scope.get("path", "")))(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _ours(self, claimed: str, host: str) -> bool:
        parts = urlsplit(claimed.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            return False  # "null" and anything else that is not an origin
        if self.public_url is not None:
            return f"{parts.scheme}://{parts.netloc.lower()}" == self.public_url
        return parts.netloc.lower() == host.strip().lower()


def _refusal(path: str) -> Response:
    if path.startswith(_JSON):
        return JSONResponse({"detail": CROSS_ORIGIN_REFUSED}, status_code=403)
    return PlainTextResponse(CROSS_ORIGIN_REFUSED, status_code=403)
