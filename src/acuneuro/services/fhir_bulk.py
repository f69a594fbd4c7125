"""FHIR Bulk Data ``$export``: the clinic's resources as NDJSON files, built in the background.

The kick-off records a job and returns at once; a worker thread builds every patient's
resources with the same sources as the REST face (``fhir_rest.clinic_resources``, one snapshot)
and stores one NDJSON file per resource type. The status request answers "in progress", the
manifest, or the error; files are served to the caller who asked for them only (same clinic,
same account or client), and a job and its files can be deleted. Every patient whose data went
into the files is audited as a read when the export is built.

References
----------
HL7 FHIR Bulk Data Access IG 2.0.0 (export.html): kick-off (``Prefer: respond-async``,
``_outputFormat``, ``_type``, ``_since``, ``_typeFilter``: ``_fhir_bulk_filters``), 202
with ``Content-Location``, status polling (202 with ``X-Progress``, 200 with the manifest:
``transactionTime``, ``request``, ``requiresAccessToken``, ``output[type,url,count]``,
``error``), DELETE to cancel.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn

from sqlalchemy import delete, select

from acuneuro.i18n import gettext as _
from acuneuro.services._audit_group import record_read
from acuneuro.services._context import Context
from acuneuro.services._errors import NotFound, PermissionDenied, ServiceError
from acuneuro.services._fhir_bulk_filters import ExportFilters, parse_since, parse_type_filters
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.services.fhir_rest import RESOURCE_TYPES, FhirCaller, clinic_resources
from acuneuro.services.throttle import Work, check_work
from acuneuro.store import FhirExportFile, FhirExportJob, utcnow

__all__ = ["OUTPUT_FORMATS", "ExportStatus", "cancel_export", "export_file", "export_status",
           "start_export"]

OUTPUT_FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
# Design choice: files are kept a day, long enough to fetch, short enough not to pile up.
KEEP = timedelta(days=1)
_RESOURCE = "fhir-bulk-export"
_SUPPORTED = frozenset({"_type", "_outputFormat", "_since", "_typeFilter"})
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExportStatus:
    """Where a job stands; ``files`` are (file id, type, count) once it is complete."""

    status: str
    request_url: str
    transaction_time: str
    files: list[tuple[int, str, int]]
    error: str | None = None


def _owner(caller: FhirCaller) -> str:
    return f"{caller.actor.user_id or ''}:{caller.actor.email}"[:254]


def start_export(ctx: Context, caller: FhirCaller, params: list[tuple[str, str]],
                 request_url: str, *, header_problem: str | None = None) -> str:
    """Check the caller, then the kick-off (``header_problem``: what is wrong with its
    headers, found by the interface), record the job and start it; its id."""
    if not any(caller.may_read(kind) for kind in RESOURCE_TYPES):
        _deny(ctx, caller, list(RESOURCE_TYPES))
    if header_problem:
        raise ServiceError(header_problem)
    # An export builds every patient of the clinic: counted like the other costly requests.
    check_work(ctx, Work.FHIR_EXPORT, caller.actor)
    types: list[str] = []
    since: str | None = None
    type_filters: list[str] = []
    for name, value in params:
        if name not in _SUPPORTED:
            raise ServiceError(_("The export parameter '%(name)s' is not supported; this "
                                 "server takes _type, _outputFormat, _since and _typeFilter.")
                               % {"name": name})
        if name == "_since":
            since = value
        if name == "_typeFilter":
            type_filters.append(value)
        if name == "_outputFormat" and value not in OUTPUT_FORMATS:
            raise ServiceError(_("Exports are written as NDJSON (application/fhir+ndjson), "
                                 "not %(format)s.") % {"format": value})
        if name == "_type":
            types.extend(t.strip() for t in value.split(",") if t.strip())
    unknown = [t for t in types if t not in RESOURCE_TYPES]
    if unknown:
        raise ServiceError(_("This server does not export %(types)s; it exports %(known)s.") % {
            "types": ", ".join(unknown), "known": ", ".join(RESOURCE_TYPES)})
    if types:
        refused = [t for t in types if not caller.may_read(t)]
    else:
        types = [t for t in RESOURCE_TYPES if caller.may_read(t)]
        refused = [] if types else list(RESOURCE_TYPES)
    if refused:
        _deny(ctx, caller, refused)
    filters = ExportFilters(parse_since(since) if since is not None else None,
                            parse_type_filters(type_filters, types))
    job_id = str(uuid.uuid4())
    with ctx.db.write() as session:
        old = select(FhirExportJob.id).where(FhirExportJob.created_at < utcnow() - KEEP)
        session.execute(delete(FhirExportFile).where(FhirExportFile.job_id.in_(old)))
        session.execute(delete(FhirExportJob).where(FhirExportJob.id.in_(old)))
        session.add(FhirExportJob(id=job_id, clinic_id=caller.actor.clinic_id,
                                  requested_by=_owner(caller), request_url=request_url[:2000],
                                  types=",".join(dict.fromkeys(types)), status="in-progress"))
        record(session, ctx.audit_key, actor=caller.actor, action=Action.CREATE,
               resource=_RESOURCE)
    threading.Thread(target=_run, args=(ctx, caller, job_id, list(dict.fromkeys(types)),
                                        filters),
                     name=f"fhir-export-{job_id}", daemon=True).start()
    return job_id


def _deny(ctx: Context, caller: FhirCaller, types: list[str]) -> NoReturn:
    record_alone(ctx, actor=caller.actor, action=Action.READ, resource=_RESOURCE,
                 outcome=Outcome.DENIED)
    raise PermissionDenied(_("Your access does not include exporting %(types)s.") % {
        "types": ", ".join(types)})


def _run(ctx: Context, caller: FhirCaller, job_id: str, types: list[str],
         filters: ExportFilters | None = None) -> None:
    filters = filters or ExportFilters()
    lines: dict[str, list[str]] = {t: [] for t in types}

    def keep(kind: str, resources: list[dict[str, Any]]) -> None:
        lines[kind].extend(json.dumps(r, ensure_ascii=False, separators=(",", ":"))
                           for r in resources)

    try:
        with ctx.db.snapshot() as session:
            changed = filters.changed(session, caller.actor.clinic_id)
            patients = clinic_resources(
                session, caller.actor.clinic_id, types, keep,
                lambda kind, resource: filters.keeps(kind, resource, changed))
        # The files are stored only once every patient read is durably audited.
        record_read(ctx, caller.actor, Action.READ, _RESOURCE, patients)
        with ctx.db.write() as session:
            job = session.get(FhirExportJob, job_id)
            if job is None:  # deleted while it ran
                return
            session.add_all(FhirExportFile(job_id=job_id, resource_type=kind, count=len(rows),
                                           body="\n".join(rows) + "\n")
                            for kind, rows in lines.items() if rows)
            job.status, job.finished_at = "completed", utcnow()
    except Exception:  # a failed export must say so to the poller, not hang "in progress"
        _log.exception("FHIR export %s failed", job_id)
        with ctx.db.write() as session:
            job = session.get(FhirExportJob, job_id)
            if job is not None:
                job.status, job.finished_at = "error", utcnow()
                job.error = _("The export could not be completed; ask the administrator to "
                              "look at the server log.")


def _job(ctx: Context, caller: FhirCaller, job_id: str) -> FhirExportJob:
    if not any(caller.may_read(kind) for kind in RESOURCE_TYPES):
        record_alone(ctx, actor=caller.actor, action=Action.READ, resource=_RESOURCE,
                     outcome=Outcome.DENIED)
        raise PermissionDenied(_("Your access does not include exports."))
    with ctx.db.read() as session:
        job = session.scalar(select(FhirExportJob).where(
            FhirExportJob.id == job_id, FhirExportJob.clinic_id == caller.actor.clinic_id,
            FhirExportJob.requested_by == _owner(caller)))
        if job is not None:
            session.expunge(job)
    if job is None:
        raise NotFound(_("There is no such export; it may have expired or been deleted."))
    return job


def export_status(ctx: Context, caller: FhirCaller, job_id: str) -> ExportStatus:
    """The caller's export job as it stands."""
    job = _job(ctx, caller, job_id)
    files: list[tuple[int, str, int]] = []
    if job.status == "completed":
        with ctx.db.read() as session:
            files = [(int(i), str(kind), int(n)) for i, kind, n in session.execute(
                select(FhirExportFile.id, FhirExportFile.resource_type, FhirExportFile.count)
                .where(FhirExportFile.job_id == job_id).order_by(FhirExportFile.id))]
    moment = job.finished_at or job.created_at
    return ExportStatus(job.status, job.request_url, moment.isoformat(), files, job.error)


def export_file(ctx: Context, caller: FhirCaller, job_id: str, file_id: int) -> str:
    """One NDJSON file of the caller's completed export; its download is audited."""
    _job(ctx, caller, job_id)
    with ctx.db.read() as session:
        body = session.scalar(select(FhirExportFile.body).where(
            FhirExportFile.job_id == job_id, FhirExportFile.id == file_id))
    if body is None:
        raise NotFound(_("There is no such export file."))
    record_alone(ctx, actor=caller.actor, action=Action.READ, resource=_RESOURCE,
                 outcome=Outcome.SUCCESS)
    return body


def cancel_export(ctx: Context, caller: FhirCaller, job_id: str) -> None:
    """Delete the caller's export job and its files (a running job stops storing)."""
    _job(ctx, caller, job_id)
    with ctx.db.write() as session:
        session.execute(delete(FhirExportFile).where(FhirExportFile.job_id == job_id))
        session.execute(delete(FhirExportJob).where(FhirExportJob.id == job_id))
        record(session, ctx.audit_key, actor=caller.actor, action=Action.UPDATE,
               resource=_RESOURCE)
