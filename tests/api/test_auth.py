"""``/api/v1/auth/token``: the OAuth2 password flow."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from acuneuro.services import account_admin


def test_a_correct_password_gets_a_short_lived_bearer_token(
    anonymous: TestClient, actors: Any
) -> None:
    alice = actors["alice"]
    answer = anonymous.post("/api/v1/auth/token",
                            data={"username": alice.email, "password": alice.password})
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    me = anonymous.get("/api/v1/patients",
                       headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_401(
    anonymous: TestClient, actors: Any
) -> None:
    wrong = anonymous.post("/api/v1/auth/token",
                           data={"username": actors["alice"].email, "password": "nope"})
    unknown = anonymous.post("/api/v1/auth/token",
                             data={"username": "ghost@example.org", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "invalid credentials"}


def test_a_missing_password_is_422_naming_it(anonymous: TestClient) -> None:
    answer = anonymous.post("/api/v1/auth/token", data={"username": "a@example.org"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "password"]


def test_a_token_answered_from_memory_is_refused_on_the_next_request_after_logout(
    api_as: Any, ctx: Any, actors: Any
) -> None:
    alice = api_as("alice")
    assert alice.get("/api/v1/patients").status_code == 200
    assert alice.get("/api/v1/patients").status_code == 200  # the token is now remembered
    account_admin.end_sessions(ctx, actors["alice"].actor)
    refused = alice.get("/api/v1/patients")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"


def test_a_token_of_an_account_disabled_meanwhile_is_refused_on_the_next_request(
    api_as: Any, ctx: Any, actors: Any
) -> None:
    bob = api_as("bob")
    assert bob.get("/api/v1/patients").status_code == 200
    account_admin.disable_user(ctx, actors["bob"].email)
    assert bob.get("/api/v1/patients").status_code == 401
