"""The audit chain's head, anchored outside the database it protects.

An HMAC chain shows an edited, inserted, deleted or reordered row, but not rows cut off the
end: the shortened chain is still a valid chain. So after every commit that added audit rows,
the newest row's ``(id, hmac)`` is written to a file next to the key files (atomically:
temporary file, fsync, rename, under an exclusive lock, and only ever forward). ``verify``
then checks that the anchored row is still in the database with the same HMAC
(shared/reference/security-reliability.md A1.3; ASVS 5.0 16.4.2). One file may anchor several
databases (one entry per database, keyed by a digest of its URL without the password).

Group anchoring. A commit only notes its head; the file is written after the write transaction
ended (``Database.after_write``) by one thread at a time: a thread that finds another one
writing leaves its head to it and returns, and the writing thread loops until no newer head is
waiting. Alone (the CLI, a quiet server) every commit is anchored before its call returns. Under
concurrent writers the file trails the database by the commits made while one anchor write is in
flight (a few milliseconds), anchored by that writer's next turn before it returns. The window
this leaves: if the process dies (kill, power cut) after such commits and before their anchor
write, the newest rows of those last milliseconds are not anchored, and cutting off exactly those
rows, and no earlier one, goes undetected until a later commit anchors past them. The anchor is
never ahead of the database: a head is noted only after its commit, and never moves backwards.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import tempfile
import threading
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
from acuneuro.store import AuditEvent, Database

__all__ = [
    "HEAD_KEY",
    "Anchor",
    "anchor_problem",
    "attach",
    "audit_anchor_path",
    "database_fingerprint",
    "read_anchor",
    "write_anchor",
]

# ``services.audit.record`` leaves the newest (id, hmac) of a transaction under this key.
HEAD_KEY = "acuneuro.audit_head"


@dataclass(slots=True)
class _Target:
    """Where one engine's head is anchored, and the head waiting to be written there."""

    path: Path
    fingerprint: str
    guard: threading.Lock = field(default_factory=threading.Lock)
    pending: tuple[int, str] | None = None
    writing: bool = False


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
    """Anchor every audit commit made through ``db`` in ``path``."""
    engine = weakref.ref(db.engine)
    _anchors[db.engine] = _Target(path, database_fingerprint(db))

    def flush() -> None:
        if (live := engine()) is not None:
            _flush(live)

    db.after_write(flush)


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
    if target is None:
        return
    with target.guard:
        if target.pending is None or head[0] > target.pending[0]:
            target.pending = head


def _flush(engine: Engine) -> None:
    """Write the newest noted head, unless another thread is writing (it will take it)."""
    target = _anchors.get(engine)
    if target is None:
        return
    with target.guard:
        if target.writing or target.pending is None:
            return
        target.writing = True

    def still_there(anchored: Anchor) -> bool:
        with engine.connect() as connection:
            stored = connection.scalar(
                select(AuditEvent.hmac).where(AuditEvent.id == anchored.id))
        return stored is not None and hmac.compare_digest(stored, anchored.hmac)

    try:
        while True:
            with target.guard:
                head, target.pending = target.pending, None
                if head is None:
                    target.writing = False
                    return
            write_anchor(target.path, target.fingerprint, Anchor(*head), still_there)
    except BaseException:
        with target.guard:
            target.writing = False
        raise


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(HEAD_KEY, None)
