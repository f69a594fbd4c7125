"""Structured logs: one JSON object per line on stderr, with the request id of every request.

What a log line may carry is chosen here, once, so that no patient data reaches a log file
(logs are copied to places the clinic's records are not, and kept by other rules):

- a request is logged with its method, its **route template** (``/patients/{patient_id}``,
  never the path: paths hold patient ids), status, duration and peer address; never the query
  string, a header other than the request id, a form field or a body;
- an exception is logged as its type and where it was raised, never its message: a database
  error's message quotes the statement's parameters, i.e. patient data.

The request id is the client's ``X-Request-ID`` when it is short and plain (a proxy such as
Caddy can set it), else a new random one; it is sent back in the response's ``X-Request-ID``
so that a clinic's report of a failed page can be matched with the log line.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "REQUEST_ID_HEADER",
    "JsonFormatter",
    "RequestLog",
    "log_config",
    "request_id",
    "route_template",
]

REQUEST_ID_HEADER = "x-request-id"
request_id: ContextVar[str | None] = ContextVar("acuneuro_request_id", default=None)
_PLAIN_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# Attributes a log call may add with ``extra=``; any other extra is dropped.
_FIELDS = ("method", "route", "status", "duration_ms", "client", "event")
_log = logging.getLogger("acuneuro.request")


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time, level, logger, message, request id, known fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Set on the record by RequestLog, else the request this thread or task is serving.
        if (rid := record.__dict__.get("request_id") or request_id.get()) is not None:
            payload["request_id"] = rid
        for name in _FIELDS:
            if name in record.__dict__:
                payload[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[1] is not None:
            payload["exception"] = _where(record.exc_info[1])
        return json.dumps(payload, ensure_ascii=False, default=str)


def _where(exc: BaseException) -> str:
    # The type and the innermost frame, not the message (it may quote patient data).
    frames = traceback.extract_tb(exc.__traceback__)
    place = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__module__}.{type(exc).__qualname__}{place}"


def log_config(level: str = "info", fmt: str = "json") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` document for uvicorn and acuneuro (stderr).

    ``fmt`` ``json`` (production) or ``text`` (a person at a terminal). Uvicorn's access log is
    not configured: it logs paths, which hold patient ids; :class:`RequestLog` replaces it.
    """
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"})
    handler = {"class": "logging.StreamHandler", "formatter": "main",
               "stream": "ext://sys.stderr"}
    logger = {"handlers": ["main"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "loggers": {"uvicorn": logger, "uvicorn.error": {"level": level.upper()},
                    "acuneuro": logger},
    }


class RequestLog:
    """ASGI middleware: a request id for every HTTP request, one log line when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != REQUEST_ID_HEADER.encode()]
                headers.append((REQUEST_ID_HEADER.encode(), rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            client = scope.get("client")
            _log.info("request", extra={
                "event": "request",
                "request_id": rid,
                "method": scope.get("method"),
                "route": route_template(scope),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "client": client[0] if client else None,
            })
            request_id.reset(token)


def route_template(scope: Scope) -> str:
    """The matched route as a template (``/api/v1/patients/{patient_id}``), from the path with
    each path parameter's value put back as its name; ``(no route)`` when nothing matched.

    Built from the path rather than the route object: an included router's route knows only
    its own part of the path, and how a framework records the prefix differs by version.
    """
    params = scope.get("path_params") or {}
    if scope.get("route") is None and not params:
        return "(no route)"
    names = {str(value): name for name, value in params.items()}
    path = str(scope.get("path", ""))
    return "/".join(f"{{{names[part]}}}" if part in names else part for part in path.split("/"))


def _incoming_id(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == REQUEST_ID_HEADER.encode():
            text = value.decode("latin-1")
            return text if _PLAIN_ID.fullmatch(text) else None
    return None
