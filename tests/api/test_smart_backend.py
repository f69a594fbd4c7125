"""SMART Backend Services: a registered client signs an assertion, gets a token, reads in scope."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from acuneuro.services import Context, PermissionDenied, ServiceError, accounts, demo, smart

from ._fhir_world import seed_clinic

TOKEN_URL = "http://localhost/oauth/token"
ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _register(ctx: Context, key: Any, scopes: list[str]) -> str:
    admin = accounts.operator(ctx, demo.DEMO_CLINIC)
    view = smart.register_client(ctx, admin, "Hospital EHR",
                                 {"keys": [key.as_dict(private=False)]}, scopes)
    return view.client_id


def _assertion(key: Any, client_id: str, *, alg: str = "RS384", ahead: int = 240,
               jti: str | None = None, aud: str = TOKEN_URL) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": aud, "exp": now + ahead,
              "jti": jti or str(uuid.uuid4())}
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key, algorithms=[alg])


def _ask(client: TestClient, assertion: str, scope: str = "system/*.read") -> Any:
    return client.post("/oauth/token", data={
        "grant_type": "client_credentials", "scope": scope,
        "client_assertion_type": ASSERTION, "client_assertion": assertion})


@pytest.fixture
def rsa() -> Any:
    key = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    return key


def test_a_signed_assertion_gets_a_token_that_reads_the_clinics_records(
    ctx: Context, actors: Any, anonymous: TestClient, rsa: Any
) -> None:
    pid = seed_clinic(ctx, patients=1)[0]
    client_id = _register(ctx, rsa, ["system/*.read"])
    answer = _ask(anonymous, _assertion(rsa, client_id))
    assert answer.status_code == 200, answer.text
    token = answer.json()
    assert token["token_type"] == "bearer" and token["expires_in"] <= 300
    assert token["scope"] == "system/*.read"
    assert answer.headers["cache-control"] == "no-store"
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    patient = anonymous.get(f"/fhir/Patient/{pid}", headers=bearer)
    assert patient.status_code == 200 and patient.json()["id"] == pid
    # A backend token is not a staff login: the JSON API does not take it.
    assert anonymous.get("/api/v1/patients", headers=bearer).status_code == 401


def test_an_ec_key_signs_too(ctx: Context, actors: Any, anonymous: TestClient) -> None:
    seed_clinic(ctx, patients=1)
    key = ECKey.generate_key("P-384", parameters={"kid": "ec-1"})
    client_id = _register(ctx, key, ["system/Observation.read"])
    answer = _ask(anonymous, _assertion(key, client_id, alg="ES384"),
                  scope="system/Observation.read")
    assert answer.status_code == 200, answer.text


def test_a_replayed_or_long_lived_or_foreign_assertion_is_refused(
    ctx: Context, actors: Any, anonymous: TestClient, rsa: Any
) -> None:
    seed_clinic(ctx, patients=1)
    client_id = _register(ctx, rsa, ["system/*.read"])
    once = _assertion(rsa, client_id, jti="only-once")
    assert _ask(anonymous, once).status_code == 200
    replay = _ask(anonymous, once)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    too_long = _ask(anonymous, _assertion(rsa, client_id, ahead=600))
    assert too_long.status_code == 401 and too_long.json()["error"] == "invalid_client"
    expired = _ask(anonymous, _assertion(rsa, client_id, ahead=-10))
    assert expired.status_code == 401
    other_audience = _ask(anonymous, _assertion(rsa, client_id, aud="https://elsewhere/token"))
    assert other_audience.status_code == 401
    stranger = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    forged = _ask(anonymous, _assertion(stranger, client_id))
    assert forged.status_code == 401 and "access_token" not in forged.text
    unknown = _ask(anonymous, _assertion(rsa, "no-such-client"))
    assert unknown.status_code == 401
    password = anonymous.post("/oauth/token", data={"grant_type": "password",
                                                     "username": "a", "password": "b"})
    assert password.json()["error"] == "unsupported_grant_type"


def test_scopes_are_enforced(ctx: Context, actors: Any, anonymous: TestClient,
                             rsa: Any) -> None:
    pid = seed_clinic(ctx, patients=1)[0]
    client_id = _register(ctx, rsa, ["system/Observation.read"])
    refused = _ask(anonymous, _assertion(rsa, client_id), scope="system/Patient.read")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    token = _ask(anonymous, _assertion(rsa, client_id),
                 scope="system/Observation.read system/Patient.read").json()
    assert token["scope"] == "system/Observation.read"
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert anonymous.get(f"/fhir/Observation?patient={pid}", headers=bearer).status_code == 200
    forbidden = anonymous.get(f"/fhir/Patient/{pid}", headers=bearer)
    assert forbidden.status_code == 403
    assert forbidden.json()["resourceType"] == "OperationOutcome"
    export = anonymous.get("/fhir/$export?_type=Patient",
                           headers={**bearer, "Prefer": "respond-async"})
    assert export.status_code == 403


def test_a_client_of_another_clinic_sees_nothing_of_this_one(
    ctx: Context, actors: Any, anonymous: TestClient, rsa: Any
) -> None:
    pid = seed_clinic(ctx, patients=1)[0]
    other = accounts.operator(ctx, "Clinic B")
    view = smart.register_client(ctx, other, "Elsewhere", {"keys": [rsa.as_dict(private=False)]},
                                 ["system/*.read"])
    token = _ask(anonymous, _assertion(rsa, view.client_id)).json()["access_token"]
    answer = anonymous.get(f"/fhir/Patient/{pid}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404


def test_registration_takes_public_keys_and_read_scopes_of_an_administrator(
    ctx: Context, actors: Any, rsa: Any
) -> None:
    seed_clinic(ctx, patients=1)
    admin = accounts.operator(ctx, demo.DEMO_CLINIC)
    with pytest.raises(ServiceError, match="private"):
        smart.register_client(ctx, admin, "x", {"keys": [rsa.as_dict(private=True)]},
                              ["system/*.read"])
    with pytest.raises(ServiceError, match="system read scope"):
        smart.register_client(ctx, admin, "x", {"keys": [rsa.as_dict(private=False)]},
                              ["system/*.write"])
    with pytest.raises(PermissionDenied):
        smart.register_client(ctx, actors["alice"].actor, "x",
                              {"keys": [rsa.as_dict(private=False)]}, ["system/*.read"])
    pem = rsa.as_pem(private=False).decode()
    assert smart.register_client(ctx, admin, "PEM client", pem, ["system/*.rs"]).key_ids


def test_smart_configuration_names_the_token_endpoint(anonymous: TestClient) -> None:
    answer = anonymous.get("/fhir/.well-known/smart-configuration").json()
    assert answer["token_endpoint"] == TOKEN_URL
    assert "private_key_jwt" in answer["token_endpoint_auth_methods_supported"]
    assert {"RS384", "ES384"} <= set(answer["token_endpoint_auth_signing_alg_values_supported"])
