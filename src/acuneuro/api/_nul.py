"""Refuse a NUL character anywhere in an API request, naming where it is (422).

PostgreSQL text cannot hold NUL (0x00): such a value passed every request model and failed in
the database as a 500 (found by the schemathesis run, tests/reliability/test_api_fuzz.py). SQLite
stores it, so the two backends disagreed. This guard answers FastAPI's 422 shape with the
location (``query``/``path``/``body`` and the field path) before any route runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RejectNul"]

_GUARDED = ("/api/", "/fhir/")
_SCAN_LIMIT = 2 * 1024 * 1024  # larger bodies pass on unscanned; the routes limit their size


class RejectNul:
    """ASGI middleware: 422 for a request whose query, path or body text holds NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body (up to the scan limit), look for NUL, then replay it to the app."""
        if scope["type"] != "http" or not scope["path"].startswith(_GUARDED):
            await self.app(scope, receive, send)
            return
        where = ["path"] if "\x00" in scope["path"] else _in_form(scope["query_string"], "query")
        messages: list[Message] = []
        if where is None:
            body = b""
            while True:
                message = await receive()
                messages.append(message)
                body += message.get("body", b"")
                if message["type"] != "http.request" or not message.get("more_body"):
                    break
                if len(body) > _SCAN_LIMIT:
                    body = b""
                    break
            where = _in_body(body, _content_type(scope))
        if where is not None:
            refusal = JSONResponse(status_code=422, content={"detail": [{
                "type": "value_error", "loc": where,
                "msg": "NUL characters (0x00) are not accepted"}]})
            await refusal(scope, receive, send)
            return

        replay = iter(messages)

        async def replayed() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)


def _content_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1").split(";")[0].strip().lower())
    return ""


def _in_form(raw: bytes, location: str) -> list[str | int] | None:
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return [location, name.replace("\x00", "")]
    return None


def _in_body(body: bytes, content_type: str) -> list[str | int] | None:
    if not body:
        return None
    if content_type.endswith("json"):
        try:
            document = json.loads(body)
        except ValueError:
            return ["body"] if b"\x00" in body else None
        return next((["body", *path] for path in _nul_paths(document)), None)
    if content_type == "application/x-www-form-urlencoded":
        return _in_form(body, "body")
    if content_type.startswith("multipart/"):
        return None  # an uploaded file is read by its route, never stored as text
    return ["body"] if b"\x00" in body else None


def _nul_paths(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(node, str):
        if "\x00" in node:
            yield path
    elif isinstance(node, dict):
        for key, value in node.items():
            if "\x00" in key:
                yield (*path, key.replace("\x00", ""))
            yield from _nul_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nul_paths(value, (*path, index))
