"""Cohort figures computed in a separate, lower-priority process, from one read-only snapshot.

Turning a clinic's rows into figures is CPU work in Python, pyarrow and DuckDB. Run in a
thread of the server, it held the GIL while every patient read of the other threads waited
for it (eight such calls made a patient read take 4.9 s, issue 13). Here it runs in one worker
process (``spawn``: no state of the threaded server is copied) at a lower CPU priority (nice
10): the server's threads keep their GIL, and the operating system serves the patient reads
first. Calls queue for the one worker; the rate limits of ``services.throttle`` bound the
queue. The worker opens its own engine on the same database and reads the clinic in one
``Database.snapshot()`` transaction: never the writer lock.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pyarrow as pa
from sqlalchemy import Column, Table, select
from sqlalchemy.orm import Session

from acuneuro.analytics.cohort import cohort_report, knowledge_query
from acuneuro.store import Base, Database

__all__ = ["COLUMNS", "clinic_figures", "compute_in_worker"]

# What the cohort statement reads of each table, with the Arrow type DuckDB gets.
COLUMNS: dict[str, dict[str, pa.DataType]] = {
    "patients": {"id": pa.int64(), "clinic_id": pa.int64()},
    "episodes": {"id": pa.int64(), "patient_id": pa.int64(), "condition_kind": pa.string(),
                 "status": pa.string()},
    "treatment_sessions": {"patient_id": pa.int64(), "occurred_on": pa.date32(),
                           "attendance": pa.string(), "status": pa.string()},
    "score_records": {"id": pa.int64(), "patient_id": pa.int64(), "instrument_id": pa.string(),
                      "taken_on": pa.date32(), "total": pa.float64(), "status": pa.string()},
    "medication_statements": {"patient_id": pa.int64(), "drug": pa.string(),
                              "daily_dose": pa.float64(), "unit": pa.string(),
                              "start_on": pa.date32(), "stop_on": pa.date32(),
                              "status": pa.string()},
    # status: rows entered in error are left out by the statement (services.corrections).
    "adverse_events": {"patient_id": pa.int64(), "status": pa.string()},
}
_NICE = 10

_pool: ProcessPoolExecutor | None = None
_pool_guard = threading.Lock()
_databases: dict[str, Database] = {}  # in the worker: one engine per database


def clinic_figures(db: Database, clinic_id: int) -> list[dict[str, Any]]:
    """The cohort statement's rows for one clinic, read in one snapshot (no writer lock)."""
    with db.snapshot() as session:
        tables = {name: _clinic_rows(session, name, clinic_id) for name in COLUMNS}
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET threads = 1")  # one clinic needs no more; the other cores serve
        for name, arrow in tables.items():
            con.register(name, arrow)
        return list(cohort_report(con, knowledge_query()).to_pylist())
    finally:
        con.close()


def compute_in_worker(db: Database, clinic_id: int) -> list[dict[str, Any]]:
    """``clinic_figures`` run in the worker process; waits for it (a broken worker is
    replaced once)."""
    url = db.engine.url.render_as_string(hide_password=False)
    for attempt in (1, 2):
        try:
            return _worker().submit(_in_worker, url, clinic_id).result()
        except BrokenProcessPool:
            _replace_worker()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _in_worker(url: str, clinic_id: int) -> list[dict[str, Any]]:
    db = _databases.get(url)
    if db is None:
        db = _databases[url] = Database(url)
    return clinic_figures(db, clinic_id)


def _worker() -> ProcessPoolExecutor:
    global _pool
    with _pool_guard:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1,
                                        mp_context=multiprocessing.get_context("spawn"),
                                        initializer=os.nice, initargs=(_NICE,))
        return _pool


def _replace_worker() -> None:
    global _pool
    with _pool_guard:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def _clinic_rows(session: Session, name: str, clinic_id: int) -> pa.Table:
    table: Table = Base.metadata.tables[name]
    wanted = COLUMNS[name]
    columns: list[Column[Any]] = [table.c[c] for c in wanted]
    result = session.execute(select(*columns).where(table.c.clinic_id == clinic_id)).all()
    data = {c: [_plain(row[i]) for row in result] for i, c in enumerate(wanted)}
    return pa.table({c: pa.array(v, type=wanted[c]) for c, v in data.items()})


def _plain(value: Any) -> Any:
    # Enum columns (condition_kind) arrive as Python enums; DuckDB compares their text.
    return getattr(value, "value", value)
