"""Request bodies are bounded while they stream in, before anything parses or authenticates them.

An outside test sent a 200 MB JSON body with no token to ``/api/v1/patients``: it was read in
full (931 MB peak) before the 401. ``BodyLimit`` is a pure ASGI middleware, outside every
other guard: a ``Content-Length`` over the route's limit is refused with 413 before a byte is
read, and a streamed (chunked) body is counted chunk by chunk and refused as soon as it passes
the limit. Nothing reads the rest.

``json_too_deep`` bounds the nesting of a JSON text without parsing it: a body nested 100,000
levels made the parser recurse until it failed with a 500 (issue 13).

The limits (docs/security.md, "Resource limits"): ``DEFAULT_BODY_BYTES`` (256 KiB) for every
JSON body and web form, larger ones only for the routes named in ``ROUTE_BODY_BYTES`` (the
study-table upload of ``POST /api/v1/meta``). Design choices: the largest legitimate JSON
body (a FHIR QuestionnaireResponse, a plan edit) is a few KiB.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import accumulate

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from acuneuro.api._fhir import operation_outcome

__all__ = [
    "DEFAULT_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "ROUTE_BODY_BYTES",
    "BodyLimit",
    "BodyTooLarge",
    "json_too_deep",
]

DEFAULT_BODY_BYTES = 256 * 1024
# The meta-analysis table: 1 MB of CSV (api.routes.evidence.MAX_TABLE_BYTES) plus the
# multipart envelope around it.
ROUTE_BODY_BYTES: Mapping[str, int] = {"/api/v1/meta": 1_000_000 + 64 * 1024}
MAX_JSON_DEPTH = 64  # the deepest document acuneuro reads (a FHIR answer) nests under 10

_JSON_PATHS = ("/api/", "/fhir/")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its route's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit:,} bytes, the limit "
                              "for this address")
        self.limit = limit


def body_limit(path: str) -> int:
    """The largest body, in bytes, accepted at ``path``."""
    return ROUTE_BODY_BYTES.get(path.rstrip("/") or "/", DEFAULT_BODY_BYTES)


def _refusal(path: str, status: int, message: str) -> Response:
    if path.startswith("/fhir/"):
        return operation_outcome(status, message)
    if path.startswith(_JSON_PATHS):
        return JSONResponse({"detail": message}, status_code=status)
    # A web form: a short page in plain words (the error template needs a session and a
    # context; this answer comes before either exists).
    return HTMLResponse(f"<!doctype html><title>Refused</title><p>{message}.</p>",
                        status_code=status)


class BodyLimit:
    """ASGI middleware: 413 for a body larger than its route's limit, counted as it arrives."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check ``Content-Length``, then count the streamed bytes against the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])
        limit = body_limit(path)
        declared = _content_length(scope)
        if declared is not None and (declared < 0 or declared > limit):
            message = (f"the request body is larger than {limit:,} bytes, the limit for this "
                       "address" if declared > limit else "Content-Length is not valid")
            await _refusal(path, 413 if declared > limit else 400, message)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:
            if started:
                raise
            await _refusal(path, 413, str(exc.detail))(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else -1
    return None


# A JSON string (escapes included); what is left after removing them holds only structure.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
for _open in b"[{":
    _STEP[_open] = 1
for _close in b"]}":
    _STEP[_close] = -1


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays and objects deeper than ``limit``, without parsing it.

    Linear time and no recursion: strings are cut out, then the running bracket depth is
    summed in C (``itertools.accumulate``).
    """
    structure = _STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    return bool(structure) and max(accumulate(map(_STEP.__getitem__, structure))) > limit
