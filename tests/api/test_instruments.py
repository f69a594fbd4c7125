"""``/api/v1`` instruments, score, classify and patient scores: contracts, 404s, 422s, audit."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.pain_type import classify
from acuneuro.clinical.scoring import (
    ScoreResult,
    describe_instrument,
    get_instrument,
    list_instruments,
    score,
)
from acuneuro.services import Context
from acuneuro.store import AuditEvent, ScoreRecord

CASE = json.loads((Path(__file__).parents[1] / "data" / "case-example.json").read_text())
DN4_ITEMS = [item.id for item in get_instrument("dn4").items]
DN4_SEVEN = dict.fromkeys(DN4_ITEMS, True) | {"painful_cold": False, "itching": False,
                                                "brushing": False}
PATIENT = {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1961-05-02"}

Clients = Callable[[str], TestClient]

# The score contract's fields; a field excluded from the JSON (the interpretation's message
# templates, for pages in the reader's language) is not part of it.
PUBLISHED = {name for name, field in ScoreResult.model_fields.items() if not field.exclude}


def _patient(alice: TestClient) -> str:
    return str(alice.post("/api/v1/patients", json=PATIENT).json()["id"])


def _count(ctx: Context, table: Any) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def test_the_instrument_list_and_descriptions_are_the_engines(api_as: Clients) -> None:
    alice = api_as("alice")
    assert alice.get("/api/v1/instruments").json() == list_instruments()
    assert alice.get("/api/v1/instruments/dn4").json() == describe_instrument("dn4")
    unknown = alice.get("/api/v1/instruments/dn5")
    assert unknown.status_code == 404 and "dn5" in unknown.json()["detail"]


def test_scoring_answers_the_public_score_contract(api_as: Clients) -> None:
    answer = api_as("alice").post("/api/v1/score/dn4", json=DN4_SEVEN)
    assert answer.status_code == 200
    assert answer.json() == score("dn4", DN4_SEVEN).model_dump(mode="json")
    assert set(answer.json()) == PUBLISHED
    assert (answer.json()["total"], answer.json()["positive"]) == (7, True)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.fixed_dictionaries({}, optional=dict.fromkeys(DN4_ITEMS, st.booleans())))
def test_any_dn4_answers_score_as_the_engine_does(
    api_as: Clients, answers: dict[str, bool]
) -> None:
    answer = api_as("alice").post("/api/v1/score/dn4", json=answers)
    assert answer.json() == score("dn4", answers).model_dump(mode="json")


@pytest.mark.parametrize(
    ("instrument", "answers", "item"),
    [("dn4", {**DN4_SEVEN, "headache": True}, "headache"),
     ("dn4", {**DN4_SEVEN, "burning": 1}, "burning"),
     ("nrs", {"pain": 11}, "pain"),
     ("nrs", {"pain": 2.5}, "pain")],
    ids=["unknown-item", "wrong-type", "out-of-range", "not-whole"],
)
def test_a_bad_answer_is_422_naming_the_item(
    api_as: Clients, instrument: str, answers: dict[str, Any], item: str
) -> None:
    answer = api_as("alice").post(f"/api/v1/score/{instrument}", json=answers)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", item]


def test_scoring_an_unknown_instrument_is_404(api_as: Clients) -> None:
    assert api_as("alice").post("/api/v1/score/dn5", json={}).status_code == 404


def test_classify_answers_the_engines_grade_and_stores_nothing(
    api_as: Clients, ctx: Context
) -> None:
    answer = api_as("alice").post("/api/v1/classify", json=CASE)
    assert answer.status_code == 200
    assert answer.json() == classify(ClinicalCase.model_validate(CASE)).as_json()
    assert _count(ctx, AuditEvent) == 0


@pytest.mark.parametrize(
    ("case", "loc"),
    [({**CASE, "screening": {"dn4": {"headache": True}}}, ["body", "screening", "dn4",
                                                            "headache"]),
     ({**CASE, "screening": {"dn5": {}}}, ["body", "screening", "dn5"]),
     ({**CASE, "smoker": True}, ["body", "smoker"])],
    ids=["bad-item", "unknown-instrument", "unknown-field"],
)
def test_a_bad_case_is_422_naming_the_field(
    api_as: Clients, case: dict[str, Any], loc: list[str]
) -> None:
    answer = api_as("alice").post("/api/v1/classify", json=case)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == loc


def test_a_patients_scores_are_recorded_listed_and_audited(
    api_as: Clients, ctx: Context, actors: Any
) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    created = alice.post(f"/api/v1/patients/{pid}/scores",
                         json={"instrument": "dn4", "answers": DN4_SEVEN,
                               "taken_on": "2026-11-20"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["total"], body["reading"], body["version"], body["taken_on"]) == (
        7, "positive", get_instrument("dn4").version, "2026-11-20")
    assert "fhir_resource" not in body
    alice.post(f"/api/v1/patients/{pid}/scores", json={"instrument": "nrs",
                                                      "answers": {"pain": 5}})
    listing = api_as("bob").get(f"/api/v1/patients/{pid}/scores").json()
    assert listing["count"] == 2 and listing["items"][1] == body
    only = alice.get(f"/api/v1/patients/{pid}/scores", params={"instrument": "nrs"}).json()
    assert [s["total"] for s in only["items"]] == [5]
    with ctx.db.read() as session:
        rows = list(session.scalars(sa.select(AuditEvent).where(AuditEvent.resource == "score")
                                    .order_by(AuditEvent.id)))
    assert [(r.action, r.outcome, r.patient_pseudo_id) for r in rows] == [
        ("create", "success", pid), ("create", "success", pid),
        ("list", "success", pid), ("list", "success", pid)]
    assert [r.user_id for r in rows][2] == actors["bob"].actor.user_id


@pytest.mark.parametrize(
    ("body", "loc"),
    [({"instrument": "dn4", "answers": {**DN4_SEVEN, "headache": True}},
      ["body", "answers", "headache"]),
     ({"instrument": "nrs", "answers": {"pain": -1}}, ["body", "answers", "pain"]),
     ({"instrument": "dn5", "answers": {}}, ["body", "instrument"]),
     ({"instrument": "nrs", "answers": {"pain": 1}, "clinic_id": 2}, ["body", "clinic_id"]),
     ({"answers": {"pain": 1}}, ["body", "instrument"]),
     ({"instrument": "nrs", "answers": {"pain": 1}, "taken_on": "2999-01-01"},
      ["body", "taken_on"]),
     ({"instrument": "dn4", "answers": DN4_SEVEN, "completed_by": "patient"},
      ["body", "answers", "hypoesthesia_touch"]),
     ({"instrument": "ctcae-sensory-neuropathy", "answers": {"severity": "none"},
       "completed_by": "patient"}, ["body", "instrument"]),
     ({"instrument": "s-lanss", "answers": {"self_allodynia": 5}},
      ["body", "answers", "self_allodynia"]),
     ({"instrument": "paindetect", "answers": {"course_pattern": "wave"}},
      ["body", "answers", "course_pattern"]),
     ({"instrument": "nrs", "answers": {"pain": 1}, "completed_by": "tablet"},
      ["body", "completed_by"])],
    ids=["unknown-item", "out-of-range", "unknown-instrument", "unknown-field", "missing",
         "future", "patient-mode-examination", "patient-mode-grading", "s-lanss-value",
         "paindetect-course", "completed-by"],
)
def test_a_bad_score_is_422_naming_the_field_and_writes_nothing(
    api_as: Clients, ctx: Context, body: dict[str, Any], loc: list[str]
) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    audit_before = _count(ctx, AuditEvent)
    answer = alice.post(f"/api/v1/patients/{pid}/scores", json=body)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == loc, answer.json()
    assert answer.json()["detail"][0]["msg"]  # a sentence, not just a code
    assert _count(ctx, ScoreRecord) == 0 and _count(ctx, AuditEvent) == audit_before


def test_the_outsider_and_the_researcher_see_nothing(api_as: Clients, ctx: Context) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    alice.post(f"/api/v1/patients/{pid}/scores", json={"instrument": "nrs",
                                                      "answers": {"pain": 5}})
    charlie = api_as("charlie")
    for target in (pid, "PNOSUCH"):
        assert charlie.get(f"/api/v1/patients/{target}/scores").status_code == 404
        posted = charlie.post(f"/api/v1/patients/{target}/scores",
                              json={"instrument": "nrs", "answers": {"pain": 1}})
        assert posted.status_code == 404
    assert api_as("dana").get(f"/api/v1/patients/{pid}/scores").status_code == 403
    assert _count(ctx, ScoreRecord) == 1


def test_the_openapi_schema_publishes_the_assessment_contracts(app: FastAPI) -> None:
    schema = app.openapi()
    paths = schema["paths"]
    for path in ("/api/v1/instruments", "/api/v1/instruments/{instrument_id}",
                 "/api/v1/score/{instrument_id}", "/api/v1/classify",
                 "/api/v1/patients/{patient_id}/scores"):
        assert path in paths, path
    created = paths["/api/v1/patients/{patient_id}/scores"]["post"]
    body = created["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == {"instrument", "answers", "taken_on", "completed_by"}
    assert set(schema["components"]["schemas"]["ScoreResult"]["properties"]) == PUBLISHED
