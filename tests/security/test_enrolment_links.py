"""Second factor: a password alone never shows a secret or binds a factor; an account enrols
through a one-time link an administrator issues (single use, 24 hours, stored hashed), where a
wrong code keeps the same secret and the first valid code is accepted."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from acuneuro.services import Context, ServiceError, account_admin, account_links, mfa
from acuneuro.store import AccountLink, AuditEvent, MfaCredential, utcnow

_SECRET = re.compile(r'class="secret">([A-Z2-7]{32})<')
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _browser(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="http://localhost", follow_redirects=False)


def _csrf(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "no CSRF field"
    return found.group(1)


def _password_login(client: TestClient, account: Any) -> Any:
    csrf = _csrf(client.get("/").text)
    return client.post("/login", data={"email": account.email, "password": account.password,
                                       "csrf": csrf})


def _credential(ctx: Context, user_id: int) -> MfaCredential | None:
    with ctx.db.read() as session:
        found = session.get(MfaCredential, user_id)
        if found is not None:
            session.expunge(found)
        return found


def _assert_password_alone_gets_nothing(app: FastAPI, ctx: Context, account: Any) -> None:
    with _browser(app) as client:
        answer = _password_login(client, account)
        assert answer.status_code == 403
        assert "Ask an administrator of your clinic for a one-time enrolment link" in answer.text
        assert not _SECRET.search(answer.text) and "otpauth://" not in answer.text
        assert "acuneuro_session" not in client.cookies
        assert "acuneuro_mfa_pending" not in client.cookies
        second = client.get("/login/mfa")  # no pending step to go to
        assert second.status_code == 303 and "otpauth://" not in second.text
        assert client.get("/patients").status_code == 303
    token = TestClient(app).post("/api/v1/auth/token", data={
        "username": account.email, "password": account.password, "otp": "123456"})
    assert token.status_code == 401
    assert _credential(ctx, account.actor.user_id) is None  # nothing pending, nothing bound


@pytest.mark.parametrize("name", ["erin", "dana"])
def test_a_password_alone_never_shows_a_secret_nor_enrols_a_factor(
    name: str, app: FastAPI, ctx: Context, actors: Any
) -> None:
    _assert_password_alone_gets_nothing(app, ctx, actors[name])


def test_after_a_second_factor_reset_the_password_alone_still_gets_nothing(
    app: FastAPI, ctx: Context, actors: Any
) -> None:
    erin = actors["erin"]
    link = account_links.issue_link(ctx, erin.email, account_links.Purpose.MFA_ENROLMENT)
    secret = account_links.enrolment_of(ctx, link.token)[1].secret
    assert account_links.redeem_enrolment(ctx, link.token, pyotp.TOTP(secret).now(), None)
    reset = account_admin.reset_second_factor(ctx, erin.email)
    assert reset["had_second_factor"] is True
    issued = reset["enrolment_link"]
    assert isinstance(issued, dict) and str(issued["link"]).startswith("/enrol/")
    _assert_password_alone_gets_nothing(app, ctx, erin)


def test_an_enrolment_link_shows_one_secret_keeps_it_on_a_wrong_code_and_takes_the_first_valid(
    app: FastAPI, ctx: Context, actors: Any
) -> None:
    dana = actors["dana"]
    link = account_links.issue_link(ctx, dana.email, account_links.Purpose.MFA_ENROLMENT)
    assert link.expires_at - utcnow() <= account_links.LIFETIME == timedelta(hours=24)
    with _browser(app) as client:
        page = client.get(link.path)
        assert page.status_code == 200 and dana.email in page.text
        assert "<svg" in page.text and "QR code of the secret" in page.text
        secret = _SECRET.search(page.text).group(1)  # type: ignore[union-attr]
        assert _SECRET.search(client.get(link.path).text).group(1) == secret  # type: ignore[union-attr]
        totp = pyotp.TOTP(secret)
        wrong = "000000" if totp.now() != "000000" else "111111"
        refused = client.post(link.path, data={"code": wrong, "csrf": _csrf(page.text)})
        assert refused.status_code == 400
        assert "not the one your app shows now" in refused.text
        assert _SECRET.search(refused.text).group(1) == secret  # type: ignore[union-attr]
        done = client.post(link.path, data={"code": totp.now(), "csrf": _csrf(page.text)})
        assert done.status_code == 200 and "Recovery codes" in done.text
        assert "acuneuro_session" not in client.cookies  # log in with the password next
        again = client.get(link.path)
        assert again.status_code == 404 and "has been used" in again.text
        assert not _SECRET.search(again.text)
        replay = client.post(link.path, data={"code": totp.at(time.time() + 30),
                                              "csrf": _csrf(page.text)})
        assert replay.status_code == 404
    with ctx.db.read() as session:
        assert mfa.has_second_factor(session, dana.actor.user_id)
    # Now the password and a code log in.
    with _browser(app) as client:
        assert _password_login(client, dana).headers["location"] == "/login/mfa"
        ok = client.post("/login/mfa", data={"code": totp.at(time.time() + 30),
                                             "csrf": _csrf(client.get("/login/mfa").text)})
        assert ok.status_code == 303 and "acuneuro_session" in client.cookies


def test_an_enrolment_link_expires_and_a_newer_one_replaces_it(
    app: FastAPI, ctx: Context, actors: Any
) -> None:
    erin = actors["erin"]
    first = account_links.issue_link(ctx, erin.email, account_links.Purpose.MFA_ENROLMENT)
    second = account_links.issue_link(ctx, erin.email, account_links.Purpose.MFA_ENROLMENT)
    with _browser(app) as client:
        assert client.get(first.path).status_code == 404  # replaced
        assert client.get(second.path).status_code == 200
        with ctx.db.write() as session:
            session.execute(sa.update(AccountLink).values(expires_at=utcnow()
                                                          - timedelta(seconds=1)))
        expired = client.get(second.path)
        assert expired.status_code == 404 and "has expired" in expired.text
        assert not _SECRET.search(expired.text)
    with pytest.raises(account_links.LinkRefused):
        account_links.redeem_enrolment(ctx, second.token, "123456", None)


def test_links_are_stored_only_as_hashes_and_their_issue_is_audited(
    ctx: Context, actors: Any
) -> None:
    link = account_links.issue_link(ctx, actors["erin"].email,
                                    account_links.Purpose.MFA_ENROLMENT)
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(AccountLink)).all()
        assert len(rows) == 1 and rows[0].token_hash != link.token
        assert link.token not in str([(r.token_hash, r.issued_by) for r in rows])
        audited = session.scalars(sa.select(AuditEvent.resource)).all()
    assert "mfa-enrolment-link" in audited


def test_an_account_with_a_factor_gets_no_enrolment_link_until_it_is_reset(
    ctx: Context, actors: Any
) -> None:
    erin = actors["erin"]
    link = account_links.issue_link(ctx, erin.email, account_links.Purpose.MFA_ENROLMENT)
    secret = account_links.enrolment_of(ctx, link.token)[1].secret
    assert account_links.redeem_enrolment(ctx, link.token, pyotp.TOTP(secret).now(), None)
    with pytest.raises(ServiceError, match="already has a second factor"):
        account_links.issue_link(ctx, erin.email, account_links.Purpose.MFA_ENROLMENT)


def test_an_administrator_issues_links_for_their_own_clinic_only(
    api_as: Any, actors: Any
) -> None:
    erin, alice = api_as("erin"), api_as("alice")
    issued = erin.post("/api/v1/accounts/enrolment-links", json={"email": "dana@example.org"})
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["link"].startswith("/enrol/") and body["single_use"] is True
    assert body["expires_at"]
    other_clinic = erin.post("/api/v1/accounts/enrolment-links",
                             json={"email": "charlie@example.org"})
    assert other_clinic.status_code == 404
    refused = alice.post("/api/v1/accounts/password-reset-links",
                         json={"email": "bob@example.org"})
    assert refused.status_code == 403


def test_a_logged_in_clinician_enrolling_keeps_the_secret_after_a_wrong_code(
    web_as: Any, ctx: Context, actors: Any
) -> None:
    alice = web_as("alice")
    page = alice.get("/account/mfa")
    secret = _SECRET.search(page.text).group(1)  # type: ignore[union-attr]
    assert "<svg" in page.text
    totp = pyotp.TOTP(secret)
    wrong = alice.post("/account/mfa", data={
        "code": "000000" if totp.now() != "000000" else "111111", "csrf": _csrf(page.text)})
    assert wrong.status_code == 400 and "not the one your app shows now" in wrong.text
    assert _SECRET.search(wrong.text).group(1) == secret  # type: ignore[union-attr]
    assert _SECRET.search(alice.get("/account/mfa").text).group(1) == secret  # type: ignore[union-attr]
    done = alice.post("/account/mfa", data={"code": totp.now(), "csrf": _csrf(page.text)})
    assert done.status_code == 200 and "Recovery codes" in done.text
    with ctx.db.read() as session:
        assert mfa.has_second_factor(session, actors["alice"].actor.user_id)
