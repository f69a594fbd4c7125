"""Refuse a NUL character anywhere in a request, naming where it is (422).

PostgreSQL text cannot hold NUL (0x00): such a value passed every request model and failed in
the database as a 500 (found by the schemathesis run, tests/reliability/test_api_fuzz.py). SQLite
stores it, so the two backends disagreed. This guard answers FastAPI's 422 shape with the
location (``query``/``path``/``body`` and the field path) before any route runs. Web forms are
guarded too (an outside test stored NUL through them, issue 13): their refusal is a short page
naming the field. A JSON body nested deeper than ``MAX_JSON_DEPTH`` is refused here as well
(422), before anything parses it (``api._limits.json_too_deep``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from html import escape
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from acuneuro.api._fhir import operation_outcome
from acuneuro.api._limits import MAX_JSON_DEPTH, json_too_deep

__all__ = ["RejectNul"]

_JSON_PATHS = ("/api/", "/fhir/")
_UNGUARDED = ("/static/",)
_SCAN_LIMIT = 2 * 1024 * 1024  # larger bodies pass on unscanned; BodyLimit refuses them first
_NUL = "NUL characters (0x00) are not accepted"


class RejectNul:
    """ASGI middleware: 422 for a request whose query, path or body text holds NUL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body (up to the scan limit), look for NUL, then replay it to the app."""
        if scope["type"] != "http" or scope["path"].startswith(_UNGUARDED):
            await self.app(scope, receive, send)
            return
        where: list[str | int] | None = (
            ["path"] if "\x00" in scope["path"] else _in_form(scope["query_string"], "query"))
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
            kind = _content_type(scope)
            if scope["path"].startswith(_JSON_PATHS) and _parsed_as_json(kind) \
                    and json_too_deep(body):
                deep = f"the JSON document nests deeper than {MAX_JSON_DEPTH} levels"
                await _refusal(scope, ["body"], deep)(scope, receive, send)
                return
            where = _in_body(body, kind, uploads=scope["path"].startswith(_JSON_PATHS))
        if where is not None:
            await _refusal(scope, where, _NUL)(scope, receive, send)
            return

        replay = iter(messages)

        async def replayed() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)


def _refusal(scope: Scope, where: list[str | int], message: str) -> Response:
    if scope["path"].startswith("/fhir/"):
        return operation_outcome(422, f"{'.'.join(map(str, where))}: {message}",
                                 ".".join(map(str, where[1:])) or None)
    if scope["path"].startswith(_JSON_PATHS):
        return JSONResponse(status_code=422, content={"detail": [{
            "type": "value_error", "loc": where, "msg": message}]})
    field = " ".join(str(part) for part in where[1:]) or where[0]
    return HTMLResponse(f"<!doctype html><title>Refused</title><p>{escape(str(field))}: "
                        f"{message}. Go back and correct the form.</p>", status_code=422)


def _parsed_as_json(content_type: str) -> bool:
    # FastAPI parses a body without a content type as JSON too.
    return content_type == "" or content_type.endswith("json")


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


def _in_body(body: bytes, content_type: str, *, uploads: bool) -> list[str | int] | None:
    if not body:
        return None
    if content_type.endswith("json"):
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return ["body"] if b"\x00" in body else None
        return next((["body", *path] for path in _nul_paths(document)), None)
    if content_type == "application/x-www-form-urlencoded":
        return _in_form(body, "body")
    if content_type.startswith("multipart/") and uploads:
        return None  # an uploaded file is read by its route, never stored as text
    if content_type.startswith("multipart/"):
        return ["body", "form"] if b"\x00" in body else None  # web forms take no files
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
