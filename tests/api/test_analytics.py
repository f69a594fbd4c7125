"""``GET /api/v1/analytics/cohort``: the dashboard's numbers as JSON, small cells withheld from
researchers, the caller's clinic only."""

from __future__ import annotations

from typing import Any

from acuneuro.services import Actor, Context
from acuneuro.services.analytics import clinic_dashboard
from acuneuro.store import Role


def test_it_returns_the_dashboard_numbers(registry_clinic: Any, ctx: Context, api_as: Any) -> None:
    clinic = registry_clinic("alice")
    answer = api_as("alice").get("/api/v1/analytics/cohort")
    assert answer.status_code == 200
    body = answer.json()
    want = clinic_dashboard(ctx, Actor(None, "x@example.invalid", Role.CLINICIAN, clinic))
    assert body == want.model_dump(mode="json")
    assert body["clinic_id"] == clinic and body["rows"]


def test_a_researcher_gets_small_cells_withheld(registry_clinic: Any, api_as: Any) -> None:
    registry_clinic("dana")
    body = api_as("dana").get("/api/v1/analytics/cohort").json()
    assert body["deidentified"] is True and body["small_cell_threshold"] == 5
    for row in body["rows"]:
        for name in ("patients", "patients_with_outcome", "responders_30", "adverse_events"):
            assert row[name] is None or row[name] == 0 or row[name] >= 5
        assert all(row[name] is None for name in row["suppressed"])


def test_another_clinic_gets_its_own_empty_report(
    registry_clinic: Any, actors: Any, api_as: Any
) -> None:
    registry_clinic("alice")
    body = api_as("charlie").get("/api/v1/analytics/cohort").json()
    assert body["rows"] == [] and body["clinic_id"] == actors["charlie"].actor.clinic_id


def test_it_needs_a_login(anonymous: Any) -> None:
    assert anonymous.get("/api/v1/analytics/cohort").status_code == 401
