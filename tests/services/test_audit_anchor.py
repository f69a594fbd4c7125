"""Anchoring the audit head: a write is anchored before its call returns; the audit rows of
reads are anchored by a background step, at most once per interval, and whatever is pending when
the database is disposed of; a failed anchor write leaves its head pending, never lost."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from acuneuro.services import Context, PatientCreate, audit_anchor
from acuneuro.services import patients as service
from acuneuro.services.audit import verify_chain
from acuneuro.services.audit_anchor import (
    Anchor,
    attach,
    database_fingerprint,
    drain,
    read_anchor,
)
from acuneuro.store import AuditEvent


def _newest(ctx: Context) -> Anchor:
    with ctx.db.read() as session:
        row = session.execute(sa.select(AuditEvent.id, AuditEvent.hmac)
                              .order_by(AuditEvent.id.desc()).limit(1)).one()
    return Anchor(row.id, row.hmac)


def _anchored(ctx: Context, path: Path) -> Anchor | None:
    return read_anchor(path, database_fingerprint(ctx.db))


def _patient(ctx: Context, actors: Any, family: str = "B") -> str:
    data = PatientCreate(given_name="A", family_name=family, date_of_birth="1950-01-01")
    return service.create_patient(ctx, actors["alice"].actor, data).id


def _recording(monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[int, str]], threading.Event]:
    """Patch ``write_anchor`` to note (head id, thread name) of every write, and an event."""
    written: list[tuple[int, str]] = []
    wrote = threading.Event()
    real_write = audit_anchor.write_anchor

    def noting(path: Path, fingerprint: str, head: Anchor, *rest: Any) -> None:
        real_write(path, fingerprint, head, *rest)
        written.append((head.id, threading.current_thread().name))
        wrote.set()

    monkeypatch.setattr(audit_anchor, "write_anchor", noting)
    return written, wrote


def test_a_write_is_anchored_before_the_call_returns(
    ctx: Context, actors: Any, tmp_path: Path
) -> None:
    path = tmp_path / "audit-head"
    attach(ctx.db, path)
    _patient(ctx, actors)
    assert _anchored(ctx, path) == _newest(ctx)


def test_a_read_answers_without_writing_the_anchor_and_the_background_step_anchors_it(
    ctx: Context, actors: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit-head"
    attach(ctx.db, path)
    pseudo_id = _patient(ctx, actors)
    written, wrote = _recording(monkeypatch)
    service.get_patient(ctx, actors["alice"].actor, pseudo_id)
    assert wrote.wait(30)
    assert written == [(_newest(ctx).id, "acuneuro-audit-anchor")]
    assert _anchored(ctx, path) == _newest(ctx)


def test_many_reads_write_the_anchor_once_per_interval_and_disposing_writes_the_rest(
    ctx: Context, actors: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit-head"
    attach(ctx.db, path)
    pseudo_id = _patient(ctx, actors)
    monkeypatch.setattr(audit_anchor, "READ_ANCHOR_INTERVAL", 3600.0)
    written, wrote = _recording(monkeypatch)
    service.get_patient(ctx, actors["alice"].actor, pseudo_id)
    assert wrote.wait(30)  # the first read's head; the step now rests for the interval
    for _ in range(20):
        service.get_patient(ctx, actors["alice"].actor, pseudo_id)
    assert len(written) == 1 and _anchored(ctx, path) != _newest(ctx)
    ctx.db.dispose()  # the end of a command: what is pending is written
    assert _anchored(ctx, path) == _newest(ctx) and len(written) == 2


def test_a_write_during_an_anchor_write_in_flight_waits_and_is_anchored_before_it_returns(
    ctx: Context, actors: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit-head"
    attach(ctx.db, path)
    pseudo_id = _patient(ctx, actors)
    entered, release = threading.Event(), threading.Event()
    events: list[str] = []
    real_write = audit_anchor.write_anchor

    def slow_write(path: Path, fingerprint: str, head: Anchor, *rest: Any) -> None:
        if not entered.is_set():
            entered.set()
            release.wait(30)
        real_write(path, fingerprint, head, *rest)
        events.append(f"anchored {head.id}")

    monkeypatch.setattr(audit_anchor, "write_anchor", slow_write)
    service.get_patient(ctx, actors["alice"].actor, pseudo_id)  # its anchor write hangs
    assert entered.wait(30)

    def create() -> None:
        _patient(ctx, actors, "Other")
        events.append("create returned")

    writer = threading.Thread(target=create)
    writer.start()
    writer.join(1.0)  # the create waits for the anchor write in flight
    release.set()
    writer.join()
    created = _newest(ctx).id
    assert events.index(f"anchored {created}") < events.index("create returned")
    assert _anchored(ctx, path) == _newest(ctx)


def test_a_failed_anchor_write_leaves_its_head_pending_for_the_next_one(
    ctx: Context, actors: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit-head"
    attach(ctx.db, path)
    pseudo_id = _patient(ctx, actors)
    monkeypatch.setattr(audit_anchor, "READ_ANCHOR_INTERVAL", 3600.0)
    real_write = audit_anchor.write_anchor
    failed = threading.Event()

    def fails_once(path: Path, fingerprint: str, head: Anchor, *rest: Any) -> None:
        if not failed.is_set():
            failed.set()
            raise OSError("disk full")
        real_write(path, fingerprint, head, *rest)

    monkeypatch.setattr(audit_anchor, "write_anchor", fails_once)
    service.get_patient(ctx, actors["alice"].actor, pseudo_id)  # answers: its row is durable
    assert failed.wait(30)
    drain(ctx.db)
    assert _anchored(ctx, path) == _newest(ctx)


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
    drain(ctx.db)
    assert _anchored(ctx, path) == _newest(ctx)
