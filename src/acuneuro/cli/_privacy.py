"""Privacy commands: ``export research`` (de-identified), ``patient export`` and ``patient erase``.

``export research`` reads the live store of one clinic, de-identifies it under the Safe Harbor
or limited data set profile and writes Parquet, CSV, the data dictionary and a manifest; it
refuses a k below the policy's default unless a written reason is given, and names the
smallest equivalence class when the gate refuses. The re-identification key is written only
to ``--key-out`` (a file the clinic keeps, HIPAA 164.514(c)), never into the export.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from acuneuro.analytics.deidentify import KAnonymityError, Profile
from acuneuro.cli._common import _, emit_json, fail, open_context, settings_for
from acuneuro.services import Context, ServiceError, accounts, privacy, subject_rights

__all__ = ["register"]

DbOption = Annotated[
    str | None, typer.Option("--db", help="SQLAlchemy database URL (else ACUNEURO_DATABASE_URL).")
]
ClinicOption = Annotated[str | None, typer.Option(help="Clinic (else the only one).")]


@contextmanager
def _context(db: str | None) -> Iterator[Context]:
    # An existing database and its keys, never new ones (cli._common).
    with open_context(settings_for(db)) as ctx:
        yield ctx


def export_research(
    profile: Annotated[Profile, typer.Option(help="safe-harbor or limited.")],
    out: Annotated[Path, typer.Option(help="New folder to write (must not exist).")],
    k: Annotated[int | None, typer.Option(help="k-anonymity floor (default from policy: 5).")]
    = None,
    k_override_reason: Annotated[
        str | None, typer.Option(help="Written reason required to lower k below 5.")
    ] = None,
    key_out: Annotated[
        Path | None,
        typer.Option(help="Write the re-identification key here (keep it inside the clinic)."),
    ] = None,
    clinic: ClinicOption = None,
    db: DbOption = None,
) -> None:
    """Write a de-identified research export of the live store; print its manifest summary."""
    if key_out is not None and key_out.exists():
        fail(_("--key-out: %(path)s already exists") % {"path": key_out})
    today = date.today()
    with _context(db) as ctx:
        try:
            result = privacy.export_research(
                ctx, accounts.operator(ctx, clinic), out, profile=profile, as_of=today,
                created=datetime.now(UTC), k=k, k_override_reason=k_override_reason)
        except KAnonymityError as exc:
            fail(_("--k: refused: the smallest equivalence class holds %(n)s patient(s), fewer "
                   "than k=%(k)s") % {"n": exc.smallest, "k": exc.k})
        except FileExistsError as exc:
            fail(f"--out: {exc}")
        except ValueError as exc:
            fail(f"--k: {exc}" if "k=" in str(exc) else str(exc))
        except ServiceError as exc:
            fail(str(exc))
    if key_out is not None:
        fd = os.open(key_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(result.reidentification, handle, indent=1, sort_keys=True)
    manifest = result.manifest
    emit_json({"path": str(result.path),
               **{key: manifest.get(key) for key in ("profile", "k", "smallest_class",
                                                     "patients", "rows")}})


def patient_export(
    patient: Annotated[str, typer.Option(help="Pseudonymous patient id.")],
    clinic: ClinicOption = None,
    db: DbOption = None,
) -> None:
    """Print everything held about one patient as a FHIR R4 Bundle (GDPR Art. 15 and 20)."""
    with _context(db) as ctx:
        try:
            bundle = subject_rights.patient_bundle(ctx, accounts.operator(ctx, clinic), patient)
        except ServiceError as exc:
            fail(str(exc))
    emit_json(bundle)


def patient_erase(
    patient: Annotated[str, typer.Option(help="Pseudonymous patient id.")],
    reason: Annotated[str, typer.Option(help="Why (request reference, legal basis).")],
    clinic: ClinicOption = None,
    db: DbOption = None,
) -> None:
    """Erase the patient's identifying data; keep the pseudonymous record and the audit trail."""
    if not reason.strip():
        fail(_("--reason: give the reason for the erasure"))
    with _context(db) as ctx:
        try:
            view = subject_rights.erase_patient(ctx, accounts.operator(ctx, clinic), patient,
                                                reason)
        except ServiceError as exc:
            fail(str(exc))
    emit_json(view.model_dump(mode="json"))


def _group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    # Another module may own a group of the same name (``export fhir``): add to it.
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def register(app: typer.Typer) -> None:
    """Add ``export research``, ``patient export`` and ``patient erase``."""
    _group(app, "export", "Exports.").command("research")(export_research)
    patient_app = _group(app, "patient", "One patient's rights: export, erasure.")
    patient_app.command("export")(patient_export)
    patient_app.command("erase")(patient_erase)
