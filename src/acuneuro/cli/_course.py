"""Course commands: ``report`` (patient or referrer PDF), ``export fhir``, ``import fhir`` and
``edit-plan`` (a proposed plan's changes, as the API's PATCH body).

The commands act as the clinic's operator (``system:cli``, an administrator of the clinic named
or of the only one) or, with ``--as EMAIL``, on behalf of that user; the services audit either
way. Bad input exits with status 2 and a message naming the option; the PDF and the Bundle are
written atomically (a temporary file in the same folder, then renamed), so a failure never
leaves half a file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import ValidationError

from acuneuro.cli._common import (
    _,
    emit_json,
    fail,
    open_context,
    read_json,
    settings_for,
    validation_message,
)
from acuneuro.reports import REPORT_KINDS, render_report
from acuneuro.services import (
    Actor,
    Context,
    NotFound,
    ServiceError,
    accounts,
    course_fhir,
    planning,
)
from acuneuro.services.course import actor_by_email

__all__ = ["register"]

DbOption = Annotated[
    str | None, typer.Option("--db", help="SQLAlchemy database URL (else ACUNEURO_DATABASE_URL).")
]
ClinicOption = Annotated[str | None, typer.Option(help="Clinic (else the only one).")]
AsOption = Annotated[str | None, typer.Option("--as", help="Act as this user (email).")]
PatientOption = Annotated[str, typer.Option("--patient", help="Pseudonymous patient id.")]


@contextmanager
def _context(db: str | None) -> Iterator[Context]:
    # An existing database and its keys, never new ones (cli._common).
    with open_context(settings_for(db)) as ctx:
        yield ctx


def _actor(ctx: Context, clinic: str | None, as_email: str | None) -> Actor:
    try:
        return actor_by_email(ctx, as_email) if as_email else accounts.operator(ctx, clinic)
    except NotFound as exc:
        fail(f"{'--as' if as_email else '--clinic'}: {exc}")
    except ServiceError as exc:
        fail(str(exc))


def _writable(out: Path, option: str) -> Path:
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        fail(_("%(option)s: folder %(folder)s does not exist") % {
            "option": option, "folder": folder})
    if out.is_dir():
        fail(_("%(option)s: %(path)s is a folder") % {"option": option, "path": out})
    return out


def _write_atomically(out: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def report(
    patient: PatientOption,
    kind: Annotated[str, typer.Option("--kind", help="patient or referrer.")],
    out: Annotated[Path, typer.Option("--out", help="PDF file to write.")],
    referrer: Annotated[str | None, typer.Option(help="Referring doctor's name.")] = None,
    on: Annotated[str | None, typer.Option("--date", help="Report date (default today).")]
    = None,
    clinic: ClinicOption = None,
    as_email: AsOption = None,
    db: DbOption = None,
) -> None:
    """Write a patient's progress report or referral letter as a PDF."""
    if kind not in REPORT_KINDS:
        fail(_("--kind: %(value)s is not one of %(choices)s") % {
            "value": kind, "choices": ", ".join(REPORT_KINDS)})
    _writable(out, "--out")
    try:
        today = date.fromisoformat(on) if on else date.today()
    except ValueError:
        fail(_("--date: %(value)s is not a date (YYYY-MM-DD)") % {"value": on})
    with _context(db) as ctx:
        actor = _actor(ctx, clinic, as_email)
        try:
            pdf = render_report(ctx, actor, patient, kind, today=today, referrer=referrer)
        except NotFound:
            fail(_("--patient: no patient %(id)s in this clinic") % {"id": patient})
        except ServiceError as exc:
            fail(f"--patient: {exc}")
    _write_atomically(out, pdf)
    emit_json({"patient": patient, "kind": kind, "out": str(out)})


def export_fhir(
    patient: PatientOption,
    out: Annotated[Path | None, typer.Option("--out", help="File (else standard output).")]
    = None,
    identified: Annotated[bool, typer.Option(
        "--identified", help="Identified exchange: name, birth date, record number and the "
        "national identifier, for matching in a hospital record (else pseudonymous).")] = False,
    national_id: Annotated[str | None, typer.Option(
        "--national-id", help="Italian codice fiscale for --identified.")] = None,
    collection: Annotated[bool, typer.Option(
        "--collection", help="A collection Bundle instead of a transaction.")] = False,
    requests: Annotated[str, typer.Option(
        "--requests", help="How the transaction writes each resource: put (keep acuneuro's "
        "ids), conditional (the server assigns ids; POST with ifNoneExist on an identifier) or "
        "create (POST without ifNoneExist, for Medplum).")] = "put",
    clinic: ClinicOption = None,
    as_email: AsOption = None,
    db: DbOption = None,
) -> None:
    """Write a patient's record as a FHIR R4 transaction Bundle (JSON; pseudonymous by default)."""
    if out is not None:
        _writable(out, "--out")
    if national_id is not None and not identified:
        fail(_("--national-id: only with --identified"))
    kinds: dict[str, Literal["transaction", "conditional", "create"]] = {
        "put": "transaction", "conditional": "conditional", "create": "create"}
    if requests not in kinds:
        fail(_("--requests: put, conditional or create, not %(value)s") % {"value": requests})
    if collection and requests != "put":
        fail(_("--requests: only for a transaction, not with --collection"))
    with _context(db) as ctx:
        actor = _actor(ctx, clinic, as_email)
        try:
            bundle = course_fhir.export_bundle(
                ctx, actor, patient, kind="collection" if collection else kinds[requests],
                profile="identified" if identified else "pseudonymous",
                national_id=national_id)
        except NotFound:
            fail(_("--patient: no patient %(id)s in this clinic") % {"id": patient})
        except ServiceError as exc:
            fail(str(exc))
    if out is None:
        emit_json(bundle)
    else:
        _write_atomically(out, json.dumps(bundle, indent=2, ensure_ascii=False).encode())


def import_fhir(
    file: Annotated[str, typer.Argument(help="Bundle JSON file, or - for standard input.")],
    into: Annotated[str | None, typer.Option(
        "--into", help="Add to this patient (pseudonymous id) instead of a new one.")] = None,
    clinic: ClinicOption = None,
    as_email: AsOption = None,
    db: DbOption = None,
) -> None:
    """Import a FHIR Bundle as a NEW patient of the clinic, or --into one (prints the id)."""
    bundle = read_json(file, "bundle")
    if not isinstance(bundle, dict):
        fail(_("bundle: not a JSON object"))
    with _context(db) as ctx:
        actor = _actor(ctx, clinic, as_email)
        try:
            new_id = course_fhir.import_bundle(ctx, actor, bundle, into=into)
        except NotFound:
            fail(_("--into: no patient %(id)s in this clinic") % {"id": into})
        except ValidationError as exc:
            fail(_("bundle: %(problem)s") % {"problem": validation_message(exc)})
        except (ValueError, ServiceError) as exc:
            fail(f"bundle: {exc}")
    emit_json({"patient": new_id})


def edit_plan(
    patient: PatientOption,
    plan: Annotated[int, typer.Option("--plan", help="Plan id (a proposed plan).")],
    edit: Annotated[str, typer.Option("--edit", help="Plan edit JSON file, or - for stdin.")],
    clinic: ClinicOption = None,
    as_email: AsOption = None,
    db: DbOption = None,
) -> None:
    """Change a proposed plan (remove, sides, add atlas points, course); prints the plan.

    A never-needled point, or a danger-zone point without its acknowledgement and needling
    limit, exits 2 naming the field, and nothing is written.
    """
    document = read_json(edit, "--edit")
    if not isinstance(document, dict):
        fail(_("--edit: the document must be a JSON object"))
    with _context(db) as ctx:
        actor = _actor(ctx, clinic, as_email)
        try:
            view = planning.edit_plan(ctx, actor, patient, plan, document)
        except ValidationError as exc:
            fail(_("--edit: %(problem)s") % {"problem": validation_message(exc)})
        except NotFound:
            fail(_("--plan: no plan %(plan)s of patient %(id)s in this clinic") % {
                "plan": plan, "id": patient})
        except ServiceError as exc:
            fail(f"--edit: {exc}")
    emit_json(view)


def _group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    # ``export`` is shared with the privacy commands (``export research``): add to it.
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def register(app: typer.Typer) -> None:
    """Add ``report``, ``export fhir``, ``import fhir`` and ``edit-plan``."""
    app.command("report")(report)
    app.command("edit-plan")(edit_plan)
    _group(app, "export", "Exports.").command("fhir")(export_fhir)
    _group(app, "import", "Imports.").command("fhir")(import_fhir)
