"""SQLite writers queue across processes, and the WAL is checkpointed outside the commits.

Behaviour only (``store._writer_lock``, ``store._checkpoint``): writers of several processes all
commit, none fails with "database is locked"; a ``Database``'s connections leave the automatic
checkpoint to its background step; what was committed is in the database file once the
``Database`` is disposed of (no connection, the step's included, is left open).
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from acuneuro.store import Base, Clinic, Database, make_engine
from acuneuro.store._writer_lock import WriterLock

_WRITES = 40


def _write_clinics(url: str, prefix: str) -> None:
    database = Database(url)
    try:
        for n in range(_WRITES):
            with database.write() as session:
                session.add(Clinic(name=f"{prefix}-{n}"))
    finally:
        database.dispose()


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


def test_writers_of_several_processes_and_threads_all_commit(tmp_path: Path) -> None:
    url = _store(tmp_path)
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_write_clinics, args=(url, f"p{i}")) for i in range(2)]
    threads = [threading.Thread(target=_write_clinics, args=(url, f"t{i}")) for i in range(2)]
    for process in processes:
        process.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for process in processes:
        process.join()
    assert [process.exitcode for process in processes] == [0, 0]
    database = Database(url)
    try:
        with database.read() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(Clinic)) == 4 * _WRITES
    finally:
        database.dispose()


def test_the_writer_lock_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    url = _store(tmp_path)
    _write_clinics(url, "a")
    assert (tmp_path / "queue.db-writer").stat().st_mode & 0o777 == 0o600


def test_commits_leave_the_checkpoint_to_the_database_and_reach_its_file(tmp_path: Path) -> None:
    url = _store(tmp_path)
    database = Database(url)
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    alone = make_engine(url)  # an engine alone (migrations) keeps SQLite's default
    with alone.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    alone.dispose()
    _write_clinics(url, "b")
    with database.write() as session:
        session.add(Clinic(name="one more"))
    database.dispose()  # the last connection closed: SQLite checkpointed and removed the log
    assert not (tmp_path / "queue.db-wal").exists()
    with sqlite3.connect(tmp_path / "queue.db") as plain:
        assert plain.execute("SELECT count(*) FROM clinics").fetchone() == (_WRITES + 1,)


def test_a_writer_gives_up_as_sqlite_does_when_the_lock_is_never_released(
    tmp_path: Path,
) -> None:
    # Another process that hangs while writing must not stop this one for good.
    database = tmp_path / "store.db"
    lock = WriterLock(database, wait=0.2)
    with lock:
        pass  # creates the lock file
    held = os.open(database.with_name("store.db-writer"), os.O_RDWR)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(OperationalError, match="database is locked"), lock:
            pass
    finally:
        os.close(held)
    with lock:  # released: the next writer goes ahead
        pass
