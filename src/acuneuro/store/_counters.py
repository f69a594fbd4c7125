"""Rate-limit counters in the database, so every server process counts against one figure.

``acuneuro serve --workers N`` runs N processes: counters kept in each process's memory let an
address try N times each limit. Here each limit is a window of ``seconds`` cut into at most
``SLOTS`` slots; a row holds the events of one key in one slot, and ``expires_at`` is the
second at which that slot leaves the window (an event therefore stops counting up to one slot
before the full window has passed since it happened; design choice: a sixtieth of the window).
Counting is one atomic upsert per key (``INSERT ... ON CONFLICT DO UPDATE``, SQLite 3.24+ and
PostgreSQL).

Cost: deciding reads (one indexed ``SELECT``), so a refused attempt writes nothing; only an
admitted or failed attempt writes one short transaction, outside the audit hooks. Test and
count are one step: on SQLite the write transaction holds the writer lock, on PostgreSQL a
transaction-scoped advisory lock per key (taken in key order, so two counters never
deadlock). Rows whose slot has left the window are deleted at most once a ``PRUNE_EVERY``
seconds per process, in a counting transaction.

SQLite has one writer lock for the whole file, and the clinic's reads must never wait for it
(issue 13: analytics and exports read while another write holds it). A SQLite database
therefore keeps its counters in a companion file beside it, ``<database>-throttle``: the same
table with its own writer lock, held for microseconds, committed without an fsync
(``synchronous=NORMAL``: a power cut may forget the last counts, never corrupt them; on
PostgreSQL ``synchronous_commit`` is off for them likewise). Every
process opening the database opens the same companion. It holds nothing to back up; deleting
it (server stopped) resets the counters. PostgreSQL keeps them in the database's
``throttle_counts``.

Keys are stored as a BLAKE2b digest of their parts: the table holds no email or address.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    String,
    bindparam,
    delete,
    event,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import CreateIndex, CreateTable

from acuneuro.store._base import Base
from acuneuro.store._database import READ_ONLY, Database

__all__ = ["PRUNE_EVERY", "SLOTS", "Count", "Limit", "SharedCounters", "ThrottleCount",
           "companion_url"]

SLOTS = 60
PRUNE_EVERY = 60.0


class ThrottleCount(Base):
    """The events of one rate-limit key in one slot of its window."""

    __tablename__ = "throttle_counts"

    # 32 hex digits: BLAKE2b-128 of the key's parts and its limit.
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hits: Mapped[int] = mapped_column(Integer)
    # Unix second at which this slot leaves its window (then it counts no more and is pruned).
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``amount`` events in any ``seconds``-long window."""

    amount: int
    seconds: int

    @property
    def slot_seconds(self) -> int:
        """Width of one slot: a ``SLOTS``-th of the window, at least a second."""
        return max(1, math.ceil(self.seconds / SLOTS))

    @property
    def slots(self) -> int:
        """Slots in one window."""
        return math.ceil(self.seconds / self.slot_seconds)


@dataclass(frozen=True, slots=True)
class Count:
    """One limit on one key: what a check tests and what an event counts against."""

    limit: Limit
    parts: tuple[str, ...]
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        spec = f"{self.limit.amount}/{self.limit.seconds}"
        named = "\x1f".join((spec, *self.parts)).encode()
        object.__setattr__(self, "digest", hashlib.blake2b(named, digest_size=16).hexdigest())

    def slot(self, now: int) -> tuple[int, int]:
        """The slot ``now`` falls in, and the second it leaves the window."""
        width = self.limit.slot_seconds
        slot = now // width
        return slot, (slot + self.limit.slots) * width


def _now() -> int:
    return math.floor(time.time())  # looked up at call time: the tests move the clock


def _wait(limit: Limit, rows: list[tuple[int, int]], now: int) -> int:
    """Seconds until ``limit`` has room for one more event (0: room now).

    ``rows``: (hits, expires_at) of the key's slots still in the window.
    """
    need = sum(hits for hits, _ in rows) - limit.amount + 1
    if need <= 0:
        return 0
    for hits, expires_at in sorted(rows, key=lambda row: row[1]):
        need -= hits
        if need <= 0:
            return max(1, expires_at - now)
    return limit.seconds  # not reached: every slot leaves the window within it


def companion_url(url: URL) -> URL | None:
    """The companion file a SQLite database keeps its counters in (None: kept in the database
    itself: PostgreSQL, or a SQLite database that is not a plain file)."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or (
            database.startswith("file:")):
        return None
    return url.set(database=f"{database}-throttle")


def _open_companion(url: URL) -> Database:
    companion = Database(url)  # created readable by its owner only, like the database
    event.listen(companion.engine, "connect", _no_fsync_at_commit)  # after make_engine's
    table = Base.metadata.tables[ThrottleCount.__tablename__]
    with companion.write(run_hooks=False) as session:  # two processes may arrive at once
        session.execute(CreateTable(table, if_not_exists=True))
        for index in table.indexes:
            session.execute(CreateIndex(index, if_not_exists=True))
    return companion


def _no_fsync_at_commit(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


_TABLE = Base.metadata.tables[ThrottleCount.__tablename__]
# Built once: Core statements with bound parameters (the ORM's per-call work was most of a
# refusal's cost).
_READ = select(_TABLE.c.key, _TABLE.c.hits, _TABLE.c.expires_at).where(
    _TABLE.c.key.in_(bindparam("keys", expanding=True)), _TABLE.c.expires_at > bindparam("now"))
_CLEAR = delete(_TABLE).where(_TABLE.c.key.in_(bindparam("keys", expanding=True)))
_PRUNE = delete(_TABLE).where(_TABLE.c.expires_at <= bindparam("now"))
_UPSERT = {dialect.__name__.rsplit(".", 1)[-1]: dialect.insert(_TABLE).on_conflict_do_update(
    index_elements=[_TABLE.c.key, _TABLE.c.slot], set_={"hits": _TABLE.c.hits + 1})
    for dialect in (postgresql, sqlite)}
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
# A count need not wait for the WAL flush (a crash may forget the last ones, as on SQLite).
_NO_FLUSH_WAIT = text("SET LOCAL synchronous_commit TO OFF")


class SharedCounters:
    """The rate-limit counters of one database (every process sees the same figures)."""

    def __init__(self, db: Database) -> None:
        companion = companion_url(db.engine.url)
        self.db = db if companion is None else _open_companion(companion)
        self._reader = self.db.engine.execution_options(**{READ_ONLY: True})
        self._upsert = _UPSERT[self.db.backend]
        self._pruned = 0.0

    def waits(self, checks: Sequence[Count]) -> list[int]:
        """Per check, seconds until its limit has room (0: room now). Reads only."""
        now = _now()
        with self._reader.connect() as connection, connection.begin():
            return _waits(connection, checks, now)

    def take(self, checks: Sequence[Count]) -> int:
        """Count one event against every check, or none when one is full: the seconds to wait
        (0: counted). A full limit is found by a read, and nothing is written."""
        wait = max(self.waits(checks), default=0)
        if wait:
            return wait
        with self._counting(checks) as (connection, now):
            wait = max(_waits(connection, checks, now), default=0)
            if not wait:
                self._add(connection, checks, now)
            return wait

    def count(self, checks: Sequence[Count], *, clear: Iterable[Count] = ()) -> None:
        """Forget the events of ``clear``, then count one event against each check that has
        room (a full limit stays full: it is not pushed further out), in one transaction."""
        clear = list(clear)
        with self._counting([*checks, *clear]) as (connection, now):
            if clear:
                connection.execute(_CLEAR, {"keys": [c.digest for c in clear]})
            waits = _waits(connection, checks, now)
            self._add(connection, [c for c, wait in zip(checks, waits, strict=True) if not wait],
                      now)

    def _add(self, connection: Connection, checks: Sequence[Count], now: int) -> None:
        rows = []
        for check in checks:
            slot, expires_at = check.slot(now)
            rows.append({"key": check.digest, "slot": slot, "hits": 1, "expires_at": expires_at})
        if rows:
            connection.execute(self._upsert, rows)

    @contextmanager
    def _counting(self, checks: Sequence[Count]) -> Iterator[tuple[Connection, int]]:
        """A write transaction for counting: no audit hooks (no audit row is written), the
        keys locked on PostgreSQL, and now and then a prune of the slots past their window."""
        keys = sorted({int.from_bytes(bytes.fromhex(c.digest[:16]), "big", signed=True)
                       for c in checks})
        with self.db.write(run_hooks=False) as session:
            connection = session.connection()
            if self.db.backend == "postgresql":
                connection.execute(_NO_FLUSH_WAIT)
                for key in keys:  # sorted: two transactions wait in the same order
                    connection.execute(_LOCK, {"key": key})
            now = _now()
            if self._prune_due():
                connection.execute(_PRUNE, {"now": now})
            yield connection, now

    def _prune_due(self) -> bool:
        moment = time.monotonic()
        if moment - self._pruned < PRUNE_EVERY:
            return False
        self._pruned = moment
        return True


def _waits(connection: Connection, checks: Sequence[Count], now: int) -> list[int]:
    rows: dict[str, list[tuple[int, int]]] = {c.digest: [] for c in checks}
    for key, hits, expires_at in connection.execute(_READ, {"keys": list(rows), "now": now}):
        rows[key].append((hits, expires_at))
    return [_wait(c.limit, rows[c.digest], now) for c in checks]
