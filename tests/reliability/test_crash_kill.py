"""Crash safety: SIGKILL the server (and on PostgreSQL the database server) while it writes.

Eight concurrent writers create and update patients and add medication statements through the
real HTTP API of the real server, started as a subprocess over its own database; at a random
moment the server is killed with SIGKILL, restarted, and the database is compared with what the
writers saw acknowledged (``_checks``): every acknowledged write is there with its audit row,
nothing is half-written. On PostgreSQL a private throwaway cluster is used, and every fifth
cycle its postmaster is killed too and recovers from its WAL (security-reliability.md A4, A6
T5 and T11).

A process kill does not test power loss (the OS page cache survives it): that is
``tests/store/test_power_loss.py``.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from acuneuro.services import Actor, Context
from acuneuro.services.accounts import issue_token
from acuneuro.store import Clinic, Database, Role, User, upgrade

from ._checks import check
from ._ledger import Ledger, write_until
from ._processes import AppServers, PrivatePostgres, kill, wait_gone

CYCLES = 50
WRITERS = 8
PG_KILL_EVERY = 5
SEED = 20261125
SECRET = "crash-test-signing-key-" + "s" * 32
AUDIT_KEY = "crash-test-audit-key-" + "a" * 32

pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database for this test only: a SQLite file, or a private PostgreSQL cluster."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    cluster = PrivatePostgres()
    try:
        cluster.start()
        request.node.stash[_CLUSTER] = cluster
        yield cluster.url
    finally:
        cluster.stop()


_CLUSTER = pytest.StashKey[PrivatePostgres]()


def _clinician(ctx: Context) -> tuple[int, str]:
    with ctx.db.write() as session:
        clinic = Clinic(name="Crash clinic")
        user = User(
            clinic=clinic,
            email="crash@example.org",
            role=Role.CLINICIAN,
            password_hash="not-used-the-test-issues-tokens",
        )
        session.add(user)
        session.flush()
        actor = Actor.of(user, "crash-test")
    token, _ = issue_token(ctx, actor)
    return actor.clinic_id, token


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_no_acknowledged_write_is_lost_when_the_server_is_killed(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> None:
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    cluster = request.node.stash.get(_CLUSTER, None)
    database = Database(database_url)
    upgrade(database.engine)
    ctx = Context(database, SECRET, AUDIT_KEY.encode(), token_minutes=60, session_hours=12)
    clinic_id, token = _clinician(ctx)
    database.dispose()
    env = {
        **os.environ,
        "ACUNEURO_DATABASE_URL": database_url,
        "ACUNEURO_SECRET_KEY": SECRET,
        "ACUNEURO_AUDIT_KEY": AUDIT_KEY,
        "ACUNEURO_KEY_DIR": str(tmp_path / "keys"),
        "ACUNEURO_TOKEN_MINUTES": "60",
        "ACUNEURO_CRASH_WARMUP_TOKEN": token,
    }
    servers = AppServers(env, tmp_path / "server.log")
    rng = random.Random(SEED)
    ledger = Ledger()
    spent: dict[str, float] = {}
    started = time.monotonic()
    try:
        for cycle in range(CYCLES):
            kill_postgres = cluster is not None and cycle % PG_KILL_EVERY == PG_KILL_EVERY - 1
            with _timed(spent, "start"):
                server = servers.start()
            with _timed(spent, "write"):
                stop = threading.Event()
                writers = [
                    threading.Thread(target=write_until, args=(
                        stop, ledger, server.url, token, cycle, w, WRITERS, rng.randrange(2**32)))
                    for w in range(WRITERS)
                ]
                for thread in writers:
                    thread.start()
                # The moment is random, counted from the first answer: a busy machine may take
                # a second to warm a fresh server up, and a kill before any answer tests nothing.
                ledger.wait_for_answer(cycle, timeout=30)
                time.sleep(rng.uniform(0.2, 1.2))
            with _timed(spent, "kill"):
                db_killed_at = None
                if cluster is not None and kill_postgres:
                    db_killed_at = time.monotonic()
                    cluster.kill()
                kill(server.pid)
                wait_gone(server.pid)
                stop.set()
                for thread in writers:
                    thread.join(timeout=30)
                    assert not thread.is_alive(), "a writer hangs after the kill"
                if cluster is not None and kill_postgres:
                    cluster.start()
            # A 5xx is a bug unless the database server was being killed at the time.
            errors = ledger.server_errors(cycle, before=db_killed_at)
            assert not errors, f"5xx from a running server: {errors[:3]}\n{servers.log_tail()}"
            with _timed(spent, "check"):
                report = check(ctx, ledger, clinic_id)
                database.dispose()
            assert not report.problems, f"cycle {cycle}: " + "\n".join(report.problems[:20])
    finally:
        servers.close()
        database.dispose()
    phases = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in spent.items())
    kinds = Counter(a.kind for a in ledger.acked())
    sys.stdout.write(
        f"\ncrash[{backend}]: {CYCLES} cycles, {report.acked} writes acknowledged, "
        f"{report.found} found, {report.acked - report.found} lost "
        f"({dict(kinds)}; {len(ledger.attempts)} sent; {time.monotonic() - started:.0f} s: "
        f"{phases})\n"
    )
    assert report.acked >= 2 * CYCLES, "too few writes acknowledged to mean anything"
    assert set(kinds) == {"create", "update", "medication"}, f"a kind never landed: {kinds}"
    assert report.found == report.acked


@contextmanager
def _timed(spent: dict[str, float], phase: str) -> Iterator[None]:
    begin = time.monotonic()
    try:
        yield
    finally:
        spent[phase] = spent.get(phase, 0.0) + time.monotonic() - begin
