"""Course API: sessions behind the day's screen, events, medication, outcomes, FHIR Bundle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from acuneuro.services import Context

from ..services._course import START, accepted_patient, day, session


@pytest.fixture
def pid(ctx: Context, actors: Any) -> str:
    return accepted_patient(ctx, actors["alice"].actor)


def _url(pid: str, tail: str) -> str:
    return f"/api/v1/patients/{pid}/{tail}"


def test_a_session_is_recorded_and_shown_in_the_course(
    api_as: Callable[[str], TestClient], pid: str
) -> None:
    alice = api_as("alice")
    answer = alice.post(_url(pid, "sessions"), json=session())
    assert answer.status_code == 201, answer.text
    assert answer.json()["number"] == 1
    course = alice.get(_url(pid, "course")).json()
    assert course["planned_sessions"] == 16 and course["schedule"][0]["attendance"] == "attended"
    assert [s["number"] for s in alice.get(_url(pid, "sessions")).json()] == [1]


def test_an_excluded_point_is_400_with_the_reason_and_nothing_is_written(
    api_as: Callable[[str], TestClient], pid: str
) -> None:
    alice = api_as("alice")
    ulcer = {"skin": [{"finding": "ulcer", "region": "foot", "side": "left"}]}
    answer = alice.post(_url(pid, "sessions"), json=session(day=ulcer))
    assert answer.status_code == 400
    assert "EX-LE10" in answer.json()["detail"]
    assert alice.get(_url(pid, "sessions")).json() == []


def test_a_bad_body_is_422_naming_the_field(
    api_as: Callable[[str], TestClient], pid: str
) -> None:
    answer = api_as("alice").post(_url(pid, "sessions"), json=session(attendance="late"))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "attendance"]


@pytest.mark.parametrize(("bad", "where"), [
    ({"labs": {"taken": "2999-01-01", "inr": 2.0}}, ["body", "day", "labs", "taken"]),
    ({"labs": {"platelets_per_ul": -5}}, ["body", "day", "labs", "platelets_per_ul"]),
    ({"skin": [{"finding": "burn", "region": "foot", "side": "left"}]},
     ["body", "day", "skin", 0, "finding"]),
])
def test_a_bad_day_fact_is_422_naming_the_field_and_nothing_is_written(
    api_as: Callable[[str], TestClient], pid: str, bad: dict[str, Any], where: list[Any]
) -> None:
    alice = api_as("alice")
    answer = alice.post(_url(pid, "sessions"), json=session(day=bad))
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == where
    assert alice.get(_url(pid, "sessions")).json() == []


def test_medication_change_and_summary(api_as: Callable[[str], TestClient], pid: str) -> None:
    alice = api_as("alice")
    made = alice.post(_url(pid, "medications"), json={
        "drug": "morphine", "daily_dose": 60, "unit": "mg", "start_on": "2025-01-01"}).json()
    changed = alice.post(_url(pid, "dose-changes"), json={
        "statement_id": made["id"], "daily_dose": 30, "on": day(7).isoformat()})
    assert changed.status_code == 201, changed.text
    summary = alice.get(_url(pid, "medication-summary")).json()
    assert summary["mme"]["total"] == 30 and summary["change"]["mme_change"] == -30
    assert summary["change"]["overall"] == "reduced"


def test_adverse_events_and_outcomes(api_as: Callable[[str], TestClient], pid: str) -> None:
    alice = api_as("alice")
    event = {"on": START.isoformat(), "type": "fainting", "grade": 2, "relatedness": "possible",
             "action": "needle_removed", "outcome": "resolved"}
    assert alice.post(_url(pid, "adverse-events"), json=event).status_code == 201
    assert alice.get(_url(pid, "adverse-events")).json()[0]["event"]["type"] == "fainting"
    alice.post(_url(pid, "scores"), json={"instrument": "nrs", "answers": {"pain": 7},
                                          "taken_on": START.isoformat()})
    alice.post(_url(pid, "scores"), json={"instrument": "nrs", "answers": {"pain": 3},
                                          "taken_on": day(14).isoformat()})
    nrs = alice.get(_url(pid, "outcomes")).json()["series"][0]
    assert nrs["summary"]["category"] == "substantial"


def test_the_fhir_bundle_validates_and_is_scoped(
    api_as: Callable[[str], TestClient], pid: str
) -> None:
    alice = api_as("alice")
    alice.post(_url(pid, "sessions"), json=session())
    answer = alice.get(f"/fhir/Patient/{pid}/$everything")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate(answer.json())
    assert bundle.type == "searchset"
    assert {e.resource.get_resource_type() for e in bundle.entry or []
            if e.resource is not None} >= {"Patient", "Procedure"}
    assert answer.json()["total"] == 1  # the Patient matches; everything else is included
    assert api_as("charlie").get(f"/fhir/Patient/{pid}/$everything").status_code == 404
    assert api_as("dana").get(f"/fhir/Patient/{pid}/$everything").status_code == 403
