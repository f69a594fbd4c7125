"""Security headers on every answer, no inline script in any template, CSRF on every form."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import acuneuro.web
from acuneuro.api import CSP, SECURITY_HEADERS
from acuneuro.api._security import IMAGE_CSP

from ._matrix import RULES, declared_routes
from ._world import Holding, Principal
from .test_route_matrix import _fill, _fresh_app

TEMPLATES = Path(acuneuro.web.__file__).parent / "templates"
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
_HANDLER = re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.I)


def test_the_policy_is_the_strict_one_asked_for() -> None:
    assert CSP == ("default-src 'self'; script-src 'self'; object-src 'none'; "
                   "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP


def test_an_svg_opened_alone_may_use_inline_styles_and_nothing_else() -> None:
    """Issue 14: the forest plot opened on its own renders; it still runs no script."""
    assert IMAGE_CSP == "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    assert "script-src" not in IMAGE_CSP and "unsafe-eval" not in IMAGE_CSP


def test_every_get_route_answers_with_the_security_headers(
    holdings: dict[str, Holding], principals: Callable[[str], Principal]
) -> None:
    ids = holdings["alice"].ids()
    alice, anonymous = principals("alice"), principals("anonymous")
    missing = []
    for key, template in declared_routes(_fresh_app()):
        method, _ = key.split(" ", 1)
        if method not in {"GET", "MOUNT"}:
            continue
        path = template + "/style.css" if method == "MOUNT" else _fill(template, ids)
        kind = RULES[key].kind
        for who in (alice, anonymous):
            client = who.web if kind in {"web", "static", "public"} else who.api
            answer = client.get(path)
            wanted = dict(SECURITY_HEADERS)
            if answer.headers.get("content-type", "").startswith("image/svg+xml"):
                wanted["Content-Security-Policy"] = IMAGE_CSP
            absent = [h for h, v in wanted.items() if answer.headers.get(h) != v]
            if absent:
                missing.append(f"{path} as {who.name} ({answer.status_code}): {absent}")
            if method != "MOUNT" and answer.headers.get("cache-control") != "no-store":
                missing.append(f"{path} as {who.name}: cacheable")
            if "strict-transport-security" in answer.headers:
                missing.append(f"{path}: HSTS on localhost")
    assert missing == []


def test_hsts_is_never_chosen_by_the_host_header(anonymous: TestClient) -> None:
    """Without ACUNEURO_PUBLIC_URL no HSTS, whatever Host the client claims (see
    test_transport_and_origin.py for the configured case)."""
    for base in ("https://clinic.example", "http://localhost", "http://10.0.0.7:8000"):
        remote = TestClient(anonymous.app, base_url=base)
        assert "strict-transport-security" not in remote.get("/").headers
        assert remote.get("/api/v1/health").headers["x-frame-options"] == "DENY"


def test_no_template_holds_inline_script_or_event_handlers() -> None:
    found = []
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert templates
    for path in templates:
        text = path.read_text("utf-8")
        for attributes, body in _SCRIPT.findall(text):
            if body.strip() or "src=" not in attributes:
                found.append(f"{path.name}: inline <script>")
        found += [f"{path.name}: {m} handler" for m in _HANDLER.findall(text)]
        if re.search(r"javascript:", text, re.I):
            found.append(f"{path.name}: javascript: URL")
    assert found == []


@pytest.mark.parametrize("with_session", [True, False])
def test_every_web_form_without_its_csrf_token_is_refused(
    with_session: bool, holdings: dict[str, Holding],
    principals: Callable[[str], Principal],
) -> None:
    ids = {**holdings["alice"].ids(), "family_name": "Quasth"}
    who = principals("alice" if with_session else "anonymous")
    accepted = []
    posts = [(k, t) for k, t in declared_routes(_fresh_app())
             if k.startswith("POST ") and RULES[k].kind in {"web", "public"}
             # The OAuth token endpoint takes no cookie: its credential is the signed assertion.
             and not t.startswith(("/api/", "/fhir", "/oauth/"))]
    assert {"POST /login", "POST /logout", "POST /patients/new"} <= {k for k, _ in posts}
    for key, template in posts:
        rule = RULES[key]
        if rule.kind == "web" and not with_session:
            continue  # without a session these answer the login page before any form
        form = rule.form(ids) if rule.form is not None else {}
        for token in (None, "forged-" + "x" * 40):
            data = form if token is None else {**form, "csrf": token}
            answer = who.web.post(_fill(template, ids), data=data)
            if answer.status_code != 403:
                accepted.append(f"{key} with csrf={token}: {answer.status_code}")
    assert accepted == []
