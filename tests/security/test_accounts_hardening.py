"""Accounts: lockout with one answer for every refusal, TOTP second factor (required for
administrators and researchers, single use), recovery codes, session expiry, no secret in logs."""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from acuneuro.services import (
    AuthenticationFailed,
    Context,
    ServiceError,
    Throttled,
    _passwords,
    accounts,
    mfa,
)
from acuneuro.store import AuditEvent, MfaCredential

_TOKEN = "/api/v1/auth/token"


def _token(client: TestClient, account: Any, **extra: str) -> Any:
    return client.post(_TOKEN, data={"username": account.email, "password": account.password,
                                     **extra})


def _enrol(ctx: Context, user_id: int) -> tuple[pyotp.TOTP, list[str]]:
    enrolment = mfa.begin_enrolment(ctx, user_id)
    totp = pyotp.TOTP(enrolment.secret)
    codes = mfa.confirm_enrolment(ctx, user_id, totp.now())
    assert codes is not None and len(set(codes)) == 10
    return totp, codes


def _logins(ctx: Context) -> list[tuple[str, str | None]]:
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "login")
                               .order_by(AuditEvent.id))
        return [(r.outcome, r.source_address) for r in rows]


def test_three_failures_delay_the_account_from_that_address_whether_it_exists_or_not(
    ctx: Context, actors: Any, anonymous: TestClient
) -> None:
    alice = actors["alice"]
    answers = [anonymous.post(_TOKEN, data={"username": alice.email, "password": "wrong" * 4})
               for _ in range(3)]
    ghosts = [anonymous.post(_TOKEN, data={"username": "ghost@example.org", "password": "x"})
              for _ in range(3)]
    assert {a.status_code for a in [*answers, *ghosts]} == {401}
    assert {a.text for a in [*answers, *ghosts]} == {ghosts[0].text}
    delayed, ghost = _token(anonymous, alice), anonymous.post(
        _TOKEN, data={"username": "ghost@example.org", "password": "x"})
    assert delayed.status_code == ghost.status_code == 429  # says nothing about existence
    assert 1 <= int(delayed.headers["Retry-After"]) <= 60
    assert "try again in" in delayed.json()["detail"]
    assert _logins(ctx)[-1][0] == "denied"
    assert _token(anonymous, actors["bob"]).status_code == 200  # other accounts unaffected


def test_twenty_failures_from_one_address_throttle_the_address(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"]
    for number in range(20):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate(ctx, f"ghost{number}@example.org", "x", "10.9.9.9")
    with pytest.raises(Throttled) as wait:
        accounts.authenticate(ctx, alice.email, alice.password, "10.9.9.9")
    assert 1 <= wait.value.retry_after <= 15 * 60
    assert accounts.authenticate(ctx, alice.email, alice.password, "10.1.1.1").email == \
        alice.email


def test_unknown_accounts_cost_a_password_hash_too(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[str] = []
    real = _passwords._hasher

    class Spy:
        def verify(self, stored: str, password: str) -> bool:
            hashed.append(stored)
            return real.verify(stored, password)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    monkeypatch.setattr(_passwords, "_hasher", Spy())
    for email in ("ghost@example.org", actors["alice"].email):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate(ctx, email, "not the password", None)
    assert len(hashed) == 2 and all(h.startswith("$argon2id$") for h in hashed)


def test_administrators_and_researchers_get_nothing_without_a_second_factor(
    ctx: Context, actors: Any, anonymous: TestClient
) -> None:
    for name in ("erin", "dana"):
        refused = _token(anonymous, actors[name])
        assert refused.status_code == 401 and refused.json() == {"detail": "invalid credentials"}
        with pytest.raises(accounts.SecondFactorRequired) as due:
            accounts.authenticate(ctx, actors[name].email, actors[name].password, None)
        assert not due.value.enrolled
    assert _token(anonymous, actors["alice"]).status_code == 200  # optional for clinicians


def test_a_totp_code_works_once_and_a_recovery_code_once(
    ctx: Context, actors: Any, anonymous: TestClient
) -> None:
    erin = actors["erin"]
    totp, codes = _enrol(ctx, erin.actor.user_id)
    following = totp.at(time.time() + 30)  # the enrolment used the current step
    assert _token(anonymous, erin).status_code == 401
    assert _token(anonymous, erin, otp="000000" if following != "000000" else "111111"
                  ).status_code == 401
    assert _token(anonymous, erin, otp=following).status_code == 200
    assert _token(anonymous, erin, otp=following).status_code == 401  # replayed
    assert _token(anonymous, erin, otp=codes[3]).status_code == 200
    assert _token(anonymous, erin, otp=codes[3]).status_code == 401  # used
    with ctx.db.read() as session:
        stored = session.get(MfaCredential, erin.actor.user_id)
        assert stored is not None and len(stored.recovery_hashes) == 9
        assert all(h.startswith("$argon2id$") for h in stored.recovery_hashes)
        assert not any(c in str(stored.recovery_hashes) for c in codes)


def test_the_web_login_asks_an_enrolled_clinician_for_the_code(
    app: Any, actors: Any, ctx: Context
) -> None:
    alice = actors["alice"]
    totp, _ = _enrol(ctx, alice.actor.user_id)
    with TestClient(app, base_url="http://localhost", follow_redirects=False) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
        first = client.post("/login", data={"email": alice.email, "password": alice.password,
                                            "csrf": csrf})
        assert first.headers["location"] == "/login/mfa"
        page = client.get("/login/mfa")
        assert "authenticator" in page.text and "Secret" not in page.text
        wrong = client.post("/login/mfa", data={"code": "12345x", "csrf": csrf})
        assert wrong.status_code == 401
        ok = client.post("/login/mfa", data={"code": totp.at(time.time() + 30), "csrf": csrf})
        assert ok.status_code == 303 and ok.headers["location"] == "/today"
        assert client.get("/patients").status_code == 200


def test_sessions_end_after_30_idle_minutes_and_12_hours_whatever_the_use(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = time.time()
    clock = {"now": start}
    monkeypatch.setattr(time, "time", lambda: clock["now"])
    cookie = accounts.issue_session(ctx, actors["alice"].actor)
    clock["now"] = start + 29 * 60
    assert accounts.resolve_session(ctx, cookie, None).email == "alice@example.org"
    clock["now"] = start + 31 * 60
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_session(ctx, cookie, None)
    clock["now"] = start
    for minutes in range(20, 12 * 60, 20):  # used every 20 minutes all day
        clock["now"] = start + minutes * 60
        renewed = accounts.refresh_session(ctx, cookie)
        assert renewed is not None, minutes
        cookie = renewed
    clock["now"] = start + 12 * 3600 + 60
    assert accounts.refresh_session(ctx, cookie) is None
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_session(ctx, cookie, None)


def test_pages_renew_the_idle_clock(
    web_as: Callable[[str], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = web_as("alice")
    later = time.time() + 20 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    answer = alice.get("/patients")
    assert answer.status_code == 200
    assert any(c.startswith("acuneuro_session=") for c in answer.headers.get_list("set-cookie"))
    assert not any(c.startswith("acuneuro_session=")
                   for c in alice.get("/api/v1/health").headers.get_list("set-cookie"))


def test_no_password_token_or_totp_secret_reaches_the_logs(
    ctx: Context, actors: Any, anonymous: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    erin, alice = actors["erin"], actors["alice"]
    enrolment = mfa.begin_enrolment(ctx, erin.actor.user_id)
    totp = pyotp.TOTP(enrolment.secret)
    codes = mfa.confirm_enrolment(ctx, erin.actor.user_id, totp.now()) or []
    token = _token(anonymous, alice).json()["access_token"]
    anonymous.get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"})
    code = totp.at(time.time() + 30)
    erin_token = _token(anonymous, erin, otp=code).json()["access_token"]
    anonymous.post(_TOKEN, data={"username": alice.email, "password": "a wrong password"})
    logged = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    assert caplog.records  # the flows did log (SQL, HTTP): the search is not vacuous
    for secret in (alice.password, "a wrong password", token, erin_token, enrolment.secret,
                   code, *codes):
        assert secret not in logged


def test_the_totp_secret_is_stored_sealed_and_a_plain_one_is_sealed_at_next_use(
    ctx: Context, actors: Any
) -> None:
    erin = actors["erin"]
    totp, _ = _enrol(ctx, erin.actor.user_id)
    with ctx.db.read() as session:
        stored = session.get(MfaCredential, erin.actor.user_id)
        assert stored is not None and stored.secret.startswith("v1:")
        assert totp.secret not in stored.secret
    with ctx.db.write() as session:  # as an earlier version stored it
        session.execute(sa.update(MfaCredential).values(secret=totp.secret, last_step=None))
    with ctx.db.write() as session:
        assert mfa.check_second_factor(session, ctx.mfa_key, erin.actor.user_id, totp.now())
    with ctx.db.read() as session:
        stored = session.get(MfaCredential, erin.actor.user_id)
        assert stored is not None and stored.secret.startswith("v1:")


def test_without_the_mfa_key_no_second_factor_is_enrolled_or_accepted(
    ctx: Context, actors: Any
) -> None:
    erin = actors["erin"]
    totp, _ = _enrol(ctx, erin.actor.user_id)
    keyless = dataclasses.replace(ctx, mfa_key=None)
    other_key = dataclasses.replace(ctx, mfa_key=b"a different installation key......")
    with pytest.raises(ServiceError, match="no MFA key"):
        mfa.begin_enrolment(keyless, actors["dana"].actor.user_id)
    for variant in (keyless, other_key):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate(variant, erin.email, erin.password, None,
                                  otp=totp.at(time.time() + 30))
