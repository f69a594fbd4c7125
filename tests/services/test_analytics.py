"""Clinic dashboard service: the caller's clinic only, equal to an independent pandas computation,
small cells withheld from researchers, one aggregate-read audit row per view."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from acuneuro.analytics.registry import DatabaseSink, generate_registry
from acuneuro.knowledge.course import drug_knowledge
from acuneuro.services import Actor, Context
from acuneuro.services.analytics import CohortRow, Dashboard, clinic_dashboard
from acuneuro.store import AuditEvent, Clinic, Role
from bench.cohort_pandas import cohort_pandas

TABLES = ("patients", "episodes", "treatment_sessions", "score_records",
          "medication_statements", "adverse_events")


def _registry(ctx: Context, patients: int, seed: int) -> list[int]:
    """Synthetic clinics (two) with ``patients`` patients; their ids."""
    generate_registry(DatabaseSink(ctx.db.engine), patients, clinics=2, seed=seed,
                      generated_at=datetime(2026, 11, 1, tzinfo=UTC))
    with ctx.db.read() as session:
        return list(session.scalars(
            select(Clinic.id).where(Clinic.name.like("Synthetic%")).order_by(Clinic.id)))


def _actor(clinic_id: int, role: Role = Role.CLINICIAN) -> Actor:
    return Actor(None, f"{role.value}@example.invalid", role, clinic_id)


def _reference(ctx: Context, clinic_id: int) -> dict[str, dict[str, Any]]:
    """The clinic's rows of the pandas report over ALL clinics' tables (scope checked too)."""
    with ctx.db.engine.connect() as conn:
        tables = {name: pd.read_sql_table(name, conn) for name in TABLES}
    factors = drug_knowledge().mme.factors
    frame = cohort_pandas(tables, {f.drug: f.factor for f in factors},
                          mme_units={f.drug: f.unit for f in factors})
    rows = frame[frame["clinic_id"] == clinic_id].to_dict("records")
    return {str(r["condition"]): r for r in rows}


def _same(got: Any, want: Any) -> bool:
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got is None
    return got is not None and math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-9)


def test_a_clinician_sees_her_clinic_figures_equal_to_pandas(ctx: Context) -> None:
    first, second = _registry(ctx, 120, seed=11)
    board = clinic_dashboard(ctx, _actor(first))
    want = _reference(ctx, first)
    assert board.clinic_id == first and not board.deidentified
    assert board.mme_table == drug_knowledge().mme.version
    assert {r.condition for r in board.rows} == set(want)
    for row in board.rows:
        assert row.suppressed == []
        for name in CohortRow.model_fields:
            if name not in ("condition", "suppressed"):
                assert _same(getattr(row, name), want[row.condition][name]), (row.condition, name)
    other = clinic_dashboard(ctx, _actor(second))
    assert sum(r.patients or 0 for r in board.rows) + sum(r.patients or 0 for r in other.rows) \
        == 120


def test_a_clinic_without_patients_has_no_rows(ctx: Context, actors: Any) -> None:
    _registry(ctx, 30, seed=2)
    assert clinic_dashboard(ctx, actors["alice"].actor).rows == []


def _cells(board: Dashboard) -> dict[tuple[str, str], Any]:
    return {(r.condition, n): getattr(r, n) for r in board.rows for n in CohortRow.model_fields
            if n not in ("condition", "suppressed")}


def test_a_researcher_sees_no_cell_of_fewer_than_five(ctx: Context) -> None:
    first, _ = _registry(ctx, 40, seed=5)
    full = clinic_dashboard(ctx, _actor(first))
    shown = clinic_dashboard(ctx, _actor(first, Role.RESEARCHER))
    assert shown.deidentified and shown.small_cell_threshold == 5
    counts = ("patients", "patients_with_outcome", "responders_30", "responders_50",
              "responder_denominator", "opioid_baseline", "adverse_events", "sessions_attended")
    withheld = 0
    for key, value in _cells(shown).items():
        if value is None:
            withheld += _cells(full)[key] is not None
            continue
        assert value == _cells(full)[key]  # what is shown is the true figure
        if key[1] in counts:
            assert value == 0 or value >= 5, key
    assert withheld > 0  # 20 patients per clinic over five conditions: some cell is small
    for full_row, row in zip(full.rows, shown.rows, strict=True):
        if (full_row.patients or 0) < 5:
            assert row.patients is None and row.responder_30_rate is None
        if row.responders_30 is None:
            assert row.responder_30_rate is None and row.responder_30_ci_low is None
        assert all(getattr(row, n) is None for n in row.suppressed)
        hidden = {n for n in CohortRow.model_fields
                  if getattr(row, n) is None and getattr(full_row, n) is not None}
        assert hidden <= set(row.suppressed)


def test_each_view_is_one_audited_aggregate_read(ctx: Context) -> None:
    first, _ = _registry(ctx, 20, seed=1)
    clinic_dashboard(ctx, _actor(first, Role.ADMIN))
    clinic_dashboard(ctx, _actor(first, Role.RESEARCHER))
    with ctx.db.read() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.resource == "cohort_analytics").order_by(AuditEvent.id)).all()
        rows = [(e.role, e.clinic_id, e.action, e.outcome, e.patient_pseudo_id) for e in events]
    assert rows == [("admin", first, "read", "success", None),
                    ("researcher", first, "read", "success", None)]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_view_its_own_clinic(ctx: Context, role: Role) -> None:
    first, _ = _registry(ctx, 10, seed=4)
    assert clinic_dashboard(ctx, _actor(first, role)).clinic_id == first
