"""DuckDB over the three sources: the live SQLite store, the live PostgreSQL store, Parquet.

A source is bound by creating one relation per store table under its bare name (``patients``,
``score_records``...) in an in-memory DuckDB, so that the analytics SQL is the same text for
every source. Parquet folders are read by DuckDB itself (``read_parquet``). The live stores
are read through the Apache Arrow project's ADBC drivers (``adbc-driver-sqlite``,
``adbc-driver-postgresql``) into Arrow tables, which DuckDB copies in (maintained paths, no
DuckDB extension to download or to take from a third party's wheel: docs/operations.md).

SQLite has no column types, only declared ones; the sqlite scanner this replaces typed a
column from its declaration (INTEGER and BOOLEAN as BIGINT, FLOAT as DOUBLE, DATE as DATE,
DATETIME as TIMESTAMP, everything else as VARCHAR), and :func:`_sqlite_type` keeps those
rules so that every answer is unchanged. ADBC infers a column's Arrow type from the rows of
its first batch, so one batch holds the whole table (a column NULL in its first rows would
otherwise be typed as integers and refuse the dates that follow).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from adbc_driver_manager import Error as AdbcError
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
        tables = _read_sqlite(source.location) if source.kind == "sqlite" else \
            _read_postgres(source.location)
        for name in STORE_TABLES:
            arrow_table, columns = tables[name]
            con.register(f"_arrow_{name}", arrow_table)
            select = ", ".join(_typed(column, kind) for column, kind in columns)
            # Names come from STORE_TABLES and the source's own catalogue, quoted.
            con.execute(f"CREATE TABLE {name} AS SELECT {select} FROM _arrow_{name}")  # noqa: S608
            con.unregister(f"_arrow_{name}")
        return con
    except (duckdb.Error, AdbcError) as exc:
        con.close()
        raise SourceError(f"{source.kind}: {exc}") from None
    except SourceError:
        con.close()
        raise


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _typed(column: str, kind: str | None) -> str:
    # Text to DATE/TIMESTAMP goes through VARCHAR: an all-NULL column arrives as integers.
    if kind is None:
        return _ident(column)
    if kind in {"DATE", "TIMESTAMP"}:
        return f"CAST(CAST({_ident(column)} AS VARCHAR) AS {kind}) AS {_ident(column)}"
    return f"CAST({_ident(column)} AS {kind}) AS {_ident(column)}"


def _sqlite_type(declared: str) -> str:
    """The DuckDB type the sqlite scanner gave a declared SQLite type (module docstring)."""
    text = declared.upper()
    if "INT" in text or "BOOL" in text:
        return "BIGINT"
    if "DATETIME" in text or "TIMESTAMP" in text:
        return "TIMESTAMP"
    if "DATE" in text:
        return "DATE"
    if any(word in text for word in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
        return "DOUBLE"
    return "VARCHAR"


Columns = list[tuple[str, str | None]]


def _all_present(catalogue: dict[str, Columns]) -> None:
    missing = [name for name, columns in catalogue.items() if not columns]
    if missing:
        raise SourceError(f"db: tables missing: {', '.join(missing)} (schema not upgraded?)")


def _read_sqlite(path: str) -> dict[str, tuple[Any, Columns]]:
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    tables: dict[str, tuple[Any, Columns]] = {}
    uri = "file:" + Path(path).absolute().as_posix() + "?mode=ro"
    with adbc_sqlite.connect(uri) as conn, conn.cursor() as cur:
        catalogue: dict[str, Columns] = {}
        for name in STORE_TABLES:
            cur.execute(f"PRAGMA table_info({_ident(name)})")
            catalogue[name] = [(str(row[1]), _sqlite_type(str(row[2] or "")))
                               for row in cur.fetchall()]
        _all_present(catalogue)
        for name, columns in catalogue.items():
            cur.execute(f"SELECT count(*) FROM {_ident(name)}")  # noqa: S608
            counted = cur.fetchone()
            rows = int(counted[0]) if counted else 0
            cur.adbc_statement.set_options(
                **{"adbc.sqlite.query.batch_rows": str(max(rows, 1) + 1)})
            cur.execute(f"SELECT * FROM {_ident(name)}")  # noqa: S608
            tables[name] = (cur.fetch_arrow_table(), columns)
    return tables


def _read_postgres(dsn: str) -> dict[str, tuple[Any, Columns]]:
    import adbc_driver_postgresql.dbapi as adbc_postgres

    tables: dict[str, tuple[Any, Columns]] = {}
    with adbc_postgres.connect(dsn) as conn, conn.cursor() as cur:
        catalogue: dict[str, Columns] = {}
        for name in STORE_TABLES:
            cur.execute("SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND table_name = $1 "
                        "ORDER BY ordinal_position", parameters=(name,))
            # json/jsonb arrive as text; every other column keeps its Arrow type.
            catalogue[name] = [(str(col), "VARCHAR" if str(kind) in {"json", "jsonb"} else None)
                               for col, kind in cur.fetchall()]
        _all_present(catalogue)
        for name, columns in catalogue.items():
            select = ", ".join(f"{_ident(c)}::text AS {_ident(c)}" if k else _ident(c)
                               for c, k in columns)
            cur.execute(f"SELECT {select} FROM public.{_ident(name)}")  # noqa: S608
            tables[name] = (cur.fetch_arrow_table(), columns)
    return tables


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
