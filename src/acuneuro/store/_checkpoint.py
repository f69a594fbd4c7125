"""SQLite's WAL checkpoints off the request path: one background step per ``Database``.

SQLite copies its write-ahead log back into the database file (a checkpoint) on its own, in
the connection whose commit left the log above 1,000 pages (``wal_autocheckpoint``), before
that commit returns: the copy, then an fsync of the database file. While readers hold older
snapshots the log cannot start over, so every later commit tries again. Measured (100,000
patients, SQLite on ext4, one thread committing audit rows): a commit that checkpoints took
4-8 ms instead of 0.5 ms, and 0.3 s the first time after a bulk load. The writer lock
(``store._writer_lock``) is held until the commit returns, so every writer of every process
would wait that long, and with them every read of a group commit (``services._audit_group``).

So a ``Database`` on a SQLite file turns the automatic checkpoint off on its own connections
(``PRAGMA wal_autocheckpoint=0``) and a thread checkpoints instead: every commit on the engine
nudges it, and while commits keep coming it runs a ``PASSIVE`` checkpoint (it never waits for
readers or writers, and returns at once when another process is checkpointing) at most every
``INTERVAL`` seconds; it ends after ``IDLE`` seconds without a commit. Durability is unchanged:
with ``synchronous=FULL`` a transaction is durable once its log frames are synced, which the
commit still does; a checkpoint only moves pages that are already durable. Engines made by
``make_engine`` alone (migrations, the registry generator) keep SQLite's automatic checkpoint.
When the last connection to the file closes (``Database.dispose``), SQLite checkpoints what is
left and removes the log itself. Source: https://sqlite.org/wal.html ("Checkpointing",
"Automatic Checkpoint") and https://sqlite.org/pragma.html#pragma_wal_checkpoint.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Engine, event

__all__ = ["Checkpointer"]

# Seconds between two checkpoints while commits come. Design choice: one fsync of the database
# file per interval per process, against a log that grows by about an interval's commits
# (pages written again and again, such as the audit table's last page, are copied once).
INTERVAL = 0.5
# The thread ends after this long without a commit; the next commit starts a new one.
IDLE = 5.0
_log = logging.getLogger(__name__)


class Checkpointer:
    """Checkpoints ``engine``'s SQLite file from a background thread, never in a commit."""

    def __init__(self, engine: Engine, writer: AbstractContextManager[object]) -> None:
        self._engine = weakref.ref(engine)
        self._writer = writer
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        event.listen(engine, "connect", _no_autocheckpoint)
        event.listen(engine, "commit", self._nudge)

    def close(self) -> None:
        """Stop the thread (a checkpoint in progress ends first); a later commit starts it
        again (a ``Database`` used after ``dispose``)."""
        with self._guard:
            self._closed.set()
            thread = self._thread
        self._wake.set()
        if (thread is not None and thread is not threading.current_thread()
                and self._pid == os.getpid()):
            thread.join()
        with self._guard:
            self._thread = None
            self._wake.clear()
            self._closed.clear()

    def _nudge(self, _connection: Any) -> None:
        with self._guard:
            if self._closed.is_set():
                return
            self._wake.set()
            # A forked child inherits the parent's note of a thread, not the thread.
            if self._thread is not None and self._pid == os.getpid():
                return
            thread = self._thread = threading.Thread(
                target=self._run, name="acuneuro-wal-checkpoint", daemon=True)
            self._pid = os.getpid()
        thread.start()

    def _run(self) -> None:
        while True:
            if not self._wake.wait(IDLE):
                with self._guard:
                    if not self._wake.is_set():  # else a commit nudged just now: go on
                        self._thread = None
                        return
            self._wake.clear()
            engine = self._engine()
            if engine is None or self._closed.is_set():
                with self._guard:
                    self._thread = None
                return
            try:
                self._checkpoint(engine)
            except Exception:  # the file busy or gone: said; the next commit tries again
                _log.warning("the WAL checkpoint failed; it is tried again", exc_info=True)
            del engine
            self._closed.wait(INTERVAL)


    def _checkpoint(self, engine: Engine) -> None:
        """Copy the log into the file, then let the next commit start the log over.

        SQLite starts the log over only in a write transaction that began with every frame
        already copied; commits made during a long copy would prevent that for ever and the
        log would grow without end (measured: 62 MB in 4 s). So the bulk is copied with no
        lock held, and the few frames committed meanwhile are copied again while the writers
        of every process queue (the writer lock, ``store._writer_lock``; measured 0-1.2 ms),
        so that the next commit starts the log over.
        """
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                busy, _log_frames, _copied = cursor.fetchone() or (1, 0, 0)
                if busy:
                    return  # another process is checkpointing
                with self._writer:
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cursor.fetchall()
            finally:
                cursor.close()
        finally:
            raw.close()


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    finally:
        cursor.close()
