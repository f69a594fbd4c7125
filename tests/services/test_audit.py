"""The audit HMAC chain: intact when untouched; edits, insertions and deletions are found."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from acuneuro.services import Context, PatientCreate
from acuneuro.services import patients as service
from acuneuro.services.audit import Action, record, record_many, verify_chain
from acuneuro.store import AuditEvent


def _some_events(ctx: Context, actors: Any) -> list[int]:
    alice = actors["alice"].actor
    data = PatientCreate(given_name="A", family_name="B", date_of_birth="1950-01-01")
    created = service.create_patient(ctx, alice, data)
    for _ in range(3):
        service.get_patient(ctx, alice, created.id)
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)))


def test_an_untouched_chain_verifies_and_reports_its_head(ctx: Context, actors: Any) -> None:
    ids = _some_events(ctx, actors)
    report = verify_chain(ctx)
    with ctx.db.read() as session:
        last = session.scalar(sa.select(AuditEvent.hmac).where(AuditEvent.id == ids[-1]))
    assert report.intact and report.events == len(ids) and report.head == last


def test_an_edited_row_breaks_the_chain_at_that_row(ctx: Context, actors: Any) -> None:
    ids = _some_events(ctx, actors)
    with ctx.db.write() as session:
        session.execute(sa.update(AuditEvent).where(AuditEvent.id == ids[1])
                        .values(outcome="denied"))
    assert verify_chain(ctx).first_bad_id == ids[1]


def test_a_deleted_row_breaks_the_chain_at_the_next_row(ctx: Context, actors: Any) -> None:
    ids = _some_events(ctx, actors)
    with ctx.db.write() as session:
        session.execute(sa.delete(AuditEvent).where(AuditEvent.id == ids[1]))
    assert verify_chain(ctx).first_bad_id == ids[2]


def test_a_row_recomputed_without_the_key_does_not_verify(ctx: Context, actors: Any) -> None:
    ids = _some_events(ctx, actors)
    other = Context(ctx.db, ctx.signing_key, b"not the audit key" * 2, 15, 12)
    assert verify_chain(other).first_bad_id == ids[0]


def test_a_batch_is_chained_in_order_after_the_newest_row(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    ids = _some_events(ctx, actors)
    with ctx.db.write() as session:
        record_many(session, ctx.audit_key, actor=alice, action=Action.LIST,
                    resource="patient", patients=["P1", "P2", "P3"])
    with ctx.db.write() as session:  # a single row after a batch continues the same ids
        record(session, ctx.audit_key, actor=alice, action=Action.READ, resource="patient",
               patient="P4")
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(AuditEvent).where(AuditEvent.id > ids[-1])
                               .order_by(AuditEvent.id)).all()
        newest = session.scalar(sa.select(AuditEvent.hmac).where(AuditEvent.id == ids[-1]))
    assert [r.patient_pseudo_id for r in rows] == ["P1", "P2", "P3", "P4"]
    assert [r.prev_hmac for r in rows] == [newest] + [r.hmac for r in rows[:-1]]
    assert verify_chain(ctx).intact


def test_an_empty_batch_writes_nothing(ctx: Context, actors: Any) -> None:
    ids = _some_events(ctx, actors)
    with ctx.db.write() as session:
        record_many(session, ctx.audit_key, actor=actors["alice"].actor, action=Action.LIST,
                    resource="patient", patients=[])
    assert verify_chain(ctx).events == len(ids)
