"""The audit chain's head, anchored outside the database it protects.

An HMAC chain shows an edited, inserted, deleted or reordered row, but not rows cut off the
end: the shortened chain is still a valid chain. So after every commit that added audit rows,
the newest row's ``(id, hmac)`` is written to a file next to the key files (atomically:
temporary file, fsync, rename, under an exclusive lock, and only ever forward). ``verify``
then checks that the anchored row is still in the database with the same HMAC
(shared/reference/security-reliability.md A1.3; ASVS 5.0 16.4.2). One file may anchor several
databases (one entry per database, keyed by a digest of its URL without the password).

Two paces. A write transaction (``Database.write``: creating or changing a record, logging in,
the command line) has its head anchored before the call returns: the thread waits for any anchor
write in flight, then writes the newest head noted (``Database.after_write``). The audit rows of
reads (``services._audit_group``, the hot path) are committed durably before the read answers,
as always, but their head is anchored by a background step of the process (``anchor_later``):
one thread per database that writes the newest noted head, then waits ``READ_ANCHOR_INTERVAL``
before the next write, so a busy worker writes the file at most about ten times a second
instead of once per group commit. Disposing of the ``Database`` (the end of every command) and
the end of the process (``atexit``, which uvicorn's graceful shutdown reaches) write what is
still pending.

What this leaves, and why tamper evidence holds: the anchor is never ahead of the database (a
head is noted only after its commit, and never moves backwards), so ``acuneuro audit verify``
still checks the whole HMAC chain and that the anchored row is present with its HMAC. The
window: if the process is killed (SIGKILL, power cut) after some reads' rows were committed and
before the background step wrote their head, those rows (at most ``READ_ANCHOR_INTERVAL`` plus
one file write of reads, in that worker) are not anchored, and cutting off exactly those rows
and no earlier one goes undetected until a later commit anchors past them. Editing, inserting
or reordering rows anywhere, and cutting off anything anchored, is still found. Whether a read
may answer is unaffected: that depends on its audit row being committed durably, never on the
anchor.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from acuneuro.i18n import gettext as _
from acuneuro.settings import Settings
from acuneuro.store import AuditEvent, Database, read_only

__all__ = [
    "HEAD_KEY",
    "READ_ANCHOR_INTERVAL",
    "Anchor",
    "anchor_later",
    "anchor_problem",
    "attach",
    "audit_anchor_path",
    "database_fingerprint",
    "drain",
    "read_anchor",
    "write_anchor",
]

# ``services.audit.record`` leaves the newest (id, hmac) of a transaction under this key.
HEAD_KEY = "acuneuro.audit_head"
# Seconds between two anchor writes of the background step (reads' audit rows). Design choice:
# the width of the crash window described above against one fsync'd file write per interval.
READ_ANCHOR_INTERVAL = 0.1
# The background thread ends after this long without a head to write (a new one starts when
# one is noted), so a quiet process or a disposed database keeps no thread.
_IDLE_SECONDS = 5.0
_log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Target:
    """Where one engine's head is anchored, the head waiting to be written there, and the
    background step that writes the heads of reads."""

    path: Path
    fingerprint: str
    guard: threading.Lock = field(default_factory=threading.Lock)
    pending: tuple[int, str] | None = None
    # Held while the file is written: one anchor write at a time in this process.
    writer: threading.Lock = field(default_factory=threading.Lock)
    wake: threading.Event = field(default_factory=threading.Event)
    background: threading.Thread | None = None


_anchors: weakref.WeakKeyDictionary[Engine, _Target] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Anchor:
    """The newest audit row known to have been committed."""

    id: int
    hmac: str


def database_fingerprint(db: Database) -> str:
    """A stable digest naming one database (an absolute path for SQLite, no password)."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        url = url.set(database=str(Path(url.database or "").resolve()))
    text = url.render_as_string(hide_password=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def audit_anchor_path(settings: Settings) -> Path:
    """The anchor file: beside the audit key file, else in the key folder."""
    folder = settings.audit_key_file.parent if settings.audit_key_file else settings.keys
    return folder / "audit-head"


def attach(db: Database, path: Path) -> None:
    """Anchor every audit commit made through ``db`` in ``path``: a write's before
    ``Database.write`` returns, the reads' by the background step (``anchor_later``), and what
    is pending when ``db`` is disposed of."""
    engine = weakref.ref(db.engine)
    _anchors[db.engine] = _Target(path, database_fingerprint(db))

    def flush() -> None:
        if (live := engine()) is not None:
            _flush(live)

    db.after_write(flush)
    db.before_dispose(flush)


def anchor_later(db: Database, head: tuple[int, str]) -> None:
    """Have the background step anchor ``head``, committed through ``db`` (reads' audit rows).

    Returns at once; the step writes within ``READ_ANCHOR_INTERVAL`` plus one file write.
    """
    target = _anchors.get(db.engine)
    if target is None:
        return
    with target.guard:
        if target.pending is None or head[0] > target.pending[0]:
            target.pending = head
        target.wake.set()
        if target.background is not None:
            return
        target.background = threading.Thread(
            target=_background, args=(weakref.ref(db.engine), target),
            name="acuneuro-audit-anchor", daemon=True)
    target.background.start()


def drain(db: Database) -> None:
    """Anchor every head committed through ``db`` so far; return when it is written."""
    _flush(db.engine)


def _background(engine: weakref.ref[Engine], target: _Target) -> None:
    """Write the newest noted head, then rest ``READ_ANCHOR_INTERVAL``; end when idle."""
    while True:
        if not target.wake.wait(_IDLE_SECONDS):
            with target.guard:
                if target.pending is None:  # else a head came in just now: go on
                    target.background = None
                    return
        target.wake.clear()
        live = engine()
        if live is None:
            with target.guard:
                target.background = None
            return
        try:
            _flush(live)
        except Exception:  # the file's folder gone, disk full: said, and tried again
            _log.exception("the audit anchor could not be written; it is tried again")
            target.wake.set()
        del live
        time.sleep(READ_ANCHOR_INTERVAL)


@atexit.register
def _drain_all() -> None:
    """At the end of the process, anchor what every database has pending."""
    for engine in list(_anchors.keys()):
        with contextlib.suppress(Exception):
            _flush(engine)


def read_anchor(path: Path, fingerprint: str) -> Anchor | None:
    """The anchored head of one database, or None when the file has no entry for it."""
    try:
        entry = _load(path).get(fingerprint)
    except FileNotFoundError:
        return None
    if not isinstance(entry, dict):
        return None
    return Anchor(int(entry["id"]), str(entry["hmac"]))


def write_anchor(
    path: Path, fingerprint: str, head: Anchor,
    still_there: Callable[[Anchor], bool] = lambda anchor: True,
) -> None:
    """Record ``head`` unless the file already anchors a later row (the anchor never goes back).

    The anchor moves forward only while the row it names is still in the database
    (``still_there``): rows appended after a truncation must not hide it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    with open(lock, "a", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            entries = _load(path)
        except FileNotFoundError:
            entries = {}
        current = entries.get(fingerprint)
        if isinstance(current, dict):
            anchored = Anchor(int(current["id"]), str(current["hmac"]))
            if anchored.id >= head.id or not still_there(anchored):
                return
        entries[fingerprint] = {"id": head.id, "hmac": head.hmac}
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                json.dump(entries, out, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


def anchor_problem(session: Session, anchor: Anchor) -> str | None:
    """Why the database does not reach the anchored head, or None when it does."""
    stored = session.scalar(select(AuditEvent.hmac).where(AuditEvent.id == anchor.id))
    if stored is None:
        newest = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        return (f"audit row {anchor.id} (the anchored head) is missing; the newest row is "
                f"{newest}: the trail was truncated")
    if not hmac.compare_digest(stored, anchor.hmac):
        return f"audit row {anchor.id} is not the anchored head: the trail was rewritten"
    return None


def _load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text("ascii") or "{}")
    if not isinstance(data, dict):
        raise ValueError(_("%(path)s is not an audit anchor file.") % {"path": path})
    return data


@event.listens_for(Session, "after_commit")
def _note_after_commit(session: Session) -> None:
    head = session.info.pop(HEAD_KEY, None)
    if head is None:
        return
    bind = session.get_bind()
    target = _anchors.get(bind if isinstance(bind, Engine) else bind.engine)
    if target is not None:
        _note(target, head)


def _note(target: _Target, head: tuple[int, str]) -> None:
    with target.guard:
        if target.pending is None or head[0] > target.pending[0]:
            target.pending = head


def _flush(engine: Engine) -> None:
    """Write the newest noted head; return once every head noted before the call is written.

    A thread that finds another one writing waits for it: the writer loops until nothing newer
    is pending, so when the lock comes free the waiter's head is either written or still
    pending, and then the waiter writes it.
    """
    target = _anchors.get(engine)
    if target is None:
        return

    def still_there(anchored: Anchor) -> bool:
        with read_only(engine).connect() as connection:  # not the writer lock
            stored = connection.scalar(
                select(AuditEvent.hmac).where(AuditEvent.id == anchored.id))
        return stored is not None and hmac.compare_digest(stored, anchored.hmac)

    with target.writer:
        while True:
            with target.guard:
                head, target.pending = target.pending, None
            if head is None:
                return
            try:
                write_anchor(target.path, target.fingerprint, Anchor(*head), still_there)
            except BaseException:
                _note(target, head)  # not written: still pending, never lost
                raise


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(HEAD_KEY, None)
