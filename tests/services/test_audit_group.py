"""Group commit of read audit rows: a read returns only after its rows are committed, a failed
audit write fails the read, and reads that arrive during a commit share the next one."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa

from acuneuro.services import Context, PatientCreate
from acuneuro.services import _audit_group as group
from acuneuro.services import patients as service
from acuneuro.services._audit_group import AuditNotWritten
from acuneuro.services.audit import Action, append, verify_chain
from acuneuro.store import AuditEvent


def _patient(ctx: Context, actors: Any) -> str:
    data = PatientCreate(given_name="A", family_name="B", date_of_birth="1950-01-01")
    return service.create_patient(ctx, actors["alice"].actor, data).id


def _read_rows(ctx: Context) -> list[str | None]:
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(AuditEvent.patient_pseudo_id)
                                    .where(AuditEvent.action == "read").order_by(AuditEvent.id)))


def test_a_read_whose_audit_row_cannot_be_written_returns_nothing(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pseudo_id = _patient(ctx, actors)

    def broken(*_: Any, **__: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(group, "append", broken)
    with pytest.raises(AuditNotWritten):
        service.get_patient(ctx, actors["alice"].actor, pseudo_id)
    assert _read_rows(ctx) == []


def test_reads_arriving_during_a_commit_share_the_next_transaction(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pseudo_id = _patient(ctx, actors)
    alice = actors["alice"].actor
    entered, release = threading.Event(), threading.Event()
    real = append
    calls: list[int] = []

    def first_waits(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[2]))
        if len(calls) == 1:
            entered.set()
            release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(group, "append", first_waits)
    transactions: list[int] = []
    write = ctx.db.write_connection

    def counted() -> Any:
        transactions.append(1)
        return write()

    monkeypatch.setattr(ctx.db, "write_connection", counted)
    readers = [threading.Thread(target=service.get_patient, args=(ctx, alice, pseudo_id))
               for _ in range(5)]
    readers[0].start()
    assert entered.wait(10)
    for reader in readers[1:]:
        reader.start()
    queue = group._queues[ctx.db]
    deadline = time.monotonic() + 10
    while len(queue.waiting) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _read_rows(ctx) == []  # nobody has returned: no row is committed yet
    release.set()
    for reader in readers:
        reader.join()
    assert len(transactions) == 2 and calls == [1, 4]  # one INSERT of 4 rows for the 4 waiting
    assert _read_rows(ctx) == [pseudo_id] * 5 and verify_chain(ctx).intact


def test_every_read_of_a_failed_batch_is_refused(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pseudo_id = _patient(ctx, actors)
    alice = actors["alice"].actor
    entered, release = threading.Event(), threading.Event()
    real = append
    calls: list[int] = []

    def second_batch_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            entered.set()
            release.wait(10)
            return real(*args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(group, "append", second_batch_fails)
    outcomes: list[str] = []

    def read() -> None:
        try:
            service.get_patient(ctx, alice, pseudo_id)
            outcomes.append("sent")
        except AuditNotWritten:
            outcomes.append("refused")

    readers = [threading.Thread(target=read) for _ in range(4)]
    readers[0].start()
    assert entered.wait(10)
    for reader in readers[1:]:
        reader.start()
    queue = group._queues[ctx.db]
    deadline = time.monotonic() + 10
    while len(queue.waiting) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for reader in readers:
        reader.join()
    assert sorted(outcomes) == ["refused"] * 3 + ["sent"]
    assert _read_rows(ctx) == [pseudo_id]


def test_the_reads_of_several_resources_of_one_request_are_one_commit(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pseudo_id = _patient(ctx, actors)
    commits: list[int] = []
    real = group._commit

    def counted(db: Any, queue: Any, batch: list[Any]) -> None:
        commits.append(len(batch))
        real(db, queue, batch)

    monkeypatch.setattr(group, "_commit", counted)
    group.record_reads(ctx, actors["alice"].actor, Action.READ,
                       [("session", [pseudo_id]), ("plan", [pseudo_id]), ("report", [])])
    assert commits == [2]  # one transaction, both resources; an empty list writes nothing
    with ctx.db.read() as session:
        resources = list(session.scalars(sa.select(AuditEvent.resource)
                                          .where(AuditEvent.action == "read")
                                          .order_by(AuditEvent.id)))
    assert resources[-2:] == ["session", "plan"]
