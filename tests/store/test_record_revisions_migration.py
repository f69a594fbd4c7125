"""Migration 0019 on a populated clinic: down and up again, every row kept, version 1, active."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import command

from acuneuro.services import Context, sessions
from acuneuro.store import PlannedSession, PlanRecord, TreatmentSession, upgrade
from acuneuro.store._migrate import alembic_config

from ..services._course import accepted_patient, session


def _counts(ctx: Context) -> list[int]:
    with ctx.db.read() as s:
        return [s.scalar(sa.select(sa.func.count()).select_from(t)) or 0
                for t in (PlanRecord, PlannedSession, TreatmentSession)]


def test_the_migration_keeps_a_running_course_down_and_up(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    sessions.record_session(ctx, alice, pid, session())
    before = _counts(ctx)
    assert before[1] > 0 and before[2] == 1
    engine = ctx.db.engine
    try:
        command.downgrade(alembic_config(engine), "0017")
        with engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("plans")}
        assert "version" not in columns
    finally:
        upgrade(engine)
    assert _counts(ctx) == before
    with ctx.db.read() as s:
        rows = s.execute(sa.select(TreatmentSession.version, TreatmentSession.status)).all()
    assert [tuple(r) for r in rows] == [(1, "active")]
