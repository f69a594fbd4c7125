"""Bulk Data ``$export``: kick-off, status polling, manifest, NDJSON files whose counts match."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi.testclient import TestClient

from acuneuro.interop.fhir_ids import logical_id
from acuneuro.services import Context, assessment, corrections, demo
from acuneuro.store import AuditEvent, Clinic, Patient, ScoreRecord

from ._fhir_world import TYPES, exported, exported_counts, seed_clinic

Clients = Callable[[str], TestClient]
ASYNC = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


def _local(url: str) -> str:
    return url.removeprefix("http://localhost")


def _finished(client: TestClient, status_url: str) -> Any:
    deadline = time.monotonic() + 60
    while True:
        answer = client.get(_local(status_url))
        if answer.status_code != 202:
            return answer
        assert answer.headers["x-progress"]
        assert time.monotonic() < deadline, "the export did not finish"
        time.sleep(0.1)


def test_a_system_export_gives_ndjson_files_with_every_resource(
    ctx: Context, actors: Any, api_as: Clients
) -> None:
    pids = seed_clinic(ctx, "alice", patients=3)
    alice = api_as("alice")
    kick = alice.get("/fhir/$export", headers=ASYNC)
    assert kick.status_code == 202, kick.text
    status = _finished(alice, kick.headers["content-location"])
    assert status.status_code == 200
    manifest = status.json()
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["request"].endswith("/fhir/$export")
    counted: Counter[str] = Counter()
    for output in manifest["output"]:
        answer = alice.get(_local(output["url"]))
        assert answer.headers["content-type"].startswith("application/fhir+ndjson")
        lines = [json.loads(line) for line in answer.text.splitlines()]
        assert len(lines) == output["count"]
        assert {r["resourceType"] for r in lines} == {output["type"]}
        counted[output["type"]] += len(lines)
    expected = exported_counts(ctx, pids)
    with ctx.db.read() as session:
        expected["QuestionnaireResponse"] = session.scalar(
            sa.select(sa.func.count()).select_from(ScoreRecord)) or 0
    assert counted == expected and set(counted) == set(TYPES)
    with ctx.db.read() as session:
        audited = set(session.scalars(sa.select(AuditEvent.patient_pseudo_id).where(
            AuditEvent.resource == "fhir-bulk-export", AuditEvent.action == "read")))
    assert set(pids) <= audited


def test_a_patient_export_of_some_types_and_its_deletion(
    ctx: Context, actors: Any, api_as: Clients
) -> None:
    pids = seed_clinic(ctx, "alice", patients=2)
    alice = api_as("alice")
    kick = alice.get("/fhir/Patient/$export?_type=Observation,Procedure"
                     "&_outputFormat=application/fhir%2Bndjson", headers=ASYNC)
    status = _finished(alice, kick.headers["content-location"]).json()
    expected = exported_counts(ctx, pids)
    assert {o["type"]: o["count"] for o in status["output"]} == {
        "Observation": expected["Observation"], "Procedure": expected["Procedure"]}
    # Only the caller who asked may see it, and deleting it removes it.
    bob_sees = api_as("bob").get(_local(kick.headers["content-location"]))
    assert bob_sees.status_code == 404
    assert alice.delete(_local(kick.headers["content-location"])).status_code == 202
    assert alice.get(_local(kick.headers["content-location"])).status_code == 404
    assert alice.get(_local(status["output"][0]["url"])).status_code == 404


def test_export_refusals_are_operation_outcomes(ctx: Context, actors: Any,
                                                api_as: Clients) -> None:
    alice = api_as("alice")
    for path in ("/fhir/$export?_type=Basic", "/fhir/$export?_since=2026-01-01",
                 "/fhir/$export?_outputFormat=text/csv"):
        answer = alice.get(path, headers=ASYNC)
        assert answer.status_code == 400 and answer.json()["resourceType"] == "OperationOutcome"
    assert api_as("dana").get("/fhir/$export", headers=ASYNC).status_code == 403


def _export_lines(client: TestClient, query: dict[str, str]) -> dict[str, list[Any]]:
    kick = client.get(f"/fhir/$export?{urlencode(query)}", headers=ASYNC)
    assert kick.status_code == 202, kick.text
    manifest = _finished(client, kick.headers["content-location"]).json()
    return {o["type"]: [json.loads(line) for line in
                        client.get(_local(o["url"])).text.splitlines()]
            for o in manifest["output"]}


def test_since_exports_only_what_changed_after_it(
    ctx: Context, actors: Any, api_as: Clients
) -> None:
    pids = seed_clinic(ctx, "alice", patients=2)
    with ctx.db.read() as session:
        clinic = session.scalar(sa.select(Clinic.id).where(Clinic.name == demo.DEMO_CLINIC))
        wrong = session.scalars(sa.select(ScoreRecord).order_by(ScoreRecord.id)).first()
        assert wrong is not None and clinic is not None
        wrong_id, wrong_fhir = wrong.id, wrong.fhir_id
        owner = session.scalar(sa.select(Patient.pseudo_id).where(Patient.id == wrong.patient_id))
        assert owner is not None
    alice = replace(actors["alice"].actor, clinic_id=clinic)
    since = datetime.now(UTC)
    time.sleep(0.05)
    corrections.mark_entered_in_error(ctx, alice, owner, "score", str(wrong_id),
                                      {"reason": "Another patient's answers"})
    new = assessment.record_score(ctx, alice, pids[-1], {
        "instrument": "nrs", "answers": {"pain": 4}, "taken_on": "2026-11-23"})
    client = api_as("alice")
    lines = _export_lines(client, {"_type": "Observation", "_since": since.isoformat()})
    observations = lines["Observation"]
    assert {o["id"] for o in observations} == {wrong_fhir, logical_id(clinic, "score_records",
                                                                      new.id)}
    assert {o["status"] for o in observations if o["id"] == wrong_fhir} == {"entered-in-error"}
    later = datetime.now(UTC) + timedelta(hours=1)
    assert _export_lines(client, {"_since": later.isoformat()}) == {}


def test_a_type_filter_keeps_the_resources_its_search_matches(
    ctx: Context, actors: Any, api_as: Clients
) -> None:
    pids = seed_clinic(ctx, "alice", patients=2)
    nrs = "http://loinc.org|72514-3"
    lines = _export_lines(api_as("alice"), {
        "_type": "Observation,Procedure",
        "_typeFilter": f"Observation?code={nrs}&date=ge2026-11-01"})
    expected = {o["id"] for pid in pids for o in exported(ctx, pid)["Observation"]
                if any(c.get("code") == "72514-3" for c in o["code"]["coding"])
                and o["effectiveDateTime"] >= "2026-11-01"}
    found = [o["id"] for o in lines["Observation"]]
    assert expected and sorted(found) == sorted(expected)
    # A type without a filter is exported whole.
    assert len(lines["Procedure"]) == exported_counts(ctx, pids)["Procedure"]


def test_since_and_type_filter_refusals_name_the_parameter(
    ctx: Context, actors: Any, api_as: Clients
) -> None:
    alice = api_as("alice")
    for query in ({"_since": "yesterday"},
                  {"_type": "Observation", "_typeFilter": "Procedure?date=2026"},
                  {"_typeFilter": "Observation?colour=blue"},
                  {"_typeFilter": "Observation?code=x&_count=2"}):
        answer = alice.get(f"/fhir/$export?{urlencode(query)}", headers=ASYNC)
        assert answer.status_code == 400, query
        outcome = answer.json()
        assert outcome["resourceType"] == "OperationOutcome"
        text = json.dumps(outcome)
        assert any(name in text for name in ("_since", "_typeFilter", "colour")), text
