"""Every demo Bundle loads, as a transaction, into a real FHIR server and reads back whole.

Opt-in (``make interop``, marker ``interop``): it needs a FHIR R4 server, named by
``ACUNEURO_FHIR_SERVER`` (its base URL, e.g. ``http://127.0.0.1:8080/fhir`` for HAPI FHIR JPA,
``http://127.0.0.1:8103/fhir/R4`` for Medplum), and skips with the reason when it is unset.
Authentication: ``ACUNEURO_FHIR_SERVER_TOKEN`` (a bearer token), or
``ACUNEURO_FHIR_SERVER_CLIENT_ID`` / ``_CLIENT_SECRET`` / ``_TOKEN_URL`` (OAuth 2.0
client_credentials, RFC 6749 section 4.4), or nothing for an open server.
``ACUNEURO_FHIR_SERVER_BUNDLE`` picks the Bundle style: ``put`` (the default export: PUT
``Type/id``, R4 http.html#update "update as create"), ``conditional`` (POST with ``urn:uuid``
fullUrls and ``ifNoneExist`` on an identifier, R4 http.html#trules, for servers that assign their
own ids) or ``create`` (the same without ``ifNoneExist``: Medplum, which accepts only UUID ids and
runs conditional creates in a transaction 8 entries at a time).

For each of the 30 patients: the transaction answers one 200/201 entry per resource; then the
server is asked, per resource type, how many it holds for that patient (``_summary=count``,
R4 search.html#summary), which must equal what was sent; every sent resource is read back at
the location the server gave (every element sent must come back unchanged), and every
``reference`` in what the server returns is read too.
Setup in docs/fhir.md ("Loading into a FHIR server").
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from acuneuro.interop.fhir_bundle import conditional_transaction

from ._demo_bundles import export_demo_bundles

pytestmark = [pytest.mark.interop, pytest.mark.xdist_group("fhir-server")]

BASE = os.environ.get("ACUNEURO_FHIR_SERVER", "").rstrip("/")
STYLE = os.environ.get("ACUNEURO_FHIR_SERVER_BUNDLE", "put")
FHIR_JSON = "application/fhir+json"
# The search parameter that links each type to its patient (R4 searchparameter-registry).
_SUBJECT = {"Condition": "subject", "Observation": "subject", "Procedure": "subject",
            "MedicationStatement": "subject", "CarePlan": "subject",
            "QuestionnaireResponse": "subject", "AdverseEvent": "subject"}


def _token() -> str | None:
    token = os.environ.get("ACUNEURO_FHIR_SERVER_TOKEN")
    client_id = os.environ.get("ACUNEURO_FHIR_SERVER_CLIENT_ID")
    if token or not client_id:
        return token
    token_url = os.environ.get("ACUNEURO_FHIR_SERVER_TOKEN_URL")
    if not token_url:
        pytest.fail("ACUNEURO_FHIR_SERVER_CLIENT_ID is set but ACUNEURO_FHIR_SERVER_TOKEN_URL "
                    "is not: name the server's OAuth token endpoint")
    answer = httpx.post(token_url, data={
        "grant_type": "client_credentials", "client_id": client_id,
        "client_secret": os.environ.get("ACUNEURO_FHIR_SERVER_CLIENT_SECRET", "")}, timeout=60)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


@pytest.fixture(scope="module")
def server() -> Iterator[httpx.Client]:
    if not BASE:
        pytest.skip("ACUNEURO_FHIR_SERVER is not set: no FHIR server to load the demo into "
                    "(docs/fhir.md, 'Loading into a FHIR server')")
    if STYLE not in ("put", "conditional", "create"):
        pytest.fail("ACUNEURO_FHIR_SERVER_BUNDLE must be put, conditional or create, "
                    f"not {STYLE!r}")
    headers = {"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}
    token = _token()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with httpx.Client(base_url=BASE + "/", headers=headers, timeout=300) as client:
        metadata = client.get("metadata")
        assert metadata.status_code == 200, metadata.text
        assert metadata.json()["fhirVersion"].startswith("4.0"), metadata.json()["fhirVersion"]
        yield client


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    files = export_demo_bundles(tmp_path_factory.mktemp("fhir-load"))
    return [json.loads(path.read_text("utf-8")) for path in files]


def _ok(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in (200, 201), f"{answer.request.url}: {answer.text[:2000]}"
    body: dict[str, Any] = answer.json()
    return body


def _id_of(location: str) -> str:
    """``Type/id`` of a transaction-response location (``[base/]Type/id[/_history/v]``)."""
    match = re.search(r"([A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$", location)
    assert match, location
    return f"{match[1]}/{match[2]}"


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _load(client: httpx.Client, bundle: dict[str, Any]
          ) -> list[tuple[dict[str, Any], str]]:
    """POST the transaction; each resource as sent (its references as the server should have
    them, ``id`` and ``meta`` left out) with the server's ``Type/id`` for it."""
    sent = bundle if STYLE == "put" else conditional_transaction(
        bundle, if_none_exist=STYLE == "conditional")
    response = _ok(client.post("", content=json.dumps(sent)))
    assert response["type"] == "transaction-response"
    assert len(response["entry"]) == len(sent["entry"])
    placed: dict[str, str] = {}
    for entry, answer in zip(sent["entry"], response["entry"], strict=True):
        status = answer["response"]["status"]
        assert status.split()[0] in ("200", "201"), (entry["fullUrl"], answer["response"])
        location = _id_of(answer["response"]["location"])
        placed[entry["fullUrl"]] = location
        if "/" in entry["request"]["url"]:  # PUT Type/id: references name it so
            placed[entry["request"]["url"]] = location
    out = []
    for entry in sent["entry"]:
        resource = _mapped(entry["resource"], placed)
        out.append(({k: v for k, v in resource.items() if k not in ("id", "meta")},
                    placed[entry["fullUrl"]]))
    return out


def _mapped(node: Any, placed: dict[str, str]) -> Any:
    """``node`` with every reference to an entry (``urn:uuid`` or ``Type/id``) as placed."""
    if isinstance(node, dict):
        return {k: placed.get(v, v) if k == "reference" and isinstance(v, str)
                else _mapped(v, placed) for k, v in node.items()}
    if isinstance(node, list):
        return [_mapped(item, placed) for item in node]
    return node


def test_every_demo_bundle_loads_and_reads_back_whole(server: httpx.Client,
                                                     bundles: list[dict[str, Any]],
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    assert len(bundles) == 30
    started = time.monotonic()
    sent: Counter[str] = Counter()
    read_back: Counter[str] = Counter()
    resolved = 0
    changed: list[tuple[str, str]] = []
    for bundle in bundles:
        loaded = _load(server, bundle)
        patient = next(v for _, v in loaded if v.startswith("Patient/"))
        types = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
        sent.update(types)
        for resource_type, count in types.items():
            if resource_type == "Patient":
                continue
            found = _ok(server.get(resource_type, params={
                _SUBJECT[resource_type]: patient, "_summary": "count"}))["total"]
            assert found == count, (patient, resource_type, found, count)
            read_back[resource_type] += found
        for expected, location in loaded:
            resource = _ok(server.get(location))
            read_back["read"] += 1
            # Every element sent comes back unchanged (a server may add its own, e.g. meta).
            changed += [(location, k) for k, v in expected.items() if resource.get(k) != v]
            for reference in _references(resource):
                assert not reference.startswith(("urn:", "#")), (location, reference)
                target = _ok(server.get(reference))
                assert reference.split("/_history")[0].endswith(
                    f"{target['resourceType']}/{target['id']}"), (location, reference)
                resolved += 1
        read_back["Patient"] += 1
    assert changed == []
    assert read_back["read"] == sum(sent.values())
    del read_back["read"]
    assert read_back == sent
    with capsys.disabled():  # the figures for the report, not a timed assert
        sys.stdout.write(f"\nloaded into {BASE} ({STYLE}): {dict(sent)}, "
                         f"{sum(sent.values())} resources; read back the same counts; "
                         f"{resolved} references resolved; {time.monotonic() - started:.0f} s\n")
