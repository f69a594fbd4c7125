"""Corrections API: amend and entered-in-error with their history, withdraw, refusals as 4xx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from acuneuro.services import Context

from ..services._course import accepted_patient, day, session


@pytest.fixture
def pid(ctx: Context, actors: Any) -> str:
    return accepted_patient(ctx, actors["alice"].actor)


def _url(pid: str, tail: str) -> str:
    return f"/api/v1/patients/{pid}/{tail}"


def test_a_session_is_amended_then_entered_in_error_with_its_history(
    api_as: Callable[[str], TestClient], pid: str
) -> None:
    alice = api_as("alice")
    sid = alice.post(_url(pid, "sessions"), json=session()).json()["id"]
    amended = alice.post(_url(pid, f"records/session/{sid}/amend"),
                         json={"reason": "Wrong day typed", "version": 1,
                               "changes": {"occurred_on": day(1).isoformat()}})
    assert amended.status_code == 200, amended.text
    assert amended.json()["version"] == 2
    gone = alice.post(_url(pid, f"records/session/{sid}/entered-in-error"),
                      json={"reason": "Other patient's session"})
    assert gone.status_code == 200 and gone.json()["status"] == "entered-in-error"
    assert alice.get(_url(pid, "sessions")).json() == []
    entry = alice.get(_url(pid, f"records/session/{sid}")).json()
    assert [r["reason"] for r in entry["revisions"]] == ["Wrong day typed",
                                                          "Other patient's session"]


def test_a_refused_correction_is_422_on_its_field_and_a_stale_one_409(
    api_as: Callable[[str], TestClient], pid: str
) -> None:
    alice = api_as("alice")
    sid = alice.post(_url(pid, "sessions"), json=session()).json()["id"]
    answer = alice.post(_url(pid, f"records/session/{sid}/amend"),
                        json={"reason": "x", "changes": {}})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "reason"]
    answer = alice.post(_url(pid, f"records/session/{sid}/amend"),
                        json={"reason": "typo", "changes": {"occurred_on": "2999-01-01"}})
    (error,) = answer.json()["detail"]
    assert answer.status_code == 422 and error["loc"] == ["body", "occurred_on"]
    assert "after today" in error["msg"]
    answer = alice.post(_url(pid, f"records/session/{sid}/amend"),
                        json={"reason": "typo", "version": 7, "changes": {"deviation": "x"}})
    assert answer.status_code == 409
    assert alice.get(_url(pid, f"records/session/{sid}")).json()["version"] == 1


def test_a_second_session_on_one_day_is_409_until_confirmed(
    api_as: Callable[[str], TestClient], pid: str
) -> None:
    alice = api_as("alice")
    assert alice.post(_url(pid, "sessions"), json=session()).status_code == 201
    again = alice.post(_url(pid, "sessions"), json=session())
    assert again.status_code == 409 and again.json()["warnings"]
    assert "confirm" in again.json()["detail"]
    assert len(alice.get(_url(pid, "sessions")).json()) == 1
    assert alice.post(_url(pid, "sessions"), json=session(confirm=True)).status_code == 201


def test_a_researcher_cannot_correct_and_another_clinic_finds_nothing(
    api_as: Callable[[str], TestClient], pid: str
) -> None:
    body = {"reason": "try", "changes": {"family_name": "X"}}
    assert api_as("dana").post(_url(pid, "records/patient/details/amend"),
                               json=body).status_code == 403
    assert api_as("charlie").post(_url(pid, "records/patient/details/amend"),
                                  json=body).status_code == 404
