"""Fixtures of the security tests: two clinics' patients with a score and a plan each, and
clients that act as anyone without going through the login form (which may ask for a second
factor)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from acuneuro.services import Context
from acuneuro.services.accounts import issue_session, issue_token, session_id
from acuneuro.services.csrf import csrf_token

from ._world import ALICE_PATIENT, CHARLIE_PATIENT, Holding, Principal, make_holding


@pytest.fixture
def holdings(ctx: Context, actors: Any) -> dict[str, Holding]:
    """Alice's patient (clinic A) and charlie's patient (clinic B), each with a score and a plan."""
    return {
        "alice": make_holding(ctx, actors["alice"].actor, ALICE_PATIENT),
        "charlie": make_holding(ctx, actors["charlie"].actor, CHARLIE_PATIENT),
    }


@pytest.fixture
def principals(app: FastAPI, ctx: Context, actors: Any) -> Iterator[Callable[[str], Principal]]:
    """``principals("dana")``: bearer token and session cookie of dana; ``"anonymous"``: none."""
    made: list[TestClient] = []

    def make(name: str) -> Principal:
        browser = secrets.token_urlsafe(32)
        headers = {}
        web = TestClient(app, base_url="http://localhost", follow_redirects=False)
        web.cookies.set("acuneuro_csrf", browser)
        binding = "browser:" + browser
        if name != "anonymous":
            actor = actors[name].actor
            headers = {"Authorization": f"Bearer {issue_token(ctx, actor)[0]}"}
            cookie = issue_session(ctx, actor)
            web.cookies.set("acuneuro_session", cookie)
            binding = f"session:{session_id(ctx, cookie)}"
        csrf = csrf_token(ctx, binding)  # bound to this session, as the pages give it
        api = TestClient(app, base_url="http://localhost", headers=headers,
                         follow_redirects=False)
        made.extend((api, web))
        return Principal(name, api, web, csrf)

    yield make
    for client in made:
        client.close()
