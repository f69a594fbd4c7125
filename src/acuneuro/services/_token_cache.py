"""Validated bearer tokens, remembered for a few seconds, with revocation honoured at once.

Checking a bearer token means verifying its signature and reloading the account (a disabled
account, or a token issued before the account's ``sessions_valid_after``, is refused: ASVS 5.0
7.4.1). That is done once; then, for at most ``TOKEN_CACHE_SECONDS`` and never past the token's
own expiry, the same token (looked up by a SHA-256 digest of the signing key and the token,
never the token itself) gives the same actor without either.

Revocation: every commit that changes an account row (logging out, disabling, a second-factor
or password reset, a role or any other change: the whole ``users`` row counts) moves the
installation's *revocation mark* before the call that made it returns: a counter in this
process (for every database), and a small file beside the audit anchor that every worker
process of the installation shares (rewritten through a new file, so its inode and time
change). Each lookup compares the
mark with the one read before the entry's account was loaded (one ``stat`` call); any change
and the entry is not used: the token is checked in full again, against the committed change.
So a revoked token is refused on the next request, in any worker. Because the mark is read
before the account is loaded, a change committed during that load cannot leave a stale entry
behind. Without a mark file (a context made without settings, as in tests) the counter alone
covers the one process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from acuneuro.services._actor import Actor
from acuneuro.store import Database, User

__all__ = [
    "TOKEN_CACHE_SECONDS", "attach", "cached_actor", "remembered_actor", "revocation_mark_path",
]

# Design choice: how long a checked token is trusted without a new check when nothing about
# accounts changed (revocations end it at once, see above); short, so that a change made
# behind the services' back (SQL by hand) is seen within this long.
TOKEN_CACHE_SECONDS = 30.0
# Beyond this many live tokens the cache starts again (one clinic has far fewer).
_MAX_ENTRIES = 10_000
_CHANGED = "acuneuro.accounts_changed"

_Mark = tuple[int, int, int, int]


@dataclass(slots=True)
class _Cache:
    """One database's cached tokens and its revocation mark."""

    path: Path | None = None
    guard: threading.Lock = field(default_factory=threading.Lock)
    entries: dict[bytes, tuple[Actor, float, _Mark]] = field(default_factory=dict)

    def mark(self) -> _Mark:
        generation = _generation[0]
        if self.path is None:
            return (generation, 0, 0, 0)
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return (generation, 0, 0, 0)
        return (generation, found.st_ino, found.st_mtime_ns, found.st_size)


_caches: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()
_caches_guard = threading.Lock()
# The process's counter: one for every database, so that a change made through another
# ``Database`` of the same store in this process is seen too.
_generation = [0]


def revocation_mark_path(anchor: Path) -> Path:
    """The mark file: beside the audit anchor (``anchor``), shared by every worker."""
    return anchor.with_name("sessions-ended")


def attach(db: Database, path: Path) -> None:
    """Share ``db``'s revocation mark with the other processes through ``path``."""
    _cache(db.engine).path = path


def remembered_actor(db: Database, secret: str, token: str, source: str | None
                     ) -> Actor | None:
    """The actor of ``token`` if the cache holds a live entry for it, else None (no I/O but
    one ``stat``: an event loop may call it)."""
    cache = _cache(db.engine)
    return _live(cache, _key(secret, token), cache.mark(), source)


def cached_actor(
    db: Database, secret: str, token: str, source: str | None,
    check: Callable[[], tuple[Actor, float]],
) -> Actor:
    """The actor of ``token``: from the cache, else from ``check`` (which raises when the token
    is refused, or returns the actor and the token's expiry, epoch seconds), then remembered."""
    cache = _cache(db.engine)
    key = _key(secret, token)
    mark = cache.mark()  # before the account is loaded: see the module's docstring
    if (actor := _live(cache, key, mark, source)) is not None:
        return actor
    actor, expires = check()
    with cache.guard:
        if len(cache.entries) >= _MAX_ENTRIES:
            cache.entries.clear()
        cache.entries[key] = (actor, min(expires, time.time() + TOKEN_CACHE_SECONDS), mark)
    return actor


def _key(secret: str, token: str) -> bytes:
    return hashlib.sha256(f"{secret}\0{token}".encode()).digest()


def _live(cache: _Cache, key: bytes, mark: _Mark, source: str | None) -> Actor | None:
    found = cache.entries.get(key)
    if found is None:
        return None
    actor, until, marked = found
    if marked != mark or time.time() >= until:
        return None
    return Actor(actor.user_id, actor.email, actor.role, actor.clinic_id, source)


def _cache(engine: Engine) -> _Cache:
    cache = _caches.get(engine)
    if cache is None:
        with _caches_guard:
            cache = _caches.setdefault(engine, _Cache())
    return cache


def _revoke(engine: Engine) -> None:
    """Move the mark: this process at once, the others through the file."""
    cache = _cache(engine)
    with _caches_guard:
        _generation[0] += 1
    with cache.guard:
        cache.entries.clear()
    if cache.path is None:
        return
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{cache.path.name}.", dir=cache.path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(f"{time.time_ns()}\n")
        os.replace(temporary, cache.path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@event.listens_for(Session, "after_flush")
def _note_account_change(session: Session, _context: object) -> None:
    if any(isinstance(o, User) for o in (*session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _revoke_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        bind = session.get_bind()
        _revoke(bind if isinstance(bind, Engine) else bind.engine)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
