"""``fhir-client add``: register a SMART Backend Services client of a clinic.

The administrator gives the client's PUBLIC keys (a JWKS file, or one PEM public key) and the
``system/`` scopes it may ask for; the command prints the new client id, which the client puts
in its signed assertions (``iss`` and ``sub``). Private keys never reach acuneuro.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from acuneuro.cli._common import _, emit_json, fail, validation_message
from acuneuro.services import Context, ServiceError, accounts, smart
from acuneuro.settings import Settings

__all__ = ["register"]


@contextmanager
def _context(db: str | None) -> Iterator[Context]:
    try:
        settings = Settings() if db is None else Settings(database_url=db)
    except ValidationError as exc:
        fail(_("settings: %(problem)s") % {"problem": validation_message(exc)})
    ctx = Context.from_settings(settings)
    try:
        yield ctx
    finally:
        ctx.db.dispose()


def _keys(jwks: Path | None, public_key: Path | None) -> dict[str, Any] | str:
    if (jwks is None) == (public_key is None):
        fail(_("give the client's public keys: --jwks FILE or --public-key FILE (one of them)"))
    source = jwks or public_key
    assert source is not None  # noqa: S101 - narrowed by the check above
    try:
        text = source.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(_("cannot read %(source)s: %(reason)s") % {"source": source, "reason": exc})
    if public_key is not None:
        return text
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(_("--jwks: not valid JSON (line %(line)s, column %(column)s): %(reason)s") % {
            "line": exc.lineno, "column": exc.colno, "reason": exc.msg})
    if not isinstance(document, dict):
        fail(_("--jwks: expected a JSON Web Key Set, an object with \"keys\""))
    return document


def add_client(
    name: Annotated[str, typer.Option(help="Who the client is, e.g. the hospital's EHR.")],
    scope: Annotated[list[str], typer.Option(help="A scope such as system/*.read; repeat.")],
    jwks: Annotated[Path | None, typer.Option(help="The client's public JWKS (JSON).")] = None,
    public_key: Annotated[Path | None, typer.Option(help="One PEM public key instead.")] = None,
    clinic: Annotated[str | None, typer.Option(help="Clinic (else the only one).")] = None,
    db: Annotated[str | None, typer.Option(help="SQLAlchemy database URL.")] = None,
) -> None:
    """Register a backend client; print its client id."""
    keys = _keys(jwks, public_key)
    with _context(db) as ctx:
        try:
            view = smart.register_client(ctx, accounts.operator(ctx, clinic), name, keys, scope)
        except ServiceError as exc:
            fail(str(exc))
    emit_json(view)


def register(app: typer.Typer) -> None:
    """Add ``fhir-client add``."""
    group = typer.Typer(help="SMART Backend Services clients of the FHIR REST face.",
                        no_args_is_help=True)
    group.command("add")(add_client)
    app.add_typer(group, name="fhir-client")
