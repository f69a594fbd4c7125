"""Transport and cross-site requests: Secure cookies and HSTS come from ACUNEURO_PUBLIC_URL,
never from the Host header; CSRF tokens are bound to one session; unsafe requests from
another origin are refused with a sentence; the served answers carry no server banner."""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from acuneuro.api import CROSS_ORIGIN_REFUSED
from acuneuro.asgi import create_app
from acuneuro.services import Context
from acuneuro.settings import Settings

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PUBLIC = "https://acuneuro.clinic.example"
FORM = {"given_name": "Grace", "family_name": "Hopper", "date_of_birth": "1956-12-09",
        "sex": "female", "record_number": "", "phone": "", "email": "",
        "condition_kind": "dpn", "icd10": "E11.4", "onset": "2025-03-01"}


def _csrf(client: TestClient, path: str = "/patients/new") -> str:
    found = _CSRF.search(client.get(path).text)
    assert found
    return found.group(1)


def _cookie_headers(answer: Any) -> list[str]:
    return list(answer.headers.get_list("set-cookie"))


@pytest.mark.parametrize("host", ["http://localhost", "https://clinic.example",
                                  "http://127.0.0.1:8000", "https://evil.example"])
def test_secure_cookies_and_hsts_follow_the_configured_address_not_the_host(
    host: str, ctx: Context
) -> None:
    configured = create_app(ctx=dataclasses.replace(ctx, public_url=PUBLIC))
    unconfigured = create_app(ctx=ctx)
    with TestClient(configured, base_url=host) as client:
        page = client.get("/")
        assert page.headers["strict-transport-security"].startswith("max-age=31536000")
        assert all("Secure" in c for c in _cookie_headers(page))
        assert _cookie_headers(page)
    with TestClient(unconfigured, base_url=host) as client:
        page = client.get("/")
        assert "strict-transport-security" not in page.headers
        assert _cookie_headers(page) and not any("Secure" in c for c in _cookie_headers(page))


def test_an_http_public_address_sets_neither(ctx: Context) -> None:
    plain = create_app(ctx=dataclasses.replace(ctx, public_url="http://acuneuro.lan:8000"))
    with TestClient(plain, base_url="https://acuneuro.lan") as client:
        page = client.get("/")
        assert "strict-transport-security" not in page.headers
        assert not any("Secure" in c for c in _cookie_headers(page))


def test_the_public_address_setting_is_an_origin_or_refused() -> None:
    assert Settings(public_url="HTTPS://Acuneuro.Clinic.Example/some/path").public_url == \
        "https://acuneuro.clinic.example"
    assert Settings(public_url="").public_url is None
    for bad in ("acuneuro.clinic.example", "ftp://x.example", "https://user@x.example"):
        with pytest.raises(ValidationError, match="public_url"):
            Settings(public_url=bad)


def test_a_csrf_token_from_another_session_is_refused(web_as: Any, app: Any) -> None:
    alice, bob, alice_again = web_as("alice"), web_as("bob"), web_as("alice")
    alice_token = _csrf(alice)
    assert alice_token != _csrf(alice_again)  # one token per session, not per account
    for other in (bob, alice_again):
        refused = other.post("/patients/new", data={**FORM, "csrf": alice_token})
        assert refused.status_code == 403
        assert "did not come from this session" in refused.text
    assert alice.post("/patients/new", data={**FORM, "csrf": alice_token}).status_code == 303
    # Before login too: one browser's login form token does not work in another.
    with TestClient(app, base_url="http://localhost") as one, \
            TestClient(app, base_url="http://localhost") as two:
        token = _csrf(one, "/")
        two.get("/")
        answer = two.post("/login", data={"email": "alice@example.org",
                                          "password": "correct horse battery staple",
                                          "csrf": token})
        assert answer.status_code == 403


@pytest.mark.parametrize("header", [{"Origin": "https://evil.example"}, {"Origin": "null"},
                                    {"Referer": "https://evil.example/page"},
                                    {"Origin": "http://localhost.evil.example"}])
def test_a_cross_origin_post_is_refused_with_a_sentence(
    header: dict[str, str], web_as: Any, api_as: Any
) -> None:
    alice = web_as("alice")
    token = _csrf(alice)
    refused = alice.post("/patients/new", data={**FORM, "csrf": token}, headers=header)
    assert refused.status_code == 403 and refused.text == CROSS_ORIGIN_REFUSED
    api = api_as("alice").post("/api/v1/patients", headers=header, json={
        "given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1915-12-10"})
    assert api.status_code == 403 and api.json() == {"detail": CROSS_ORIGIN_REFUSED}
    assert alice.get("/patients", headers=header).status_code == 200  # reading is not refused
    same = alice.post("/patients/new", data={**FORM, "csrf": token},
                      headers={"Origin": "http://localhost"})
    assert same.status_code == 303


def test_with_a_public_address_only_that_origin_may_post(ctx: Context, actors: Any) -> None:
    app = create_app(ctx=dataclasses.replace(ctx, public_url=PUBLIC))
    with TestClient(app, base_url=PUBLIC, follow_redirects=False) as client:
        token = _csrf(client, "/")
        login = {"email": actors["alice"].email, "password": actors["alice"].password,
                 "csrf": token}
        # The Host matches, but the configured origin is what counts.
        assert client.post("/login", data=login, headers={"Origin": "http://localhost"}
                           ).status_code == 403
        ok = client.post("/login", data=login, headers={"Origin": PUBLIC})
        assert ok.status_code == 303 and ok.headers["location"] == "/today"


def test_a_served_answer_has_no_server_banner(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {**os.environ, "ACUNEURO_KEY_DIR": str(tmp_path), "PORT": str(port),
           "ACUNEURO_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}"}
    env.pop("ACUNEURO_PUBLIC_URL", None)
    command = [str(Path(sys.executable).with_name("acuneuro")), "serve", "--port", str(port)]
    server = subprocess.Popen(command,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        answer = None
        deadline = time.monotonic() + 60
        while answer is None and time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
            except httpx.HTTPError:
                if server.poll() is not None:
                    pytest.fail(f"acuneuro serve stopped: {server.stderr.read()!r}")  # type: ignore[union-attr]
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200
        assert "server" not in answer.headers
        assert "date" in answer.headers  # the date header stays, as designed
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()
