"""The synthetic registry generator: N patients with full courses, fast, deterministic from a seed.

Rows are drawn in chunks of :data:`CHUNK_PATIENTS` with numpy (see ``_registry_frames``) and
written in bulk: SQLAlchemy Core ``insert()`` with lists of rows (``executemany``) on SQLite,
``COPY ... FROM STDIN`` through psycopg on PostgreSQL, or straight to Parquet files (one per
table, the layout :func:`acuneuro.analytics.cohort.export_parquet` writes). Each chunk is one
transaction, so a failure leaves whole chunks only. Ids follow the largest id in each table when
the run starts: load into a store nobody else is writing to. Every name is visibly synthetic
("Synthetic Testpatient-00000042", clinics "Synthetic registry clinic 001") and clinics are
flagged ``is_demo``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import (
    JSON,
    Engine,
    Enum,
    MetaData,
    String,
    Table,
    Text,
    column,
    insert,
    inspect,
    select,
    table,
)
from sqlalchemy import func as sql_func
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.sql.expression import TableClause

from acuneuro.analytics._registry_frames import (
    CHUNK_PATIENTS,
    TABLE_ORDER,
    ChunkIds,
    generate_chunk,
)

__all__ = [
    "DatabaseSink",
    "GenerationReport",
    "ParquetSink",
    "RegistryError",
    "Sink",
    "generate_registry",
]


class RegistryError(ValueError):
    """The target cannot take the registry (schema missing, clinic names taken, bad size)."""


@dataclass(frozen=True)
class GenerationReport:
    """What was written and how fast."""

    patients: int
    clinics: int
    rows: dict[str, int]
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds > 0 else float("inf")


class Sink(Protocol):
    """Where the generated tables go."""

    def last_ids(self) -> dict[str, int]: ...

    def write(self, tables: dict[str, pa.Table]) -> None: ...

    def close(self) -> None: ...


def _clinic_rows(first_id: int, count: int, seed: int, stamp: datetime) -> pa.Table:
    ids = np.arange(first_id + 1, first_id + count + 1, dtype=np.int64)
    return pa.table(
        {
            "id": pa.array(ids),
            "name": pa.array(
                [f"Synthetic registry clinic {i:03d} (seed {seed})" for i in range(1, count + 1)]
            ),
            "is_demo": pa.array(np.ones(count, dtype=bool)),
            "created_at": pa.array([stamp] * count, type=pa.timestamp("us", tz="UTC")),
        }
    )


@dataclass
class ParquetSink:
    """One Parquet file per table in ``folder`` (created; existing files are refused)."""

    folder: Path
    _writers: dict[str, pq.ParquetWriter] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        taken = [n for n in ("clinics", *TABLE_ORDER) if (self.folder / f"{n}.parquet").exists()]
        if taken:
            raise RegistryError(f"{self.folder}: already holds {', '.join(taken)} (.parquet)")

    def last_ids(self) -> dict[str, int]:
        return {}

    def write(self, tables: dict[str, pa.Table]) -> None:
        for name, data in tables.items():
            writer = self._writers.get(name)
            if writer is None:
                writer = pq.ParquetWriter(self.folder / f"{name}.parquet", data.schema)
                self._writers[name] = writer
            writer.write_table(data)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def _sqlite_rows(data: pa.Table, order: list[str]) -> list[tuple[object, ...]]:
    """Rows as tuples in ``order``, dates and times as the text SQLAlchemy stores in SQLite.

    Converting whole columns in Arrow and handing tuples to ``executemany`` skips the
    per-row parameter processing that dominates a Core ``insert()`` with a list of dicts.
    """
    columns = []
    for name in order:
        col = data.column(name)
        if pa.types.is_date32(col.type):
            col = col.cast(pa.string())
        elif pa.types.is_timestamp(col.type):
            col = pc.strftime(col, format="%Y-%m-%d %H:%M:%S")
        columns.append(col.to_pylist())
    return list(zip(*columns, strict=True))


def _loose(real: Table) -> TableClause:
    """``real`` with JSON and enum columns as plain text: the frames carry them serialised."""
    # Reflection sees SQLite's declared "JSON" as JSON, which would encode our strings again.
    cols = []
    for col in real.columns:
        kind = col.type
        if isinstance(kind, JSON):
            kind = Text()
        elif isinstance(kind, Enum):
            kind = String()
        cols.append(column(col.name, kind))
    return table(real.name, *cols)


class DatabaseSink:
    """The live store, SQLite or PostgreSQL; the schema must be current (the caller upgrades)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        meta = MetaData()
        wanted = ("clinics", *TABLE_ORDER)
        try:
            meta.reflect(engine, only=wanted)
        except InvalidRequestError:
            present = set(inspect(engine).get_table_names())
            missing = [name for name in wanted if name not in present]
            raise RegistryError(
                f"db: tables missing: {', '.join(missing)} (upgrade the schema first)"
            ) from None
        self._tables = {name: _loose(meta.tables[name]) for name in wanted}

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def last_ids(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(select(sql_func.max(t.c.id))).scalar_one() or 0)
                for name, t in self._tables.items()
            }

    def write(self, tables: dict[str, pa.Table]) -> None:
        if self.postgres:
            self._copy(tables)
            return
        with self.engine.begin() as conn:
            # A larger page cache for index upkeep during the load, then the pooled
            # connection gets its own setting back.
            previous = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
            conn.exec_driver_sql("PRAGMA cache_size = -262144")
            try:
                for name, data in tables.items():
                    if data.num_rows:
                        statement = insert(self._tables[name]).compile(
                            dialect=self.engine.dialect, column_keys=data.column_names
                        )
                        order = getattr(statement, "positiontup", None) or data.column_names
                        conn.exec_driver_sql(str(statement), _sqlite_rows(data, list(order)))
            finally:
                conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")

    def _copy(self, tables: dict[str, pa.Table]) -> None:
        raw = self.engine.raw_connection()
        try:
            driver = raw.driver_connection
            if driver is None:
                raise RegistryError("db: the pool gave no psycopg connection")
            with driver.cursor() as cur:
                for name, data in tables.items():
                    names = ", ".join(data.column_names)
                    columns = [c.to_pylist() for c in data.columns]
                    with cur.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
                        for row in zip(*columns, strict=True):
                            copy.write_row(row)
            raw.commit()
        finally:
            raw.close()

    def close(self) -> None:
        if self.postgres:
            # Explicit ids bypass the serial sequences; move them past the rows we wrote.
            with self.engine.begin() as conn:
                for name in self._tables:
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                    )


def _check_clinic_names(sink: Sink, clinics: pa.Table) -> None:
    if not isinstance(sink, DatabaseSink):
        return
    names = clinics.column("name").to_pylist()
    t = sink._tables["clinics"]
    with sink.engine.connect() as conn:
        taken = conn.execute(select(t.c.name).where(t.c.name.in_(names))).scalars().all()
    if taken:
        raise RegistryError(f"clinic {taken[0]!r} exists: this seed was generated here already")


def generate_registry(
    sink: Sink,
    patients: int,
    *,
    clinics: int = 10,
    seed: int = 0,
    generated_at: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerationReport:
    """Write ``patients`` synthetic patients spread over ``clinics`` new clinics into ``sink``.

    The content depends on ``patients``, ``clinics`` and ``seed`` only (ids are offset past
    the rows already in the target); ``generated_at`` stamps ``created_at`` (default: now).
    ``progress`` is called with the number of patients written after each chunk.
    """
    if patients < 1:
        raise RegistryError("patients: must be at least 1")
    if not 1 <= clinics <= patients:
        raise RegistryError("clinics: must be between 1 and the number of patients")
    stamp = generated_at or datetime.now(UTC)
    started = time.perf_counter()
    ids = ChunkIds(dict(sink.last_ids()))
    clinic_table = _clinic_rows(ids.last.get("clinics", 0), clinics, seed, stamp)
    _check_clinic_names(sink, clinic_table)
    ids.take("clinics", clinics)
    rows = {"clinics": clinics}
    try:
        sink.write({"clinics": clinic_table})
        clinic_ids = clinic_table.column("id").to_numpy()
        done = 0
        for index, start in enumerate(range(0, patients, CHUNK_PATIENTS)):
            count = min(CHUNK_PATIENTS, patients - start)
            rng = np.random.default_rng([seed, index])
            chunk = generate_chunk(rng, count, clinic_ids, ids, stamp)
            sink.write(chunk)
            for name, data in chunk.items():
                rows[name] = rows.get(name, 0) + data.num_rows
            done += count
            if progress is not None:
                progress(done)
    finally:
        sink.close()
    return GenerationReport(patients, clinics, rows, time.perf_counter() - started)
