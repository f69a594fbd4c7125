"""Passwords: the NIST SP 800-63B 5.1.1.2 rules with a sentence for each refusal; changing
one's own password (web and API) and an administrator's reset link, both audited, both ending
every other session and token of the account."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from acuneuro.services import Context, ServiceError, account_admin, account_links, accounts
from acuneuro.services._passwords import check_password_policy, context_words
from acuneuro.store import AuditEvent, Role

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NEW = "lantern orchard pebble"

WEAK = [  # (password, what the refusal says), for alice@example.org of "Clinic A"
    ("password1234", "very common password"),
    ("aaaaaaaaaaaa", "repeats"),
    ("abcdefghijkl", "sequences"),
    ("qwertyuiop12", "commonly used password"),
    ("123456789012", "too easy to guess"),
    ("short pass", "at least 12 characters"),
    ("alice@example.org1", "too easy to guess"),
    ("Alice-Example-2026", "leans on your email address"),
    ("acuneuro2024!!", "leans on your email address"),
    ("acupuncture-2024", "too easy to guess"),
    ("Clinic A 2026!!", "leans on your email address"),
    ("x" * 1025, "at most 1024 characters"),
]
STRONG = ["correct horse battery staple", NEW, "my acuneuro is a lantern in the orchard",
          "Tr0ub4dour&3xyz", "ünïcödé wörds ärë fïnë tóó", "x7#Qm!v2@Lp9"]


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_a_weak_password_is_refused_with_a_sentence(password: str, reason: str) -> None:
    problem = check_password_policy(password, context_words("alice@example.org", "Clinic A"))
    assert problem is not None and reason in problem
    assert problem.startswith("The password") and problem.endswith(".")


@pytest.mark.parametrize("password", STRONG)
def test_a_strong_password_is_accepted(password: str) -> None:
    assert check_password_policy(password, context_words("alice@example.org", "Clinic A")) \
        is None


def test_creating_an_account_applies_the_rules(ctx: Context, actors: Any) -> None:
    for password in ("password1234", "aaaaaaaaaaaa", "nina@example.org!!"):
        with pytest.raises(ServiceError, match="The password"):
            accounts.add_user(ctx, clinic="Clinic A", email="nina@example.org",
                              role=Role.CLINICIAN, password=password)


def _audited(ctx: Context, resource: str) -> list[str]:
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(AuditEvent.outcome)
                                    .where(AuditEvent.resource == resource)))


def test_changing_ones_password_over_the_api_ends_every_other_token(
    ctx: Context, actors: Any, api_as: Any, anonymous: TestClient
) -> None:
    alice = actors["alice"]
    first, other = api_as("alice"), api_as("alice")
    wrong = first.post("/api/v1/auth/password", json={"current_password": "not it at all",
                                                      "new_password": NEW})
    assert wrong.status_code == 400 and "current password is not right" in wrong.json()["detail"]
    weak = first.post("/api/v1/auth/password", json={"current_password": alice.password,
                                                     "new_password": "password1234"})
    assert weak.status_code == 400 and "very common password" in weak.json()["detail"]
    assert other.get("/api/v1/patients").status_code == 200  # refusals changed nothing
    changed = first.post("/api/v1/auth/password", json={"current_password": alice.password,
                                                        "new_password": NEW})
    assert changed.status_code == 200, changed.text
    fresh = changed.json()["access_token"]
    assert other.get("/api/v1/patients").status_code == 401
    assert first.get("/api/v1/patients").status_code == 401  # the token it was sent with too
    assert anonymous.get("/api/v1/patients", headers={"Authorization": f"Bearer {fresh}"}
                         ).status_code == 200
    assert anonymous.post("/api/v1/auth/token", data={
        "username": alice.email, "password": alice.password}).status_code == 401
    assert anonymous.post("/api/v1/auth/token", data={
        "username": alice.email, "password": NEW}).status_code == 200
    assert _audited(ctx, "password-change") == ["failure", "success"]


def test_changing_ones_password_on_the_web_keeps_this_browser_and_ends_the_others(
    ctx: Context, web_as: Any, api_as: Any
) -> None:
    here, elsewhere, token = web_as("alice"), web_as("alice"), api_as("alice")
    form = _CSRF.search(here.get("/account/password").text).group(1)  # type: ignore[union-attr]
    mismatch = here.post("/account/password", data={
        "current_password": "correct horse battery staple", "new_password": NEW,
        "repeated": NEW + "!", "csrf": form})
    assert mismatch.status_code == 400 and "differ" in mismatch.text
    done = here.post("/account/password", data={
        "current_password": "correct horse battery staple", "new_password": NEW,
        "repeated": NEW, "csrf": form})
    assert done.status_code == 200 and "Password changed" in done.text
    assert here.get("/patients").status_code == 200
    assert elsewhere.get("/patients").status_code == 303  # back to the login page
    assert token.get("/api/v1/patients").status_code == 401
    assert _audited(ctx, "password-change") == ["success"]


def test_an_administrators_reset_link_sets_a_password_once_and_ends_every_session(
    app: FastAPI, ctx: Context, actors: Any, api_as: Any, anonymous: TestClient
) -> None:
    bob = actors["bob"]
    old_token = api_as("bob")
    issued = api_as("erin").post("/api/v1/accounts/password-reset-links",
                                 json={"email": bob.email})
    assert issued.status_code == 201
    path = issued.json()["link"]
    with TestClient(app, base_url="http://localhost", follow_redirects=False) as client:
        page = client.get(path)
        assert page.status_code == 200 and "Set a new password" in page.text
        csrf = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        weak = client.post(path, data={"new_password": "aaaaaaaaaaaa",
                                       "repeated": "aaaaaaaaaaaa", "csrf": csrf})
        assert weak.status_code == 400 and "repeats" in weak.text
        assert old_token.get("/api/v1/patients").status_code == 200  # nothing spent yet
        done = client.post(path, data={"new_password": NEW, "repeated": NEW, "csrf": csrf})
        assert done.status_code == 200 and "Password changed" in done.text
        assert client.get(path).status_code == 404  # single use
        again = client.post(path, data={"new_password": NEW + " two",
                                        "repeated": NEW + " two", "csrf": csrf})
        assert again.status_code == 404
    assert old_token.get("/api/v1/patients").status_code == 401
    assert anonymous.post("/api/v1/auth/token", data={
        "username": bob.email, "password": NEW}).status_code == 200
    assert _audited(ctx, "password-reset-link") == ["success"]
    assert _audited(ctx, "password-reset") == ["success"]


def test_the_command_line_reset_link_works_like_the_administrators(
    ctx: Context, actors: Any
) -> None:
    shown = account_admin.password_reset_link(ctx, actors["dana"].email)
    assert shown["purpose"] == "password-reset" and shown["single_use"] is True
    token = str(shown["token"])
    assert account_links.reset_password(ctx, token, NEW, None) == actors["dana"].email
    with pytest.raises(account_links.LinkRefused):
        account_links.reset_password(ctx, token, NEW + " again", None)
