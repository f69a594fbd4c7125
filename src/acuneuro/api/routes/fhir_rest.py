"""The FHIR R4 REST face at ``/fhir``: CapabilityStatement, read, search, Bulk Data export.

Read ``GET /fhir/{type}/{id}`` and search ``GET /fhir/{type}?...`` on the resource types of
``services.fhir_rest`` (searchset Bundles with ``total`` and paging links); ``$export`` at
system and patient level with the Bulk Data async pattern. Callers are staff (bearer token of
the JSON API) or SMART backend clients; scope, clinic isolation and audit are the services'.
Every answer is ``application/fhir+json`` (NDJSON files excepted) and every refusal an
OperationOutcome.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response, status

from acuneuro.api._fhir import FHIR_JSON, FhirResponse, FhirRoute, operation_outcome
from acuneuro.api._fhir_caller import FhirCallerDep
from acuneuro.api.deps import ContextDep
from acuneuro.i18n import gettext as _
from acuneuro.services import fhir_bulk, fhir_rest
from acuneuro.services.fhir_capability import capability_statement

__all__ = ["EXPORT_STATUS", "fhir_base", "router", "token_url"]

EXPORT_STATUS = "/fhir/$export-status"
_FILES = "/fhir/$export-file"
_PUBLISHED = date(2026, 12, 6).isoformat()

router = APIRouter(prefix="/fhir", tags=["fhir"], route_class=FhirRoute,
                   default_response_class=FhirResponse)


def _origin(request: Request) -> str:
    ctx = request.app.state.ctx
    configured: str | None = getattr(ctx, "public_url", None)
    return (configured or str(request.base_url)).rstrip("/")


def fhir_base(request: Request) -> str:
    """The absolute base of the FHIR face (the configured public address when there is one)."""
    return _origin(request) + "/fhir"


def token_url(request: Request) -> str:
    """The absolute address of the SMART token endpoint (the assertions' ``aud``)."""
    return _origin(request) + "/oauth/token"


@router.get("/metadata")
def metadata(request: Request) -> FhirResponse:
    """The CapabilityStatement: what this server serves, and how to authenticate."""
    return FhirResponse(capability_statement(fhir_base(request), token_url(request),
                                             _PUBLISHED))


def _kick_off(request: Request, ctx: ContextDep, caller: FhirCallerDep) -> Response:
    problem = None
    if request.headers.get("prefer", "").strip().lower() != "respond-async":
        problem = _("Ask for an export with the header Prefer: respond-async.")
    elif request.headers.get("accept", FHIR_JSON) not in {FHIR_JSON, "*/*", "application/json"}:
        problem = _("Ask for an export with the header Accept: %(type)s.") % {"type": FHIR_JSON}
    job = fhir_bulk.start_export(ctx, caller, list(request.query_params.multi_items()),
                                 str(request.url), header_problem=problem)
    return Response(status_code=status.HTTP_202_ACCEPTED,
                    headers={"Content-Location": f"{_origin(request)}{EXPORT_STATUS}/{job}"})


@router.get("/$export", status_code=status.HTTP_202_ACCEPTED)
def export_system(request: Request, ctx: ContextDep, caller: FhirCallerDep) -> Response:
    """Start a Bulk Data export of every resource of the clinic (async: 202 + Content-Location)."""
    return _kick_off(request, ctx, caller)


@router.get("/Patient/$export", status_code=status.HTTP_202_ACCEPTED)
def export_patients(request: Request, ctx: ContextDep, caller: FhirCallerDep) -> Response:
    """Start a Bulk Data export of every patient's resources (async: 202 + Content-Location)."""
    return _kick_off(request, ctx, caller)


@router.get("/$export-status/{job_id}")
def export_status(request: Request, ctx: ContextDep, caller: FhirCallerDep,
                  job_id: str) -> Response:
    """202 while the export runs, then the manifest (200), or the error as an OperationOutcome."""
    job = fhir_bulk.export_status(ctx, caller, job_id)
    if job.status == "in-progress":
        return Response(status_code=status.HTTP_202_ACCEPTED,
                        headers={"X-Progress": "in progress", "Retry-After": "1"})
    if job.status == "error":
        return operation_outcome(status.HTTP_500_INTERNAL_SERVER_ERROR, job.error or "")
    manifest = {
        "transactionTime": job.transaction_time,
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [{"type": kind, "url": f"{_origin(request)}{_FILES}/{job_id}/{file_id}",
                    "count": count} for file_id, kind, count in job.files],
        "error": [],
    }
    return FhirResponse(manifest, media_type="application/json")


@router.delete("/$export-status/{job_id}", status_code=status.HTTP_202_ACCEPTED)
def export_cancel(ctx: ContextDep, caller: FhirCallerDep, job_id: str) -> Response:
    """Delete an export and its files."""
    fhir_bulk.cancel_export(ctx, caller, job_id)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.get("/$export-file/{job_id}/{file_id}")
def export_file(ctx: ContextDep, caller: FhirCallerDep, job_id: str, file_id: str) -> Response:
    """One NDJSON file of a completed export (only for the caller who asked for it)."""
    number = int(file_id) if file_id.isascii() and file_id.isdigit() and len(file_id) < 18 else 0
    return Response(fhir_bulk.export_file(ctx, caller, job_id, number),
                    media_type="application/fhir+ndjson")


@router.get("/{resource_type}")
def search(request: Request, ctx: ContextDep, caller: FhirCallerDep,
           resource_type: str) -> FhirResponse:
    """A searchset Bundle of the matches, with ``total`` and ``self``/``next``/... links."""
    params = list(request.query_params.multi_items())
    page = fhir_rest.search_resources(ctx, caller, resource_type, params)
    base = fhir_base(request)
    kept = [(k, v) for k, v in params if k not in {"_offset", "_count"}]

    def link(relation: str, offset: int) -> dict[str, str]:
        query = urlencode([*kept, ("_count", str(page.count)), ("_offset", str(offset))])
        return {"relation": relation, "url": f"{base}/{resource_type}?{query}"}

    step = max(page.count, 1)
    last = max(0, (page.total - 1) // step * step) if page.count else 0
    links = [link("self", page.offset), link("first", 0), link("last", last)]
    if page.offset + page.count < page.total and page.count > 0:
        links.append(link("next", page.offset + page.count))
    if page.offset > 0:
        links.append(link("previous", max(0, page.offset - step)))
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                              "total": page.total, "link": links}
    if page.resources:  # FHIR JSON has no empty arrays
        bundle["entry"] = [{"fullUrl": f"{base}/{resource_type}/{r['id']}", "resource": r,
                            "search": {"mode": "match"}} for r in page.resources]
    return FhirResponse(bundle)


@router.get("/{resource_type}/{resource_id}")
def read(ctx: ContextDep, caller: FhirCallerDep, resource_type: str,
         resource_id: str) -> FhirResponse:
    """One resource by the id its builder gave it; another clinic's is "not found"."""
    return FhirResponse(fhir_rest.read_resource(ctx, caller, resource_type, resource_id))
