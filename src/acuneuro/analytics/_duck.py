"""DuckDB over the three sources: the live SQLite store, the live PostgreSQL store, Parquet.

A source is bound by creating one view per store table under its bare name (``patients``,
``score_records``...) in an in-memory DuckDB, so that the analytics SQL is the same text for
every source: only what the view selects from changes (``src.patients`` through the sqlite
scanner, ``src.public.patients`` through the postgres scanner, ``read_parquet('DIR/patients
.parquet')``). The scanner extensions are loaded from the pinned wheels, never downloaded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
from duckdb_extensions import import_extension  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["STORE_TABLES", "Source", "SourceError", "connect", "export_parquet", "source_for"]

# The store tables the analytics read (and export-parquet writes), parents first.
STORE_TABLES = (
    "clinics",
    "patients",
    "episodes",
    "plans",
    "planned_sessions",
    "treatment_sessions",
    "score_records",
    "medication_statements",
    "adverse_events",
)


class SourceError(ValueError):
    """The source cannot be read (bad URL, missing file or table)."""


@dataclass(frozen=True)
class Source:
    """Where the tables come from: ``kind`` is ``sqlite``, ``postgres`` or ``parquet``."""

    kind: str
    location: str


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def source_for(db_url: str | None = None, parquet: Path | None = None) -> Source:
    """The source named by a SQLAlchemy database URL or a Parquet folder (exactly one)."""
    if (db_url is None) == (parquet is None):
        raise SourceError("give a database URL or a Parquet folder, not both or neither")
    if parquet is not None:
        if not parquet.is_dir():
            raise SourceError(f"parquet: {parquet} is not a folder")
        return Source("parquet", str(parquet))
    try:
        url = make_url(str(db_url))
    except ArgumentError as exc:
        raise SourceError(f"db: not a database URL: {exc}") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:" or not Path(url.database).is_file():
            raise SourceError(f"db: no SQLite file at {url.database!r}")
        return Source("sqlite", url.database)
    if backend == "postgresql":
        parts = {
            "host": url.host,
            "port": url.port,
            "user": url.username,
            "password": url.password,
            "dbname": url.database,
        }
        dsn = " ".join(f"{k}={v}" for k, v in parts.items() if v is not None)
        return Source("postgres", dsn)
    raise SourceError(f"db: unsupported backend {backend!r} (sqlite or postgresql)")


def connect(source: Source) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a view per store table bound to ``source``."""
    # No progress bar: the CLI prints the report on stdout and nothing else.
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    try:
        if source.kind == "parquet":
            for name in STORE_TABLES:
                path = Path(source.location) / f"{name}.parquet"
                if not path.is_file():
                    raise SourceError(f"parquet: {path} is missing")
                # Table names come from STORE_TABLES, paths are quoted: no outside text is spliced.
                view = f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_quote(str(path))})"  # noqa: S608
                con.execute(view)
            return con
        extension = "sqlite_scanner" if source.kind == "sqlite" else "postgres_scanner"
        import_extension(extension)
        con.execute(f"LOAD {extension}")
        if source.kind == "sqlite":
            con.execute(f"ATTACH {_quote(source.location)} AS src (TYPE sqlite, READ_ONLY)")
            prefix = "src"
        else:
            con.execute(f"ATTACH {_quote(source.location)} AS src (TYPE postgres, READ_ONLY)")
            prefix = "src.public"
        present = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src'"
            ).fetchall()
        }
        missing = [name for name in STORE_TABLES if name not in present]
        if missing:
            raise SourceError(f"db: tables missing: {', '.join(missing)} (schema not upgraded?)")
        for name in STORE_TABLES:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM {prefix}.{name}")  # noqa: S608
        return con
    except duckdb.Error as exc:
        con.close()
        raise SourceError(f"{source.kind}: {exc}") from None
    except SourceError:
        con.close()
        raise


def export_parquet(source: Source, out: Path) -> dict[str, int]:
    """Copy every store table of ``source`` to ``out/<table>.parquet``; rows per table.

    The files are written into a hidden folder beside ``out`` and moved into place in one
    rename, so a reader finds a complete export or none. ``out`` must not exist yet.
    """
    if out.exists():
        raise SourceError(f"out: {out} exists; choose a new folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    counts: dict[str, int] = {}
    try:
        con = connect(source)
        try:
            for name in STORE_TABLES:
                target = _quote(str(staging / f"{name}.parquet"))
                copy = f"COPY (SELECT * FROM {name} ORDER BY id) TO {target} (FORMAT parquet)"  # noqa: S608
                con.execute(copy)
                row = con.execute(f"SELECT count(*) FROM {name}").fetchone()  # noqa: S608
                counts[name] = int(row[0]) if row else 0
        finally:
            con.close()
        for path in staging.iterdir():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return counts
