"""Accounts: argon2id hashes, audited logins, signed short-lived tokens and sessions."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from acuneuro.services import (
    AuthenticationFailed,
    Conflict,
    Context,
    NotFound,
    ServiceError,
    accounts,
)
from acuneuro.store import AuditEvent, Role, User


def test_a_new_account_stores_an_argon2id_hash_not_the_password(ctx: Context) -> None:
    accounts.add_clinic(ctx, "Clinic Z")
    accounts.add_user(ctx, clinic="Clinic Z", email=" Zoe@Example.org ", role=Role.CLINICIAN,
                      password="a long enough passphrase")
    with ctx.db.read() as session:
        user = session.scalar(sa.select(User))
    assert user is not None and user.email == "zoe@example.org"
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "passphrase" not in user.password_hash


@pytest.mark.parametrize("password", ["short", "x" * 1025])
def test_it_refuses_passwords_outside_the_policy(ctx: Context, password: str) -> None:
    accounts.add_clinic(ctx, "Clinic Z")
    with pytest.raises(ServiceError, match="password"):
        accounts.add_user(ctx, clinic="Clinic Z", email="z@example.org", role=Role.ADMIN,
                          password=password)


def test_it_refuses_duplicates_and_unknown_clinics(ctx: Context) -> None:
    accounts.add_clinic(ctx, "Clinic Z")
    with pytest.raises(Conflict):
        accounts.add_clinic(ctx, "Clinic Z")
    with pytest.raises(NotFound):
        accounts.add_user(ctx, clinic="Nowhere", email="z@example.org", role=Role.ADMIN,
                          password="a long enough passphrase")


def test_login_succeeds_and_fails_with_an_audit_row_each_time(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"]
    assert accounts.authenticate(ctx, alice.email, alice.password, "10.0.0.7").user_id == (
        alice.actor.user_id
    )
    for email, password in [(alice.email, "wrong password!!"), ("nobody@example.org", "x")]:
        with pytest.raises(AuthenticationFailed) as refused:
            accounts.authenticate(ctx, email, password, "10.0.0.8")
        assert str(refused.value) == "invalid credentials"
    with ctx.db.read() as session:
        logins = sa.select(AuditEvent).where(AuditEvent.action == "login")
        rows = list(session.scalars(logins.order_by(AuditEvent.id)))
    assert [(r.outcome, r.actor, r.source_address) for r in rows] == [
        ("success", alice.email, "10.0.0.7"),
        ("failure", alice.email, "10.0.0.8"),
        ("failure", "(unknown account)", "10.0.0.8"),
    ]


def test_a_disabled_account_can_neither_log_in_nor_use_its_token(
    ctx: Context, actors: Any
) -> None:
    bob = actors["bob"]
    token, _ = accounts.issue_token(ctx, bob.actor)
    with ctx.db.write() as session:
        session.execute(sa.update(User).where(User.id == bob.actor.user_id).values(active=False))
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(ctx, bob.email, bob.password, None)
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_token(ctx, token, None)


def test_tokens_resolve_to_their_user_and_reject_forgery(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    token, seconds = accounts.issue_token(ctx, alice)
    assert seconds == 15 * 60
    assert accounts.resolve_token(ctx, token, "1.2.3.4").user_id == alice.user_id
    forged = URLSafeTimedSerializer("another key" * 4, salt="acuneuro.api-token").dumps({"u": 1})
    for value in (forged, token + "x", token.replace(".", "x", 1), ""):
        with pytest.raises(AuthenticationFailed):
            accounts.resolve_token(ctx, value, None)


def test_a_token_expires_after_token_minutes(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, seconds = accounts.issue_token(ctx, actors["alice"].actor)
    issued = time.time()
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: issued + seconds - 5)
    assert accounts.resolve_token(ctx, token, None).email == "alice@example.org"
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: issued + seconds + 5)
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_token(ctx, token, None)


def test_a_session_cookie_is_not_a_token(ctx: Context, actors: Any) -> None:
    cookie = accounts.issue_session(ctx, actors["alice"].actor)
    assert accounts.resolve_session(ctx, cookie, None).email == "alice@example.org"
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_token(ctx, cookie, None)


def test_each_login_gets_a_new_session_value(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    assert accounts.issue_session(ctx, alice) != accounts.issue_session(ctx, alice)


def test_the_command_line_operator_acts_on_one_named_clinic(ctx: Context, actors: Any) -> None:
    with pytest.raises(ServiceError, match="several"):
        accounts.operator(ctx, None)
    operator = accounts.operator(ctx, "Clinic B")
    assert operator.clinic_id == actors["charlie"].actor.clinic_id
    with pytest.raises(NotFound):
        accounts.operator(ctx, "Clinic Q")
