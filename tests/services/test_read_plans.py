"""The clinician's reads search by patient, never through a whole clinic (SQLite query plans).

Without table statistics SQLite picks between two equal-looking indexes; a wrong pick on
episodes (by clinic instead of by patient) made the patient page ten times slower at 1,000,000
patients than at 10,000 (bench/api.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from acuneuro.services import Actor, Context, PatientCreate
from acuneuro.services import outcomes as outcome_service
from acuneuro.services import patients as service
from acuneuro.services import planning as planning_service


def _plans(ctx: Context, read: Callable[[], object]) -> list[str]:
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sa.event.listen(ctx.db.engine, "before_cursor_execute", capture)
    try:
        read()
    finally:
        sa.event.remove(ctx.db.engine, "before_cursor_execute", capture)
    with ctx.db.engine.connect() as conn:
        return [row[3] for statement, parameters in statements
                for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]


def _sqlite_patient(ctx: Context, actors: Any) -> tuple[Actor, str]:
    """Alice and a new patient of hers; the test is skipped on other backends."""
    if ctx.db.backend != "sqlite":
        pytest.skip("a SQLite query-planner check")
    alice = actors["alice"].actor
    data = PatientCreate(given_name="A", family_name="B", date_of_birth="1950-01-01",
                         condition={"kind": "dpn"})
    return alice, service.create_patient(ctx, alice, data).id


@pytest.mark.parametrize("read", ["patient", "list", "outcomes", "plans"])
def test_a_patients_reads_find_episodes_by_patient_not_by_clinic(
    ctx: Context, actors: Any, read: str
) -> None:
    alice, pseudo_id = _sqlite_patient(ctx, actors)
    reads: dict[str, Callable[[], object]] = {
        "patient": lambda: service.get_patient(ctx, alice, pseudo_id),
        "list": lambda: service.search_patients(ctx, alice, limit=20),
        "outcomes": lambda: outcome_service.outcomes(ctx, alice, pseudo_id, as_of=date.today()),
        "plans": lambda: planning_service.list_plans(ctx, alice, pseudo_id),
    }
    steps = _plans(ctx, reads[read])
    episodes = [step for step in steps if "episodes" in step]
    # The plan list and the outcomes need no episode; the patient and the list read them.
    assert all("patient_id" in step for step in episodes), steps
    assert bool(episodes) is (read in ("patient", "list")), steps


def test_a_patients_score_series_is_read_from_one_index_without_a_sort(
    ctx: Context, actors: Any
) -> None:
    alice, pseudo_id = _sqlite_patient(ctx, actors)
    steps = _plans(ctx, lambda: outcome_service.outcomes(ctx, alice, pseudo_id,
                                                          as_of=date.today()))
    scores = [step for step in steps if "score_records" in step]
    assert scores and all("ix_score_records_patient_series" in step for step in scores), steps
