"""``/api/v1/plan``, ``/points`` and ``/patients/{id}/plans``: CLI parity, 422 naming the field,
404 across clinics, refusals as 400 with the reason, audit rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from acuneuro.cli import app as cli_app
from acuneuro.clinical.case import RiskFactors
from acuneuro.services import Context
from acuneuro.store import AuditEvent, PlanRecord

CASE_EXAMPLE = Path(__file__).parents[1] / "data" / "case-example.json"
NEW = {"given_name": "Ada", "family_name": "Planned", "date_of_birth": "1968-03-02",
       "sex": "male", "condition": {"kind": "cipn", "icd10": "G62.0", "onset": "2026-05-01"}}
CASE = {
    "pain": {"regions": [{"region": "foot", "side": "both"}]},
    "chemotherapy": {"agents": ["oxaliplatin"], "active": False, "last_dose": "2026-06-10"},
    "labs": {"taken": "2026-11-18", "platelets_per_ul": 162000, "anc_per_ul": 2400},
    "medications": [], "devices": [], "skin": [], "lymphoedema": [],
    "bleeding_disorder": False, "fainting_with_needles": False,
    "risk_factors": RiskFactors.none_present().model_dump(mode="json"),
    "findings": {"protective_sensation_lost": False}, "assessed_on": "2026-11-24",
}  # fmt: skip


def _example() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(CASE_EXAMPLE.read_text("utf-8"))
    return loaded


def _patient(client: TestClient) -> str:
    answer = client.post("/api/v1/patients", json=NEW)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_plan_answers_the_same_json_as_the_command_line(
    api_as: Callable[[str], TestClient], tmp_path: Path
) -> None:
    case = _example()
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), "utf-8")
    result = CliRunner().invoke(cli_app, ["plan", "--case", str(path)])
    assert result.exit_code == 0, result.output
    answer = api_as("alice").post("/api/v1/plan", json=case)
    assert answer.status_code == 200
    assert answer.json() == json.loads(result.stdout)


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"labs": {"taken": "yesterday"}}, ["body", "labs", "taken"]),
        ({"smoker": True}, ["body", "smoker"]),
        ({"patient": {"age": 200, "sex": "female"}}, ["body", "patient", "age"]),
        ({"labs": {"platelets_per_ul": -9000}}, ["body", "labs", "platelets_per_ul"]),
        ({"medications": [{"name": "Eliquis", "daily_dose": -5}]},
         ["body", "medications", 0, "daily_dose"]),
        ({"devices": ["pacemakr"]}, ["body", "devices", 0]),
        ({"risk_factors": {"heart_valve": "maybe"}}, ["body", "risk_factors", "heart_valve"]),
        ({"labs": {"taken": "2026-11-30"}}, ["body", "labs", "taken"]),
        ({"condition": {"kind": "sci", "sci_level": "T13"}}, ["body", "condition", "sci_level"]),
    ],
    ids=["wrong-type", "unknown-field", "out-of-range", "negative-count", "negative-dose",
         "unknown-enum", "unknown-choice", "date-after-the-assessment",
         "impossible-injury-level"],
)
def test_a_bad_case_is_422_naming_the_field(
    api_as: Callable[[str], TestClient], ctx: Context, change: dict[str, Any], loc: list[str]
) -> None:
    alice = api_as("alice")
    pure = alice.post("/api/v1/plan", json={**_example(), **change})
    assert pure.status_code == 422 and loc in [e["loc"] for e in pure.json()["detail"]]
    stored = alice.post(f"/api/v1/patients/{_patient(alice)}/plans", json={**CASE, **change})
    assert stored.status_code == 422, stored.text
    assert loc in [e["loc"] for e in stored.json()["detail"]]
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PlanRecord)) == 0


def test_points_are_filtered_by_meridian_and_region(api_as: Callable[[str], TestClient]) -> None:
    alice = api_as("alice")
    stomach = alice.get("/api/v1/points", params={"meridian": "ST"}).json()
    assert len(stomach) == 45 and stomach[35]["code"] == "ST36"
    feet = alice.get("/api/v1/points", params={"meridian": "LV", "region": "foot"}).json()
    assert feet and {p["region"] for p in feet} == {"foot"}
    assert "LR3" in {p["code"] for p in feet}
    wrong = alice.get("/api/v1/points", params={"region": "elbowz"})
    assert wrong.status_code == 422
    [error] = wrong.json()["detail"]  # FastAPI's documented 422 shape, naming the parameter
    assert error["loc"] == ["query", "region"] and "elbowz" in error["msg"]


def test_propose_edit_accept_round_trip_with_audit_rows(
    api_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    proposed = alice.post(f"/api/v1/patients/{pid}/plans", json=CASE)
    assert proposed.status_code == 201, proposed.text
    body = proposed.json()
    assert body["status"] == "proposed" and body["case"]["patient"]["age"] == 58
    url = f"/api/v1/patients/{pid}/plans/{body['id']}"
    edited = alice.patch(url, json={"remove": ["LR3"]})
    assert edited.status_code == 200
    assert "LR3" not in {p["code"] for p in edited.json()["plan"]["points"]}
    accepted = alice.post(url + "/accept", json={"start_on": "2026-12-01"})
    assert accepted.status_code == 200, accepted.text
    first = accepted.json()["schedule"][0]
    assert (first["number"], first["due_on"], first["kind"]) == (1, "2026-12-01", "session")
    assert first["reassessment"] and "nrs" in first["instruments_due"]
    listing = alice.get(f"/api/v1/patients/{pid}/plans").json()
    assert listing["count"] == 1 and listing["items"][0]["status"] == "accepted"
    assert alice.get(url).json()["accepted_by"] == "alice@example.org"
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(AuditEvent).where(
            AuditEvent.patient_pseudo_id == pid, AuditEvent.resource.in_(["plan", "schedule"])
        ).order_by(AuditEvent.id))
        trail = [(r.action, r.resource, r.outcome) for r in rows]
    assert trail == [("create", "plan", "success"), ("update", "plan", "success"),
                     ("update", "plan", "success"), ("create", "schedule", "success"),
                     ("list", "plan", "success"), ("read", "plan", "success")]


def test_an_excluded_point_and_a_stop_plan_are_refused_with_the_reason(
    api_as: Callable[[str], TestClient]
) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    skin = [{"finding": "ulcer", "region": "foot", "side": "both"}]
    plan = alice.post(f"/api/v1/patients/{pid}/plans", json={**CASE, "skin": skin}).json()
    add = {"add": [{"code": "LR3", "side": "left", "rationale": "r", "sources": ["s"]}]}
    refused = alice.patch(f"/api/v1/patients/{pid}/plans/{plan['id']}", json=add)
    assert refused.status_code == 400 and "excluded" in refused.json()["detail"]
    labs = {"taken": "2026-11-23", "anc_per_ul": 300, "platelets_per_ul": 150000}
    stop = alice.post(f"/api/v1/patients/{pid}/plans", json={**CASE, "labs": labs}).json()
    assert stop["plan"]["safety"]["status"] == "stop"
    answer = alice.post(f"/api/v1/patients/{pid}/plans/{stop['id']}/accept",
                        json={"start_on": "2026-12-01"})
    assert answer.status_code == 400 and "stopped" in answer.json()["detail"]
    bad = alice.post(f"/api/v1/patients/{pid}/plans/{plan['id']}/accept", json={"start": 1})
    assert bad.status_code == 422
    assert ["body", "start_on"] in [e["loc"] for e in bad.json()["detail"]]


def test_the_outsider_gets_404_for_every_plan_route(api_as: Callable[[str], TestClient]) -> None:
    alice, charlie = api_as("alice"), api_as("charlie")
    pid = _patient(alice)
    plan_id = alice.post(f"/api/v1/patients/{pid}/plans", json=CASE).json()["id"]
    base = f"/api/v1/patients/{pid}/plans"
    for method, url, body in [
        ("POST", base, CASE), ("GET", base, None), ("GET", f"{base}/{plan_id}", None),
        ("PATCH", f"{base}/{plan_id}", {"remove": ["LR3"]}),
        ("POST", f"{base}/{plan_id}/accept", {"start_on": "2026-12-01"}),
        ("GET", f"{base}/not-a-number", None),
    ]:
        answer = charlie.request(method, url, json=body)
        assert answer.status_code == 404, (method, url, answer.text)
    assert alice.get(f"{base}/{plan_id}").json()["status"] == "proposed"
    assert api_as("dana").get(base).status_code == 403


def test_a_never_needled_or_unlimited_danger_point_is_422_naming_the_field(
    api_as: Callable[[str], TestClient]
) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    plan = alice.post(f"/api/v1/patients/{pid}/plans", json=CASE).json()
    url = f"/api/v1/patients/{pid}/plans/{plan['id']}"
    gb20 = {"code": "GB20", "side": "both", "rationale": "occipital pain", "sources": ["s"]}
    for add, loc, named in [
        ({"code": "CV8", "side": "midline", "rationale": "r", "sources": ["s"]},
         ["body", "add", 0, "code"], "CV8 Shenque is never needled"),
        ({"code": "ST17", "side": "left", "rationale": "r", "sources": ["s"]},
         ["body", "add", 0, "code"], "ST17 Ruzhong is never needled"),
        (gb20, ["body", "add", 0, "danger_acknowledged"], "GB20 Fengchi"),
        ({**gb20, "danger_acknowledged": True}, ["body", "add", 0, "max_depth_mm"], "GB20"),
    ]:
        answer = alice.patch(url, json={"add": [add]})
        assert answer.status_code == 422, answer.text
        [error] = answer.json()["detail"]
        assert error["loc"] == loc and named in error["msg"]
    assert alice.get(url).json()["plan"] == plan["plan"]
    ok = alice.patch(url, json={"add": [{**gb20, "danger_acknowledged": True,
                                         "max_depth_mm": 18, "angle": "oblique"}]})
    assert ok.status_code == 200, ok.text
    findings = ok.json()["plan"]["safety"]["findings"]
    assert any(f["rule"] == "anatomical-limit" and "GB20 Fengchi" in f["message"]
               and "at most 18 mm" in f["message"] for f in findings)


def test_a_session_with_a_never_needled_point_is_422_naming_the_point(
    api_as: Callable[[str], TestClient]
) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    plan = alice.post(f"/api/v1/patients/{pid}/plans", json=CASE).json()
    url = f"/api/v1/patients/{pid}/plans/{plan['id']}/accept"
    assert alice.post(url, json={"start_on": "2026-12-01"}).status_code == 200
    point = {"code": "ST17", "side": "left", "needle": {"diameter_mm": 0.25, "length_mm": 30},
             "depth_mm": 5, "response_sought": "de_qi", "stimulation": {"kind": "manual"},
             "retention_min": 20}
    body = {"on": "2026-12-01", "points": [point], "deviation": "nipple",
            "practitioner": {"name": "A", "qualification": "MD"}}
    answer = alice.post(f"/api/v1/patients/{pid}/sessions", json=body)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", "points", 0] and "ST17 Ruzhong is never needled" in error["msg"]
    assert alice.get(f"/api/v1/patients/{pid}/sessions").json() == []
