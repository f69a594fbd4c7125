"""Group anchoring of the audit head: alone, every commit is anchored before its call returns;
under concurrent writers one thread writes the newest head for the others."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from acuneuro.services import Context, PatientCreate, audit_anchor
from acuneuro.services import patients as service
from acuneuro.services.audit import verify_chain
from acuneuro.services.audit_anchor import Anchor, attach, database_fingerprint, read_anchor
from acuneuro.store import AuditEvent


def _newest(ctx: Context) -> Anchor:
    with ctx.db.read() as session:
        row = session.execute(sa.select(AuditEvent.id, AuditEvent.hmac)
                              .order_by(AuditEvent.id.desc()).limit(1)).one()
    return Anchor(row.id, row.hmac)


def _anchored(ctx: Context, path: Path) -> Anchor | None:
    return read_anchor(path, database_fingerprint(ctx.db))


def _patient(ctx: Context, actors: Any) -> str:
    data = PatientCreate(given_name="A", family_name="B", date_of_birth="1950-01-01")
    return service.create_patient(ctx, actors["alice"].actor, data).id


def test_a_commit_alone_is_anchored_before_the_call_returns(
    ctx: Context, actors: Any, tmp_path: Path
) -> None:
    path = tmp_path / "audit-head"
    attach(ctx.db, path)
    pseudo_id = _patient(ctx, actors)
    assert _anchored(ctx, path) == _newest(ctx)
    service.get_patient(ctx, actors["alice"].actor, pseudo_id)
    assert _anchored(ctx, path) == _newest(ctx)


def test_a_head_committed_during_another_threads_anchor_write_is_written_by_that_thread(
    ctx: Context, actors: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit-head"
    attach(ctx.db, path)
    pseudo_id = _patient(ctx, actors)
    entered, release = threading.Event(), threading.Event()
    written: list[int] = []
    real_write = audit_anchor.write_anchor

    def slow_write(path: Path, fingerprint: str, head: Anchor, *rest: Any) -> None:
        if not written:
            entered.set()
            release.wait(10)
        written.append(head.id)
        real_write(path, fingerprint, head, *rest)

    monkeypatch.setattr(audit_anchor, "write_anchor", slow_write)
    first = threading.Thread(
        target=service.get_patient, args=(ctx, actors["alice"].actor, pseudo_id))
    first.start()
    assert entered.wait(10)
    first_head = _newest(ctx)
    service.get_patient(ctx, actors["alice"].actor, pseudo_id)  # returns without writing
    second_head = _newest(ctx)
    assert written == [] and second_head.id > first_head.id
    release.set()
    first.join()
    assert written == [first_head.id, second_head.id]
    assert _anchored(ctx, path) == second_head


def test_concurrent_reads_leave_the_anchor_on_the_newest_row_of_an_intact_chain(
    ctx: Context, actors: Any, tmp_path: Path
) -> None:
    path = tmp_path / "audit-head"
    attach(ctx.db, path)
    pseudo_id = _patient(ctx, actors)
    errors: list[BaseException] = []

    def reads() -> None:
        try:
            for _ in range(10):
                service.get_patient(ctx, actors["alice"].actor, pseudo_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reads) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_chain(ctx)
    assert errors == [] and report.intact and report.events == 61
    assert _anchored(ctx, path) == _newest(ctx)
