"""Rate-limit counters in the database: every process sees one figure, windows expire, old rows
are pruned, test-and-count is atomic, and the table holds no email or address."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from acuneuro.store import (
    Count,
    Database,
    Limit,
    SharedCounters,
    ThrottleCount,
    _counters,
    companion_url,
)

FIVE_A_MINUTE = Limit(5, 60)


@pytest.fixture
def second(db_url: str) -> Iterator[Database]:
    """Another ``Database`` on the same URL: what a second worker process opens."""
    db = Database(db_url)
    yield db
    db.dispose()


def _stored(counters: SharedCounters) -> list[ThrottleCount]:
    with counters.db.read() as session:
        return list(session.scalars(sa.select(ThrottleCount)))


def test_two_databases_on_one_url_count_against_one_limit(
    database: Database, second: Database
) -> None:
    check = [Count(FIVE_A_MINUTE, ("login-address", "10.0.0.1"))]
    one, other = SharedCounters(database), SharedCounters(second)
    assert [one.take(check) for _ in range(3)] == [0, 0, 0]
    assert [other.take(check) for _ in range(2)] == [0, 0]
    assert one.take(check) > 0 and other.take(check) > 0  # five in all: both refuse the sixth
    assert other.waits(check) == one.waits(check)


def test_another_process_counts_against_the_same_limit(db_url: str, database: Database) -> None:
    script = (
        "import sys\n"
        "from acuneuro.store import Count, Database, Limit, SharedCounters\n"
        "counters = SharedCounters(Database(sys.argv[1]))\n"
        "check = [Count(Limit(5, 60), ('login-address', '10.0.0.2'))]\n"
        "print(sum(counters.take(check) == 0 for _ in range(4)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, db_url], capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.strip() == "4"
    check = [Count(FIVE_A_MINUTE, ("login-address", "10.0.0.2"))]
    counters = SharedCounters(database)
    assert counters.take(check) == 0  # the fifth
    assert counters.take(check) > 0


def test_parallel_attempts_from_two_processes_never_pass_the_limit(
    database: Database, second: Database
) -> None:
    check = [Count(FIVE_A_MINUTE, ("work", "meta_analysis", "user:1"))]
    sides = [SharedCounters(database), SharedCounters(second)]
    admitted: list[bool] = []
    start = threading.Barrier(8)

    def attempt(number: int) -> None:
        start.wait()
        admitted.append(sides[number % 2].take(check) == 0)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert admitted.count(True) == FIVE_A_MINUTE.amount
    assert sum(row.hits for row in _stored(sides[0])) == FIVE_A_MINUTE.amount


def test_a_refused_attempt_writes_nothing_and_says_when_the_oldest_event_leaves(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1_800_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    check = [Count(FIVE_A_MINUTE, ("login-pair", "alice@example.org", "10.0.0.3"))]
    counters = SharedCounters(database)
    for _ in range(5):
        assert counters.take(check) == 0
        now[0] += 5  # events at +0, +5, ..., +20 seconds
    before = [(row.slot, row.hits) for row in _stored(counters)]
    assert counters.take(check) == 35  # at +25: the first event leaves the minute at +60
    assert [(row.slot, row.hits) for row in _stored(counters)] == before
    now[0] += 35
    assert counters.take(check) == 0  # room again, for one
    assert counters.take(check) == 5  # the next leaves at +65


def test_a_full_limit_is_not_pushed_further_out_and_clearing_forgets_the_key(
    database: Database,
) -> None:
    pair = Count(Limit(3, 60), ("login-pair", "bob@example.org", "10.0.0.4"))
    counters = SharedCounters(database)
    for _ in range(10):
        counters.count([pair])
    assert sum(row.hits for row in _stored(counters)) == 3
    counters.count([], clear=[pair])
    assert _stored(counters) == [] and counters.waits([pair]) == [0]


def test_rows_whose_window_has_passed_are_pruned(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1_800_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    monkeypatch.setattr(_counters, "PRUNE_EVERY", 0.0)
    counters = SharedCounters(database)
    old, young = Count(Limit(1, 10), ("reported", "old")), Count(FIVE_A_MINUTE, ("young",))
    counters.take([old])
    counters.take([young])
    assert {row.key for row in _stored(counters)} == {old.digest, young.digest}
    now[0] += 11  # the ten-second window has passed, the minute has not
    counters.take([young])
    assert {row.key for row in _stored(counters)} == {young.digest}


def test_the_table_holds_no_email_or_address(database: Database) -> None:
    counters = SharedCounters(database)
    counters.take([Count(FIVE_A_MINUTE, ("login-pair", "carol@example.org", "192.0.2.55"))])
    [row] = _stored(counters)
    assert "carol" not in row.key and "192.0.2" not in row.key and len(row.key) == 32


def test_a_sqlite_database_counts_in_a_companion_file_so_the_writer_lock_is_not_waited_for(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'clinic.db'}")
    holding, release = threading.Event(), threading.Event()

    def hold_the_writer_lock() -> None:
        with database.write():
            holding.set()
            release.wait(60)

    holder = threading.Thread(target=hold_the_writer_lock)
    holder.start()
    try:
        assert holding.wait(30)
        counters = SharedCounters(database)  # would wait 30 s for the lock in the same file
        assert counters.take([Count(FIVE_A_MINUTE, ("work", "report_pdf", "user:1"))]) == 0
    finally:
        release.set()
        holder.join(60)
        database.dispose()
    companion = companion_url(make_url(f"sqlite:///{tmp_path / 'clinic.db'}"))
    assert companion is not None and companion.database == f"{tmp_path / 'clinic.db'}-throttle"
    assert Path(companion.database).stat().st_mode & 0o077 == 0  # its owner's only
    assert companion_url(make_url("postgresql+psycopg://u@h/db")) is None
