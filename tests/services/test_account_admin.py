"""Ending sessions: logout, disabled accounts and second-factor resets end every copy."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from acuneuro.services import AuthenticationFailed, Context, NotFound, account_admin, accounts, mfa
from acuneuro.services.audit_export import fhir_audit_event
from acuneuro.store import AuditEvent, MfaCredential


def _audit_rows(ctx: Context) -> list[tuple[str, str, str | None]]:
    with ctx.db.read() as session:
        return [(r.action, r.resource, r.actor)
                for r in session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def test_logout_ends_a_copied_session_cookie_and_every_token(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    cookie = accounts.issue_session(ctx, alice)
    token, _ = accounts.issue_token(ctx, alice)
    assert accounts.resolve_session(ctx, cookie, None).user_id == alice.user_id
    account_admin.end_sessions(ctx, alice)
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_session(ctx, cookie, None)
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_token(ctx, token, None)
    assert ("logout", "account", alice.email) in _audit_rows(ctx)


def test_a_login_after_logout_works_at_once(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    account_admin.end_sessions(ctx, alice)
    cookie = accounts.issue_session(ctx, alice)
    assert accounts.resolve_session(ctx, cookie, None).user_id == alice.user_id


def test_logout_of_one_account_leaves_the_others_logged_in(ctx: Context, actors: Any) -> None:
    bob_cookie = accounts.issue_session(ctx, actors["bob"].actor)
    account_admin.end_sessions(ctx, actors["alice"].actor)
    assert accounts.resolve_session(ctx, bob_cookie, None).email == actors["bob"].email


def test_a_session_signed_before_issue_times_were_recorded_ends_at_logout(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    signer = URLSafeTimedSerializer(ctx.signing_key, salt="acuneuro.web-session",
                                    signer_kwargs={"digest_method": hashlib.sha256})
    old = signer.dumps({"u": alice.user_id, "n": "00", "a": int(time.time()) - 5})
    assert accounts.resolve_session(ctx, old, None).user_id == alice.user_id
    account_admin.end_sessions(ctx, alice)
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_session(ctx, old, None)


def test_a_disabled_account_cannot_log_in_and_stays_logged_out_when_enabled(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"]
    cookie = accounts.issue_session(ctx, alice.actor)
    shown = account_admin.disable_user(ctx, " ALICE@example.org ")
    assert shown["active"] is False and shown["clinic"] == "Clinic A"
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(ctx, alice.email, alice.password, None)
    account_admin.enable_user(ctx, alice.email)
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_session(ctx, cookie, None)
    assert accounts.authenticate(ctx, alice.email, alice.password, None).user_id == (
        alice.actor.user_id)
    resources = [(action, resource) for action, resource, _ in _audit_rows(ctx)]
    assert ("admin", "user-disable") in resources and ("admin", "user-enable") in resources


def test_a_reset_second_factor_must_be_enrolled_again(ctx: Context, actors: Any) -> None:
    erin = actors["erin"]
    assert erin.actor.user_id is not None
    enrolment = mfa.begin_enrolment(ctx, erin.actor.user_id)
    assert mfa.confirm_enrolment(ctx, erin.actor.user_id, pyotp.TOTP(enrolment.secret).now())
    cookie = accounts.issue_session(ctx, erin.actor)
    shown = account_admin.reset_second_factor(ctx, erin.email)
    assert shown["had_second_factor"] is True
    with ctx.db.read() as session:
        assert session.get(MfaCredential, erin.actor.user_id) is None
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_session(ctx, cookie, None)
    with pytest.raises(accounts.SecondFactorRequired) as refused:
        accounts.authenticate(ctx, erin.email, erin.password, None)
    assert refused.value.enrolled is False
    assert ("admin", "mfa-reset", "system:cli") in _audit_rows(ctx)


def test_account_administration_names_an_unknown_account(ctx: Context, actors: Any) -> None:
    for change in (account_admin.disable_user, account_admin.enable_user,
                   account_admin.reset_second_factor):
        with pytest.raises(NotFound, match=r"nobody@example\.org"):
            change(ctx, "nobody@example.org")


def test_a_logout_is_exported_as_a_dicom_logout_event(ctx: Context, actors: Any) -> None:
    account_admin.end_sessions(ctx, actors["alice"].actor)
    with ctx.db.read() as session:
        row = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "logout")).one()
        event = fhir_audit_event(row)
    assert event["type"]["code"] == "110114"
    assert event["subtype"] == [{"system": "http://dicom.nema.org/resources/ontology/DCM",
                                 "code": "110123", "display": "Logout"}]
