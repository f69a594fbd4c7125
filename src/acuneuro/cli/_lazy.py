"""The top-level command group, loaded lazily: a command's module is imported when it runs.

The command modules import the services, the store, SciPy, Matplotlib, DuckDB and pyarrow,
seconds of imports in all; ``acuneuro --help``, ``--version`` and shell completion need none
of them. So the top level knows each command's name, its module(s) and its one-line help
(:data:`COMMANDS`), prints its help from that table without rich, and imports a module only
when one of its commands is asked for. tests/cli/test_lazy.py checks that the table says what
the modules register.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any, NamedTuple

import typer
import typer.main
from typer.core import TyperGroup

__all__ = ["COMMANDS", "LazyGroup", "loaded_group"]


class Entry(NamedTuple):
    """Where a top-level command lives and what the root help says of it."""

    modules: tuple[str, ...]
    help: str


def _e(help_text: str, *modules: str) -> Entry:
    return Entry(modules, help_text)


COMMANDS: dict[str, Entry] = {
    "serve": _e("Serve the web pages and the JSON API (migrate the database first).", "_core"),
    "demo": _e("Create or upgrade the database, seed the SYNTHETIC DEMO CLINIC if empty, and "
               "serve.", "_core"),
    "db": _e("Database schema.", "_core"),
    "clinic": _e("Clinics (tenants).", "_core"),
    "user": _e("Staff accounts.", "_core"),
    "patients": _e("Patients (JSON out).", "_core"),
    "audit": _e("The audit trail: verify the chain, export it.", "_audit"),
    "schema": _e("Print the JSON Schema of a public document.", "_schema"),
    "instruments": _e("List the validated instruments, or describe one (items in published "
                      "order).", "_assess"),
    "score": _e("Score one instrument: total, subscales, published cut-off, interpretation, "
                "sources.", "_assess"),
    "classify": _e("NeuPSIG grade and pain type of a clinical case, with reasons and sources.",
                   "_assess"),
    "plan": _e("Screen the case for safety and plan points, stimulation and course, with "
               "sources.", "_plan"),
    "points": _e("List atlas points (WHO 2008 meridian points and the extra points used), as "
                 "JSON.", "_plan"),
    "meta": _e("Pool the studies of FILE.csv and print the estimate, CI, PI and heterogeneity.",
               "_meta"),
    "backup": _e("Write a consistent, checksummed backup of the whole database to FILE.",
                 "_trust"),
    "restore": _e("Restore FILE into an EMPTY database, in one transaction, after checking "
                  "every checksum.", "_trust"),
    "analytics": _e("Registry analytics: synthetic registry, cohort report, Parquet export.",
                    "_analytics"),
    "report": _e("Write a patient's progress report or referral letter as a PDF.", "_course"),
    "edit-plan": _e("Change a proposed plan (remove, sides, add atlas points, course); prints "
                    "the plan.", "_course"),
    "export": _e("Exports.", "_privacy", "_course"),
    "import": _e("Imports.", "_course"),
    "patient": _e("One patient's rights: export, erasure.", "_privacy"),
    "reminders": _e("Appointment reminders by e-mail (no clinical detail).", "_reminders"),
    "fhir-client": _e("SMART Backend Services clients of the FHIR REST face.", "_fhir"),
}


@cache
def loaded_group(modules: tuple[str, ...]) -> Any:
    """The click group of everything ``modules`` register (imported once, on first use)."""
    app = typer.Typer()
    for name in modules:
        importlib.import_module(f"acuneuro.cli.{name}").register(app)
    return typer.main.get_group(app)


class LazyGroup(TyperGroup):
    """The root group: commands from :data:`COMMANDS`, modules imported on demand."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        return loaded_group(entry.modules).get_command(ctx, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # Plain click help (TyperGroup's rich help would load every command for its panel).
        super(TyperGroup, self).format_help(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.help) for name, entry in COMMANDS.items()])
