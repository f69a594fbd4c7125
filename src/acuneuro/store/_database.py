"""Engines and transactions: SQLite tuned for durability, PostgreSQL through psycopg 3.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed transaction survives power
loss) and ``foreign_keys=ON``; write transactions start with ``BEGIN IMMEDIATE`` so two writers
queue on the lock instead of failing half-way with "database is locked" on upgrade from a read.

SQLite has one writer, and a connection that finds the lock taken polls it with growing sleeps
(``busy_timeout``: up to 100 ms between tries), so under concurrent writers a waiting thread
often sleeps long after the lock came free. Write transactions on a SQLite file therefore
queue first on a lock shared by the threads and the processes that open it
(``store._writer_lock``: measured, a worker's ``BEGIN IMMEDIATE`` waited up to 0.94 s for
another's commits of about 1 ms without it) and start when the previous one ends; a process
outside acuneuro still meets the SQLite lock and its busy timeout. Hooks given to
``after_write`` run after a write transaction committed and that lock was released (the audit
anchor is written there); hooks given to ``before_dispose`` finish pending work before the
connections close.
Long reads take ``snapshot()``: one consistent view, never the writer lock. A ``Database`` on a
SQLite file checkpoints its write-ahead log from a background thread, never inside a commit
(``store._checkpoint``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from acuneuro.store._checkpoint import Checkpointer
from acuneuro.store._writer_lock import WriterLock

__all__ = ["READ_ONLY", "Database", "make_engine", "read_only"]

# Execution option: the transaction only reads (plain BEGIN on SQLite, never the writer lock).
READ_ONLY = "acuneuro_read_only"


def read_only(engine: Engine) -> Engine:
    """``engine`` for reads only: a plain ``BEGIN`` on SQLite, never the writer lock."""
    return engine.execution_options(**{READ_ONLY: True})


def make_engine(url: str | URL) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created when missing.

    A new SQLite file is created readable by its owner only (0600): it holds patient data, and
    SQLite gives its ``-wal`` and ``-shm`` files the database file's permissions.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        _create_private(Path(database))
    engine = create_engine(parsed, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _create_private(path: Path) -> None:
    # An existing database keeps the permissions its owner gave it.
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event so we choose BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """One engine and the two kinds of transaction the services use."""

    def __init__(self, url: str | URL) -> None:
        self.engine = make_engine(url)
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = read_only(self.engine)
        self._read = sessionmaker(self._reader, expire_on_commit=False)
        # One snapshot for every statement of a long read (PostgreSQL's default, read committed,
        # takes a new one per statement); SQLite's deferred BEGIN in WAL mode already has one.
        snapshot = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True} if (
            self.engine.dialect.name == "postgresql") else {}
        self._snapshot = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}, **snapshot),
            expire_on_commit=False)
        # Reentrant: a nested write in one thread meets SQLite's lock, as it would without it.
        # A SQLite file's writers also queue across processes (``store._writer_lock``).
        database = self.engine.url.database
        on_file = bool(self.engine.dialect.name == "sqlite" and database
                       and database != ":memory:" and not database.startswith("file:"))
        self._writer_lock = WriterLock(Path(database or "")) if on_file else None
        self._writer: AbstractContextManager[object] = self._writer_lock or (
            threading.RLock() if self.engine.dialect.name == "sqlite" else nullcontext())
        self._after_write: list[Callable[[], None]] = []
        self._before_dispose: list[Callable[[], None]] = []
        self._checkpointer = Checkpointer(self.engine, self._writer) if on_file else None

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def write(self, *, run_hooks: bool = True) -> Iterator[Session]:
        """A transaction that may write: committed on success, rolled back on any error.

        With ``run_hooks=False`` the caller runs ``run_after_write`` itself, when it chooses.
        """
        with self._writer, self._write() as session, session.begin():
            yield session
        if run_hooks:
            self.run_after_write()

    def run_after_write(self) -> None:
        """Run the ``after_write`` hooks (after a committed write transaction)."""
        for hook in self._after_write:
            hook()

    def after_write(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` after each committed write transaction, outside the writer queue."""
        self._after_write.append(hook)

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """``write`` for Core statements alone: a connection, no ORM session; committed on
        success, rolled back on any error. The ``after_write`` hooks are the caller's."""
        with self._writer, self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """``read`` for Core statements alone (the hot read paths): no ORM session."""
        with self._reader.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction that only reads (plain ``BEGIN`` on SQLite, so readers never queue)."""
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read-only transaction whose statements all see one committed state of the database.

        For long reads (cohort analytics): it never takes the writer lock, so writers and the
        audit rows of other reads go on while it runs, and it never sees half of a write.
        """
        with self._snapshot() as session, session.begin():
            yield session

    def before_dispose(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` when ``dispose`` is called, before the connections close."""
        self._before_dispose.append(hook)

    def dispose(self) -> None:
        """Run the ``before_dispose`` hooks (work still pending), then close every pooled
        connection."""
        try:
            for hook in self._before_dispose:
                hook()
        finally:
            if self._checkpointer is not None:
                self._checkpointer.close()
            self.engine.dispose()
            if self._writer_lock is not None:
                self._writer_lock.close()
