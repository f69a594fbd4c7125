"""``acuneuro audit verify`` and ``acuneuro audit export --fhir``.

``verify`` recomputes the HMAC chain (an edited, inserted, deleted or reordered row breaks
it) and compares the newest rows with the head anchored outside the database (rows cut off
the end leave a valid but shorter chain, which only the anchor shows). Exit 0 with a summary
when both hold, 1 naming the first bad row otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from acuneuro.cli._common import _, emit_json, fail, open_context, settings_for
from acuneuro.services import Context, ServiceError, accounts, audit
from acuneuro.services.audit_anchor import (
    anchor_problem,
    audit_anchor_path,
    database_fingerprint,
    read_anchor,
)
from acuneuro.services.audit_export import audit_bundle
from acuneuro.settings import Settings

__all__ = ["register"]

audit_app = typer.Typer(help="The audit trail: verify the chain, export it.",
                        no_args_is_help=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="SQLAlchemy database URL (else ACUNEURO_DATABASE_URL).")
]
AnchorOption = Annotated[
    Path | None,
    typer.Option("--anchor", help="Head anchor file (else audit-head beside the key files)."),
]


@contextmanager
def _context(db: str | None) -> Iterator[tuple[Context, Settings]]:
    # Never new keys: a chain checked with a new key would read as tampered (cli._common).
    settings = settings_for(db)
    with open_context(settings) as ctx:
        yield ctx, settings


def verify(db: DbOption = None, anchor: AnchorOption = None) -> None:
    """Check the audit HMAC chain and the anchored head. Exit 1 when either is broken."""
    with _context(db) as (ctx, settings):
        report = audit.verify_chain(ctx)
        path = anchor or audit_anchor_path(settings)
        try:
            head = read_anchor(path, database_fingerprint(ctx.db))
        except (ValueError, KeyError, json.JSONDecodeError) as exc:
            fail(_("%(path)s: unreadable audit anchor: %(reason)s") % {"path": path, "reason": exc})
        problem: str | None = None
        if not report.intact:
            problem = (f"audit row {report.first_bad_id} does not match its HMAC or does not "
                       "follow the row before it: edited, deleted, inserted or reordered")
        elif head is not None:
            with ctx.db.read() as session:
                problem = anchor_problem(session, head)
    emit_json({
        "events": report.events,
        "head": report.head,
        "intact": problem is None,
        "first_bad_id": report.first_bad_id if not report.intact else
        (head.id if problem is not None and head is not None else None),
        "anchor": str(path),
        "anchored_id": head.id if head is not None else None,
        "problem": problem,
    })
    if problem is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(code=1)
    if head is None:
        typer.echo(_("warning: %(path)s anchors no head for this database; truncation of the "
                     "last rows cannot be checked") % {"path": path}, err=True)


def export(
    fhir: Annotated[bool, typer.Option("--fhir", help="FHIR R4 AuditEvent Bundle (IHE BALP).")]
    = False,
    since: Annotated[str | None, typer.Option(help="Only events from this date (YYYY-MM-DD).")]
    = None,
    clinic: Annotated[str | None, typer.Option(help="Clinic (else the only one).")] = None,
    db: DbOption = None,
) -> None:
    """Print the audit trail as a FHIR Bundle of AuditEvent resources (pseudonymous ids only)."""
    if not fhir:
        fail(_("--fhir: the only export format; give --fhir"))
    start: datetime | None = None
    if since is not None:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), UTC)
        except ValueError:
            fail(_("--since: not a date (YYYY-MM-DD): %(value)s") % {"value": since})
    with _context(db) as (ctx, _settings):
        try:
            bundle = audit_bundle(ctx, accounts.operator(ctx, clinic), start)
        except ServiceError as exc:
            fail(str(exc))
    emit_json(bundle)


def register(app: typer.Typer) -> None:
    """Add the ``audit`` group."""
    audit_app.command("verify")(verify)
    audit_app.command("export")(export)
    app.add_typer(audit_app, name="audit")
