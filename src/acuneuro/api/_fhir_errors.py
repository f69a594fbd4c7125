"""Every error under ``/fhir`` is an OperationOutcome, whoever produced it.

:class:`acuneuro.api._fhir.FhirRoute` answers the refusals of the FHIR routes themselves; this
ASGI middleware catches the rest (an address no route serves, a method a route does not take,
a rate limit, an application handler's ``{"detail": ...}``) and rewrites any error answer
under ``/fhir`` that is not already ``application/fhir+json`` into an OperationOutcome with
the same status and headers, so a FHIR client never has to parse another shape.

References
----------
HL7 FHIR R4 (4.0.1) http.html 3.1.0.4 ("an OperationOutcome ... for all errors").
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from acuneuro.api._fhir import FHIR_JSON, operation_outcome
from acuneuro.i18n import gettext as _

__all__ = ["FhirErrors"]

_KEPT_HEADERS = ("www-authenticate", "retry-after", "allow")


# Starlette's own phrases ("Not Found") are replaced by sentences; a service's are kept.
_BARE = frozenset({"Not Found", "Method Not Allowed", "Too Many Requests"})


def _sentence(code: int, body: bytes) -> str:
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, str) and detail and detail not in _BARE:
        return detail
    words = {
        404: _("There is nothing at this FHIR address."),
        405: _("This FHIR address does not take this kind of request."),
        429: _("Too many requests: wait a moment and try again."),
    }
    return words.get(code, _("The request could not be completed."))


class FhirErrors:
    """Rewrite non-FHIR error answers under ``/fhir`` into OperationOutcome resources."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path != "/fhir" and not path.startswith("/fhir/"):
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                media = Headers(raw=message["headers"]).get("content-type", "")
                if message["status"] >= 400 and not media.startswith(FHIR_JSON):
                    held = message
                    return
            elif message["type"] == "http.response.body" and held is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                headers = Headers(raw=held["headers"])
                kept = {k: headers[k] for k in _KEPT_HEADERS if k in headers}
                outcome = operation_outcome(held["status"],
                                            _sentence(held["status"], b"".join(chunks)),
                                            headers=kept or None)
                await outcome(scope, receive, send)
                return
            await send(message)

        await self.app(scope, receive, capture)
