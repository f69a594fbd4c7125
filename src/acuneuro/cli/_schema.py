"""``acuneuro schema``: the published JSON Schemas."""

from __future__ import annotations

import typer

from acuneuro.cli._common import _, emit_json, fail
from acuneuro.clinical.case import case_json_schema

__all__ = ["register"]

schema_app = typer.Typer(help="Print the JSON Schema of a public document.")


@schema_app.command("case")
def schema_case() -> None:
    """The clinical case that classify and plan take."""
    emit_json(case_json_schema())


@schema_app.callback(invoke_without_command=True)
def _schema(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        fail(_("name a schema: case"))


def register(app: typer.Typer) -> None:
    app.add_typer(schema_app, name="schema")
