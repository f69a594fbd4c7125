"""``acuneuro analytics``: the synthetic registry generator, cohort reports, raw Parquet export."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from acuneuro.analytics.cohort import (
    SourceError,
    cohort_report,
    export_parquet,
    knowledge_query,
    rows_to_csv,
    rows_to_json,
    source_for,
)
from acuneuro.analytics.registry import (
    DatabaseSink,
    ParquetSink,
    RegistryError,
    Sink,
    generate_registry,
)
from acuneuro.cli._common import _, emit_json, fail
from acuneuro.clinical.case import ConditionKind
from acuneuro.settings import Settings
from acuneuro.store import Base, make_engine, upgrade

__all__ = ["register"]

analytics = typer.Typer(
    name="analytics",
    help="Registry analytics: synthetic registry, cohort report, Parquet export.",
    no_args_is_help=True,
)


DbOption = Annotated[str | None, typer.Option(help="Database URL (default: the configured one).")]


class OutputFormat(StrEnum):
    json = "json"
    csv = "csv"


def _database_url(db: str | None) -> str:
    return db if db is not None else Settings().database_url


def _current_schema(url: str) -> Engine:
    """An engine on ``url`` with the schema upgraded to head."""
    engine = make_engine(url)
    upgrade(engine)
    # The course tables arrive with migration 0002; until then create any that are missing
    # (``acuneuro.store`` registers every table on ``Base``).
    Base.metadata.create_all(engine, checkfirst=True)
    return engine


@analytics.command("generate")
def generate(
    patients: Annotated[int, typer.Option(min=1, help="Number of synthetic patients.")],
    clinics: Annotated[int, typer.Option(min=1, help="Number of synthetic clinics.")] = 10,
    seed: Annotated[int, typer.Option(min=0, help="Seed: the same seed gives the same data.")] = 0,
    db: DbOption = None,
    parquet: Annotated[
        Path | None, typer.Option(help="Write Parquet files to this new folder instead.")
    ] = None,
) -> None:
    """Generate a synthetic registry (clearly synthetic names, demo clinics) and report speed."""
    if db is not None and parquet is not None:
        fail(_("give --db or --parquet, not both"))
    if clinics > patients:
        fail(_("clinics: must not exceed the number of patients"))
    engine: Engine | None = None
    try:
        if parquet is not None:
            sink: Sink = ParquetSink(parquet)
        else:
            engine = _current_schema(_database_url(db))
            sink = DatabaseSink(engine)
    except (RegistryError, SQLAlchemyError) as exc:
        fail(str(exc).splitlines()[0])
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # The bar goes to stderr: stdout carries only the JSON report.
    progress = Progress(*columns, console=Console(stderr=True), transient=True)
    with progress as bar:
        task = bar.add_task("patients", total=patients)
        try:
            report = generate_registry(
                sink,
                patients,
                clinics=clinics,
                seed=seed,
                progress=lambda done: bar.update(task, completed=done),
            )
        except RegistryError as exc:
            fail(str(exc))
        finally:
            if engine is not None:
                engine.dispose()
    emit_json(
        {
            "patients": report.patients,
            "clinics": report.clinics,
            "rows": report.rows,
            "total_rows": report.total_rows,
            "seconds": round(report.seconds, 3),
            "rows_per_second": round(report.rows_per_second),
        }
    )


@analytics.command("cohort")
def cohort(
    condition: Annotated[ConditionKind | None, typer.Option(help="Only this condition.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only courses whose first attended session is on/after.")
    ] = None,
    db: DbOption = None,
    parquet: Annotated[Path | None, typer.Option(help="Read a Parquet export folder.")] = None,
    instrument: Annotated[str, typer.Option(help="Instrument id of the pain scores.")] = "nrs",
    output: Annotated[OutputFormat, typer.Option("--format", help="json or csv.")] = (
        OutputFormat.json
    ),
) -> None:
    """Cohort report per condition and clinic: adherence, NRS change, responders, MME, AEs."""
    since_day: date | None = None
    if since is not None:
        try:
            since_day = date.fromisoformat(since)
        except ValueError:
            fail(_("since: not an ISO date (YYYY-MM-DD): %(value)s") % {"value": since})
    try:
        source = source_for(db_url=None if parquet else _database_url(db), parquet=parquet)
        query = knowledge_query(
            condition=condition.value if condition else None,
            since=since_day,
            instrument=instrument,
        )
        report = cohort_report(source, query)
    except SourceError as exc:
        fail(str(exc))
    if output is OutputFormat.json:
        typer.echo(rows_to_json(report))
    else:
        typer.echo(rows_to_csv(report), nl=False)


@analytics.command("export-parquet")
def export_parquet_command(
    out: Annotated[Path, typer.Option(help="New folder for one Parquet file per table.")],
    db: DbOption = None,
) -> None:
    """Copy the store tables the analytics read to Parquet (raw, pseudonymous: keep in-house)."""
    try:
        counts = export_parquet(source_for(db_url=_database_url(db)), out)
    except SourceError as exc:
        fail(str(exc))
    emit_json({"out": str(out), "rows": counts})


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
    app.add_typer(analytics)
