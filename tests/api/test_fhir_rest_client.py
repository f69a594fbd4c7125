"""A real FHIR client (fhirpy) reads and searches the REST face over HTTP, with a SMART token."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import ResourceNotFound
from joserfc import jwt
from joserfc.jwk import RSAKey

from acuneuro.services import accounts, demo, smart

from ..conftest import LiveServer
from ._fhir_world import TODAY, exported


def _plain(resource: Any) -> dict[str, Any]:
    """A fhirpy resource as plain JSON."""
    out: dict[str, Any] = resource.serialize()
    return out


@pytest.fixture(scope="module")
def fhir_client(live_server: LiveServer) -> tuple[SyncFHIRClient, list[str]]:
    """fhirpy on the live server, authorised as a SMART backend client of the demo clinic."""
    ctx = live_server.ctx
    demo.seed_demo(ctx, patients=3, today=TODAY)
    admin = accounts.operator(ctx, demo.DEMO_CLINIC)
    key = RSAKey.generate_key(2048, parameters={"kid": "ehr"})
    client_id = smart.register_client(ctx, admin, "fhirpy", {"keys": [key.as_dict(private=False)]},
                                      ["system/*.read"]).client_id
    config = requests.get(f"{live_server.url}/fhir/.well-known/smart-configuration",
                          timeout=10).json()
    now = int(time.time())
    assertion = jwt.encode({"alg": "RS384", "kid": "ehr"}, {
        "iss": client_id, "sub": client_id, "aud": config["token_endpoint"],
        "exp": now + 120, "jti": str(uuid.uuid4())}, key, algorithms=["RS384"])
    token = requests.post(config["token_endpoint"], timeout=10, data={
        "grant_type": "client_credentials", "scope": "system/*.read",
        "client_assertion_type": smart.ASSERTION_TYPE, "client_assertion": assertion}).json()
    client = SyncFHIRClient(f"{live_server.url}/fhir",
                            authorization=f"Bearer {token['access_token']}")
    pids = [p["id"] for p in client.resources("Patient").fetch_all()]
    return client, pids


def test_fhirpy_reads_every_patients_observations_as_the_export_has_them(
    fhir_client: tuple[SyncFHIRClient, list[str]], live_server: LiveServer
) -> None:
    client, pids = fhir_client
    assert len(pids) >= 3
    for pid in pids:
        observations = client.resources("Observation").search(patient=pid).limit(2).fetch_all()
        expected = exported(live_server.ctx, pid)["Observation"]
        assert [_plain(o) for o in observations] == expected
        assert client.resources("Observation").search(patient=pid).count() == len(expected)
        one = client.reference("Observation", expected[0]["id"]).to_resource()
        assert _plain(one) == expected[0]
        patient = client.resources("Patient").search(_id=pid).get()
        assert patient["id"] == pid


def test_fhirpy_searches_by_date_and_code(fhir_client: tuple[SyncFHIRClient, list[str]],
                                          live_server: LiveServer) -> None:
    client, pids = fhir_client
    expected: list[dict[str, Any]] = exported(live_server.ctx, pids[0])["Observation"]
    middle = expected[len(expected) // 2]  # so at least this one matches both filters
    coding, day = middle["code"]["coding"][0], middle["effectiveDateTime"][:10]
    found = client.resources("Observation").search(
        patient=f"Patient/{pids[0]}", date__ge=day,
        code=f"{coding['system']}|{coding['code']}").fetch_all()
    wanted = [o for o in expected if o["effectiveDateTime"][:10] >= day and
              any(c.get("system") == coding["system"] and c["code"] == coding["code"]
                  for c in o["code"]["coding"])]
    assert [_plain(o) for o in found] == wanted and wanted


def test_fhirpy_gets_not_found_for_an_unknown_id(
    fhir_client: tuple[SyncFHIRClient, list[str]]
) -> None:
    client, _ = fhir_client
    with pytest.raises(ResourceNotFound):
        client.reference("Procedure", "no-such-procedure").to_resource()
