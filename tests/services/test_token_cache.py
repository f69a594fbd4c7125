"""Checked bearer tokens are remembered briefly; any revocation is honoured on the next request,
in this process and in another worker process of the same installation."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import create_accounts

from acuneuro.services import AuthenticationFailed, Context, account_admin, accounts
from acuneuro.services._actor import Actor
from acuneuro.services._token_cache import cached_actor
from acuneuro.settings import Settings
from acuneuro.store import Role, User, upgrade


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the full checks (signature and account) ``resolve_token`` makes."""
    checks: list[str] = []
    real = accounts._resolve_until

    def counted(*args: Any) -> tuple[Actor, float]:
        checks.append("checked")
        return real(*args)

    monkeypatch.setattr(accounts, "_resolve_until", counted)
    return checks


def test_a_token_is_checked_in_full_once_then_answered_from_the_cache(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = _counting(monkeypatch)
    alice = actors["alice"].actor
    token, _ = accounts.issue_token(ctx, alice)
    first = accounts.resolve_token(ctx, token, "10.0.0.1")
    second = accounts.resolve_token(ctx, token, "10.0.0.2")
    assert checks == ["checked"]
    assert (first.user_id, first.source_address) == (alice.user_id, "10.0.0.1")
    assert (second.user_id, second.source_address) == (alice.user_id, "10.0.0.2")


def test_a_forged_token_is_refused_every_time(ctx: Context, actors: Any) -> None:
    token, _ = accounts.issue_token(ctx, actors["alice"].actor)
    forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            accounts.resolve_token(ctx, forged, None)


def test_a_cached_token_is_refused_on_the_next_request_after_logout(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    token, _ = accounts.issue_token(ctx, alice)
    accounts.resolve_token(ctx, token, None)
    account_admin.end_sessions(ctx, alice)
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_token(ctx, token, None)


def test_a_cached_token_of_a_disabled_account_is_refused_on_the_next_request(
    ctx: Context, actors: Any
) -> None:
    token, _ = accounts.issue_token(ctx, actors["bob"].actor)
    accounts.resolve_token(ctx, token, None)
    account_admin.disable_user(ctx, actors["bob"].email)
    with pytest.raises(AuthenticationFailed):
        accounts.resolve_token(ctx, token, None)


def test_a_role_change_is_seen_on_the_next_request(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    token, _ = accounts.issue_token(ctx, alice)
    assert accounts.resolve_token(ctx, token, None).role is Role.CLINICIAN
    with ctx.db.write() as session:
        user = session.get(User, alice.user_id)
        assert user is not None
        user.role = Role.RESEARCHER
    assert accounts.resolve_token(ctx, token, None).role is Role.RESEARCHER


def test_a_rolled_back_account_change_keeps_the_cache(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = actors["alice"].actor
    token, _ = accounts.issue_token(ctx, alice)
    accounts.resolve_token(ctx, token, None)
    checks = _counting(monkeypatch)
    with pytest.raises(RuntimeError), ctx.db.write() as session:
        user = session.get(User, alice.user_id)
        assert user is not None
        user.active = False
        session.flush()
        raise RuntimeError("refused")
    assert accounts.resolve_token(ctx, token, None).user_id == alice.user_id
    assert checks == []


def test_an_entry_is_not_used_past_the_expiry_its_check_gave(ctx: Context) -> None:
    calls: list[int] = []
    actor = Actor(1, "a@example.org", Role.CLINICIAN, 1)

    def expired_already() -> tuple[Actor, float]:
        calls.append(1)
        return actor, time.time() - 1

    for _ in range(2):
        cached_actor(ctx.db, "key", "token", None, expired_already)
    assert len(calls) == 2


_OTHER_WORKER = """
import sys
from acuneuro.services import Context, account_admin
from acuneuro.settings import Settings

ctx = Context.from_settings(Settings(database_url=sys.argv[1], key_dir=sys.argv[2]))
account_admin.disable_user(ctx, sys.argv[3])
ctx.db.dispose()
"""


def test_a_revocation_made_by_another_process_is_honoured_on_the_next_request(
    tmp_path: Path, password_hash: str
) -> None:
    url, keys = f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "keys"
    ctx = Context.from_settings(Settings(database_url=url, key_dir=keys))
    try:
        upgrade(ctx.db.engine)
        bob = create_accounts(ctx, password_hash)["bob"]
        token, _ = accounts.issue_token(ctx, bob.actor)
        accounts.resolve_token(ctx, token, None)
        done = subprocess.run([sys.executable, "-c", _OTHER_WORKER, url, str(keys), bob.email],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        with ctx.db.read() as session:  # the other process did disable the account
            assert session.scalar(sa.select(User.active).where(User.id == bob.actor.user_id)) \
                is False
        with pytest.raises(AuthenticationFailed):
            accounts.resolve_token(ctx, token, None)
    finally:
        ctx.db.dispose()
