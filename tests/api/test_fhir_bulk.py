"""Bulk Data ``$export``: kick-off, status polling, manifest, NDJSON files whose counts match."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from acuneuro.services import Context
from acuneuro.store import AuditEvent, ScoreRecord

from ._fhir_world import TYPES, exported_counts, seed_clinic

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
