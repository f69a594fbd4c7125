"""The FHIR REST face serves what the export builds, searches it, refuses in OperationOutcomes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from acuneuro.services import Context
from acuneuro.store import AuditEvent

from ._fhir_world import TYPES, exported, seed_clinic

Clients = Callable[[str], TestClient]
FHIR = "application/fhir+json"


def _outcome(answer: Any, code: int) -> dict[str, Any]:
    assert answer.status_code == code, answer.text
    assert answer.headers["content-type"].startswith(FHIR)
    OperationOutcome.model_validate(answer.json())
    issue: dict[str, Any] = answer.json()["issue"][0]
    assert issue["severity"] == "error" and issue["diagnostics"]
    return issue


def _all_pages(client: TestClient, path: str) -> tuple[list[dict[str, Any]], int]:
    resources: list[dict[str, Any]] = []
    answer = client.get(path).json()
    total = answer["total"]
    while True:
        Bundle.model_validate(answer)
        assert answer["type"] == "searchset" and answer["total"] == total
        resources += [e["resource"] for e in answer.get("entry", [])]
        following = [link["url"] for link in answer["link"] if link["relation"] == "next"]
        if not following:
            return resources, total
        parts = urlsplit(following[0])
        answer = client.get(f"{parts.path}?{parts.query}").json()


def test_metadata_is_an_r4_capability_statement_of_what_is_served(anonymous: TestClient) -> None:
    answer = anonymous.get("/fhir/metadata")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(FHIR)
    statement = answer.json()
    CapabilityStatement.model_validate(statement)
    assert statement["fhirVersion"] == "4.0.1"
    served = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert sorted(served) == sorted(TYPES)
    for kind, resource in served.items():
        assert {i["code"] for i in resource["interaction"]} == {"read", "search-type"}
        if kind != "Patient":
            assert {"patient", "date"} <= {p["name"] for p in resource["searchParam"]}


def test_every_type_reads_and_searches_the_resources_the_export_builds(
    ctx: Context, actors: Any, api_as: Clients
) -> None:
    pids = seed_clinic(ctx, "alice", patients=3)
    alice = api_as("alice")
    for pid in pids:
        bundle = exported(ctx, pid)
        for kind in (k for k in TYPES if k != "QuestionnaireResponse"):
            query = f"_id={pid}" if kind == "Patient" else f"patient=Patient/{pid}"
            found, total = _all_pages(alice, f"/fhir/{kind}?{query}&_count=2")
            assert total == len(found) == len(bundle.get(kind, []))
            assert found == bundle.get(kind, [])
            for resource in found:
                read = alice.get(f"/fhir/{kind}/{resource['id']}")
                assert read.headers["content-type"].startswith(FHIR)
                assert read.json() == resource


def test_questionnaire_responses_are_searched_per_patient(
    ctx: Context, actors: Any, api_as: Clients
) -> None:
    pids = seed_clinic(ctx, "alice", patients=2)
    alice = api_as("alice")
    for pid in pids:
        found, total = _all_pages(alice, f"/fhir/QuestionnaireResponse?patient={pid}")
        assert total > 0 and {r["subject"]["reference"] for r in found} == {f"Patient/{pid}"}
        assert alice.get(f"/fhir/QuestionnaireResponse/{found[0]['id']}").json() == found[0]


def test_date_and_code_filters_keep_exactly_the_matching_resources(
    ctx: Context, actors: Any, api_as: Clients
) -> None:
    pid = seed_clinic(ctx, "alice", patients=2)[0]
    alice = api_as("alice")
    observations = exported(ctx, pid)["Observation"]
    days = sorted({o["effectiveDateTime"][:10] for o in observations})
    middle = days[len(days) // 2]
    coding = observations[0]["code"]["coding"][0]
    cases: dict[str, Callable[[dict[str, Any]], bool]] = {
        f"date=ge{middle}": lambda o: o["effectiveDateTime"][:10] >= middle,
        f"date=lt{middle}": lambda o: o["effectiveDateTime"][:10] < middle,
        f"date={middle}": lambda o: o["effectiveDateTime"][:10] == middle,
        f"date=ge{days[0]}&date=le{middle}":
            lambda o: days[0] <= o["effectiveDateTime"][:10] <= middle,
        f"date={middle[:7]}": lambda o: o["effectiveDateTime"][:7] == middle[:7],
        f"code={coding['system']}|{coding['code']}":
            lambda o: (coding["system"], coding["code"]) in
            {(c.get("system"), c["code"]) for c in o["code"]["coding"]},
        f"code={coding['code']}":
            lambda o: coding["code"] in {c["code"] for c in o["code"]["coding"]},
    }
    for query, keep in cases.items():
        found, total = _all_pages(alice, f"/fhir/Observation?patient={pid}&{query}")
        expected = [o for o in observations if keep(o)]
        assert found == expected, query
        assert total == len(expected)
    assert _all_pages(alice, f"/fhir/Observation?patient={pid}&code=urn:no-such|x")[1] == 0


def test_paging_links_walk_every_match_once(ctx: Context, actors: Any,
                                            api_as: Clients) -> None:
    seed_clinic(ctx, "alice", patients=2)
    alice = api_as("alice")
    everything, total = _all_pages(alice, "/fhir/Procedure?_count=100")
    paged, paged_total = _all_pages(alice, "/fhir/Procedure?_count=3")
    assert paged == everything and paged_total == total == len(everything) > 3
    empty = alice.get("/fhir/Procedure?_count=0").json()
    assert empty["total"] == total and "entry" not in empty


def test_another_clinics_resource_is_not_found(ctx: Context, actors: Any,
                                               api_as: Clients) -> None:
    pid = seed_clinic(ctx, "alice", patients=1)[0]
    observation = exported(ctx, pid)["Observation"][0]
    charlie = api_as("charlie")
    for path in (f"/fhir/Patient/{pid}", f"/fhir/Observation/{observation['id']}"):
        issue = _outcome(charlie.get(path), 404)
        assert issue["code"] == "not-found"
    assert charlie.get(f"/fhir/Observation?patient={pid}").json()["total"] == 0
    assert charlie.get("/fhir/Patient").json()["total"] == 0


@pytest.mark.parametrize(("path", "code", "issue_code"), [
    ("/fhir/Observation/no-such-id", 404, "not-found"),
    ("/fhir/Basic/1", 404, "not-found"),
    ("/fhir/Observation/1/_history/2/x", 404, "not-found"),
    ("/fhir/Observation?flavour=sweet", 400, "invalid"),
    ("/fhir/Observation?date=2026-13-01", 400, "invalid"),
    ("/fhir/Observation?date=ne2026-01-01", 400, "invalid"),
    ("/fhir/Observation?_count=-1", 400, "invalid"),
    ("/fhir/$export", 400, "invalid"),  # no Prefer: respond-async
    ("/fhir/$export-status/no-such-job", 404, "not-found"),
])
def test_every_refusal_is_an_operation_outcome(
    ctx: Context, actors: Any, api_as: Clients, path: str, code: int, issue_code: str
) -> None:
    assert _outcome(api_as("alice").get(path), code)["code"] == issue_code


def test_refusals_of_callers_are_operation_outcomes(
    ctx: Context, actors: Any, api_as: Clients, anonymous: TestClient
) -> None:
    assert _outcome(anonymous.get("/fhir/Observation"), 401)["code"] == "login"
    assert _outcome(api_as("dana").get("/fhir/Observation"), 403)["code"] == "forbidden"
    assert _outcome(api_as("alice").delete("/fhir/Observation"), 405)["code"] == \
        "not-supported"
    big = api_as("alice").post("/fhir/QuestionnaireResponse", content=b"{" + b" " * 400_000,
                               headers={"Content-Type": FHIR})
    assert _outcome(big, 413)["code"] == "too-costly"


def test_reads_and_searches_are_audited_per_patient(ctx: Context, actors: Any,
                                                    api_as: Clients) -> None:
    pid = seed_clinic(ctx, "alice", patients=1)[0]
    condition = exported(ctx, pid)["Condition"][0]
    alice = api_as("alice")
    alice.get(f"/fhir/Condition/{condition['id']}")
    alice.get(f"/fhir/Procedure?patient={pid}")
    alice.get("/fhir/Condition/no-such-id")
    with ctx.db.read() as session:
        rows = session.execute(sa.select(AuditEvent.action, AuditEvent.resource,
                                         AuditEvent.patient_pseudo_id, AuditEvent.outcome)
                               .where(AuditEvent.actor == "alice@example.org")
                               .order_by(AuditEvent.id)).all()
    assert [tuple(r) for r in rows] == [
        ("read", "fhir-condition", pid, "success"),
        ("list", "fhir-procedure", pid, "success"),
        ("read", "fhir-condition", "no-such-id", "not_found"),
    ]
