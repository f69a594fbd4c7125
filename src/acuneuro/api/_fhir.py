"""FHIR answers: ``application/fhir+json`` bodies, and every refusal as an OperationOutcome.

The FHIR routes use :class:`FhirRoute`, which turns the refusals raised while a request is
handled (no token, a malformed body, a service refusal) into an OperationOutcome with the
status code the JSON API would use, so a FHIR client never receives a non-FHIR body.

References
----------
HL7 FHIR R4 (4.0.1) http.html "Content Types and encodings" (``application/fhir+json``) and
operationoutcome.html (``issue.severity``, ``code``, ``diagnostics``, ``expression``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from acuneuro.services import AuthenticationFailed, NotFound, PermissionDenied, ServiceError
from acuneuro.services.fhir_assessment import FhirInputError
from acuneuro.services.messages import sentence_of

__all__ = ["FHIR_JSON", "FhirResponse", "FhirRoute", "operation_outcome"]

FHIR_JSON = "application/fhir+json"

_ISSUE_CODE = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "login",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not-found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "not-supported",
    status.HTTP_413_CONTENT_TOO_LARGE: "too-costly",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "not-supported",
    status.HTTP_422_UNPROCESSABLE_CONTENT: "invalid",
}


class FhirResponse(JSONResponse):
    """A FHIR resource as ``application/fhir+json`` (a JSON response: the schema says JSON)."""

    media_type = FHIR_JSON

    def render(self, content: Any) -> bytes:
        """Compact JSON, UTF-8, as the JSON API writes it."""
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def operation_outcome(
    code: int, message: str, expression: str | None = None, headers: dict[str, str] | None = None
) -> FhirResponse:
    """An OperationOutcome with one error issue, answered with ``code``."""
    issue: dict[str, Any] = {
        "severity": "error",
        "code": _ISSUE_CODE.get(code, "processing"),
        "diagnostics": message,
    }
    if expression is not None:
        issue["expression"] = [expression]
    return FhirResponse({"resourceType": "OperationOutcome", "issue": [issue]},
                        status_code=code, headers=headers)


def _outcome_of(exc: Exception) -> FhirResponse:
    if isinstance(exc, FhirInputError):
        return operation_outcome(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.message,
                                 exc.expression)
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return operation_outcome(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                 sentence_of(first).sentence, where or None)
    if isinstance(exc, HTTPException):
        return operation_outcome(exc.status_code, str(exc.detail),
                                 headers=dict(exc.headers or {}) or None)
    code = next(
        code for kind, code in (
            (AuthenticationFailed, status.HTTP_401_UNAUTHORIZED),
            (PermissionDenied, status.HTTP_403_FORBIDDEN),
            (NotFound, status.HTTP_404_NOT_FOUND),
            (ServiceError, status.HTTP_400_BAD_REQUEST),
        ) if isinstance(exc, kind)
    )
    return operation_outcome(code, str(exc))


class FhirRoute(APIRoute):
    """A route whose refusals answer as OperationOutcome resources."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler so refusals become OperationOutcome resources."""
        handler = super().get_route_handler()

        async def fhir_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except (HTTPException, RequestValidationError, ServiceError) as exc:
                return _outcome_of(exc)

        return fhir_handler
