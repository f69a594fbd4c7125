"""The queue of writers of one SQLite file, across threads and across processes.

SQLite lets one connection write at a time. A connection that finds the lock taken does not
queue: its busy handler sleeps and tries again, with sleeps growing to 100 ms, so a writer that
keeps losing the race waits far longer than the lock was held. Measured under ``bench.api``
(two worker processes, each committing the audit rows of its reads in a loop): ``BEGIN
IMMEDIATE`` waited up to 0.94 s while the other worker's commits took about 1 ms each, and
every read of that worker's group commit waited with it (the reads' long p99 tails).

So a write transaction first takes this lock: a reentrant lock for the threads of the process,
then an exclusive ``flock`` on a file beside the database (``<database>-writer``, created
owner-only), on which the kernel queues the processes and wakes the next one when it is
released, without polling. ``BEGIN IMMEDIATE`` then finds SQLite's lock free unless a process
outside acuneuro holds it, which still meets the busy timeout as before. The lock is released
when the process ends, however it ends (flock(2)).

A process that hangs while holding it must not stop every other worker for good: a writer that
has waited ``WAIT_SECONDS`` (SQLite's busy timeout on the same file) gives up with the error
SQLite itself gives then, "database is locked". The kernel's queue has no timeout, so the wait
is a blocking ``flock`` tried without blocking in short steps once the first try has failed.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from types import TracebackType

from sqlalchemy.exc import OperationalError

__all__ = ["WAIT_SECONDS", "WriterLock"]

WAIT_SECONDS = 30.0  # as ``PRAGMA busy_timeout=30000`` (store._database)
_LONGEST_PAUSE = 0.002  # a commit takes about 1 ms: a waiter looks again at least this often


def _acquire(fd: int, wait: float) -> None:
    """An exclusive flock on ``fd``, or OperationalError ("database is locked") after ``wait``."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    deadline = time.monotonic() + wait
    pause = 0.0001
    while True:
        time.sleep(pause)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise OperationalError("BEGIN IMMEDIATE", None,
                                       sqlite3.OperationalError("database is locked")) from None
            pause = min(2 * pause, _LONGEST_PAUSE)


class WriterLock:
    """Reentrant in a thread; exclusive across the processes that open the same file."""

    def __init__(self, database: Path, wait: float = WAIT_SECONDS) -> None:
        self._path = database.with_name(database.name + "-writer")
        self._wait = wait
        self._local = threading.RLock()
        self._depth = 0
        self._fd = -1
        self._pid = 0
        self._closer: weakref.finalize[[int], WriterLock] | None = None

    def __enter__(self) -> WriterLock:
        self._local.acquire()
        try:
            if self._depth == 0:
                _acquire(self._file(), self._wait)
            self._depth += 1
        except BaseException:
            self._local.release()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            self._depth -= 1
            if self._depth == 0:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._local.release()

    def close(self) -> None:
        """Close the lock file (``Database.dispose``); the next write opens it again."""
        with self._local:
            if self._closer is not None and self._depth == 0:
                self._closer()
                self._fd, self._closer = -1, None

    def _file(self) -> int:
        # Opened once per process: a forked child must not share its parent's open file, whose
        # flock the two would then hold together.
        if self._fd < 0 or self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
            self._closer = weakref.finalize(self, os.close, self._fd)
        return self._fd
