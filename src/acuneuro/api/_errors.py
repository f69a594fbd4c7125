"""How service refusals answer over HTTP: status code and a short message, never a trace."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from acuneuro.api._limits import BodyLimit
from acuneuro.api._nul import RejectNul
from acuneuro.services import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ServiceError,
    Throttled,
)
from acuneuro.services.corrections import FieldRefused, NeedsConfirmation
from acuneuro.services.messages import sentence_of
from acuneuro.services.patients import ProbableDuplicate
from acuneuro.services.throttle import pause

__all__ = ["install_error_handlers"]

_STATUS: list[tuple[type[ServiceError], int]] = [
    (Throttled, status.HTTP_429_TOO_MANY_REQUESTS),
    (AuthenticationFailed, status.HTTP_401_UNAUTHORIZED),
    (PermissionDenied, status.HTTP_403_FORBIDDEN),
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    # A session that looks like a slip: sent again with ``confirm: true`` it is recorded.
    (NeedsConfirmation, status.HTTP_409_CONFLICT),
    (FieldRefused, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (ServiceError, status.HTTP_400_BAD_REQUEST),
]


def install_error_handlers(app: FastAPI) -> None:
    """Map each service refusal to its status code for requests under ``/api/``."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        code = next(code for kind, code in _STATUS if isinstance(exc, kind))
        headers = {"WWW-Authenticate": "Bearer"} if code == status.HTTP_401_UNAUTHORIZED else None
        if isinstance(exc, Throttled):  # RFC 6585 4: how long to wait, in seconds
            headers = {"Retry-After": str(exc.retry_after)}
            await pause(exc)
        body: dict[str, object] = {"detail": str(exc)}
        if isinstance(exc, ProbableDuplicate):  # the ids to look at before confirming
            body["candidates"] = [c.id for c in exc.candidates]
        if isinstance(exc, FieldRefused):  # FastAPI's 422 shape: the field, then the sentence
            body = {"detail": [{"type": "value_error", "loc": ["body", exc.field],
                                "msg": str(exc)}]}
        if isinstance(exc, NeedsConfirmation):
            body["warnings"] = exc.warnings
        return JSONResponse(body, status_code=code, headers=headers)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        # FastAPI's 422 shape (``loc`` for programs) with ``msg`` a sentence on the field's
        # label for the person reading it (issue 14): never a pattern or a pydantic phrase.
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        detail = [{"type": e.get("type"), "loc": list(e.get("loc") or ()),
                   "msg": sentence_of(e).sentence} for e in errors]
        return JSONResponse({"detail": detail},
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    app.add_exception_handler(ServiceError, handle)
    app.add_exception_handler(RequestValidationError, invalid)
    # Text PostgreSQL cannot store is refused up front, naming the field (not a 500 later).
    app.add_middleware(RejectNul)
    # Added last, so it runs first: an oversized body is refused before RejectNul (or anything
    # else) reads it, and before the route checks the caller's token.
    app.add_middleware(BodyLimit)
