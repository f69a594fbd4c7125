"""``Database.snapshot``: long reads see one committed state and never hold up a writer."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from acuneuro.store import Clinic, Database


def _clinics(session: sa.orm.Session) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(Clinic)) or 0)


def test_a_write_commits_while_a_snapshot_read_is_open_and_the_read_does_not_see_it(
    database: Database,
) -> None:
    with database.write() as session:
        session.add(Clinic(name="Before"))
    committed = threading.Event()

    def write() -> None:
        with database.write() as session:
            session.add(Clinic(name="During"))
        committed.set()

    with database.snapshot() as reading:
        assert _clinics(reading) == 1  # the snapshot is taken here
        writer = threading.Thread(target=write)
        writer.start()
        assert committed.wait(30), "the write waited for the snapshot read"
        assert _clinics(reading) == 1  # one state for the whole read
        writer.join(30)
    with database.read() as session:
        assert _clinics(session) == 2

