"""Web pages through the test client: login, cookies, CSRF, patient pages, the demo banner."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from acuneuro.services import Context
from acuneuro.store import Clinic, Patient

TEMPLATES = Path(__file__).parents[2] / "src" / "acuneuro" / "web" / "templates"
FORM = {"given_name": "Grace", "family_name": "Hopper", "date_of_birth": "1956-12-09",
        "sex": "female", "record_number": "W-1", "phone": "", "email": "",
        "condition_kind": "dpn", "icd10": "E11.4", "onset": "2025-03-01"}


def _csrf(client: TestClient, path: str = "/patients") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def test_the_login_page_has_labelled_fields_and_a_csrf_token(anonymous: TestClient) -> None:
    page = anonymous.get("/")
    assert page.status_code == 200
    assert '<label for="email">' in page.text and '<label for="password">' in page.text
    assert 'name="csrf"' in page.text
    cookie = page.headers["set-cookie"]
    assert "acuneuro_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_login_sets_an_httponly_lax_session_cookie(
    app: FastAPI, actors: Any
) -> None:
    with TestClient(app, base_url="http://localhost", follow_redirects=False) as client:
        token = _csrf(client, "/")
        answer = client.post("/login", data={"email": "alice@example.org",
                                             "password": actors["alice"].password, "csrf": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/today"
    session = next(c for c in answer.headers.get_list("set-cookie") if "acuneuro_session" in c)
    assert "HttpOnly" in session and "SameSite=lax" in session and "Secure" not in session


def test_cookies_are_secure_when_the_public_address_is_https(ctx: Context) -> None:
    from acuneuro.asgi import create_app

    app = create_app(ctx=dataclasses.replace(ctx, public_url="https://clinic.example.org"))
    with TestClient(app, base_url="https://clinic.example.org") as client:
        assert "Secure" in client.get("/").headers["set-cookie"]


def test_a_wrong_password_shows_the_form_again(app: FastAPI, actors: Any) -> None:
    with TestClient(app, base_url="http://localhost", follow_redirects=False) as client:
        answer = client.post("/login", data={"email": "alice@example.org", "password": "nope",
                                             "csrf": _csrf(client, "/")})
    assert answer.status_code == 401 and "Wrong email or password" in answer.text
    assert "acuneuro_session" not in answer.headers.get("set-cookie", "")


def test_forms_without_the_csrf_token_are_refused(
    web_as: Callable[[str], TestClient], ctx: Context, anonymous: TestClient
) -> None:
    alice = web_as("alice")
    answer = alice.post("/patients/new", data={**FORM, "csrf": "forged" * 8})
    assert answer.status_code == 403
    assert anonymous.post("/login", data={"email": "a@b", "password": "x", "csrf": ""}
                          ).status_code == 403
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Patient)) == 0


def test_pages_need_a_login(anonymous: TestClient) -> None:
    for path in ("/patients", "/patients/new", "/patients/PXYZ"):
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/", path


def test_create_then_find_then_open_a_patient(web_as: Callable[[str], TestClient]) -> None:
    alice = web_as("alice")
    created = alice.post("/patients/new", data={**FORM, "csrf": _csrf(alice)})
    assert created.status_code == 303
    url = created.headers["location"]
    page = alice.get(url)
    assert "Hopper, Grace" in page.text and "DPN (E11.4)" in page.text
    assert 'id="section-identity"' in page.text and 'id="section-episodes"' in page.text
    found = alice.post("/patients/search", data={"q": "hopp", "csrf": _csrf(alice)})
    assert f'href="{url}"' in found.text
    missed = alice.post("/patients/search", data={"q": "zzz", "csrf": _csrf(alice)})
    assert f'href="{url}"' not in missed.text


def test_a_bad_form_shows_each_wrong_field_and_writes_nothing(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    bad = {**FORM, "family_name": "", "date_of_birth": "2999-01-01", "icd10": "nonsense"}
    answer = alice.post("/patients/new", data={**bad, "csrf": _csrf(alice)})
    assert answer.status_code == 422
    for field in ("family_name", "date_of_birth", "icd10"):
        assert f'id="{field}-error"' in answer.text, field
    assert 'value="Grace"' in answer.text
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Patient)) == 0


def test_another_clinics_patient_page_is_not_found(
    web_as: Callable[[str], TestClient]
) -> None:
    alice = web_as("alice")
    url = alice.post("/patients/new", data={**FORM, "csrf": _csrf(alice)}).headers["location"]
    assert web_as("charlie").get(url).status_code == 404
    assert web_as("bob").get(url).status_code == 200


def test_the_demo_clinic_is_labelled_on_every_page(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    assert "SYNTHETIC DEMO CLINIC" not in alice.get("/patients").text
    with ctx.db.write() as session:
        session.execute(sa.update(Clinic).values(is_demo=True))
    for path in ("/patients", "/patients/new"):
        assert "SYNTHETIC DEMO CLINIC" in alice.get(path).text


def test_logout_ends_the_session_in_this_browser(web_as: Callable[[str], TestClient]) -> None:
    alice = web_as("alice")
    answer = alice.post("/logout", data={"csrf": _csrf(alice)})
    assert answer.status_code == 303
    assert alice.get("/patients").status_code == 303


def test_logout_also_ends_a_copy_of_the_session_cookie(
    app: FastAPI, web_as: Callable[[str], TestClient]
) -> None:
    alice = web_as("alice")
    with TestClient(app, base_url="http://localhost", follow_redirects=False) as thief:
        thief.cookies.update(dict(alice.cookies))
        assert thief.get("/patients").status_code == 200
        assert alice.post("/logout", data={"csrf": _csrf(alice)}).status_code == 303
        assert thief.get("/patients").status_code == 303


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.rglob("*.html")))
def test_templates_have_no_inline_script_or_style(template: str) -> None:
    text = next(TEMPLATES.rglob(template)).read_text("utf-8")
    assert re.search(r"<script(?![^>]*\bsrc=)", text) is None
    assert re.search(r"\son[a-z]+=", text) is None and "<style" not in text
    assert "style=" not in text and "hx-on" not in text


def test_htmx_is_served_locally_with_its_licence(anonymous: TestClient) -> None:
    answer = anonymous.get("/static/htmx.min.js")
    assert answer.status_code == 200 and "Zero-Clause BSD" in answer.text[:400]
    assert 'src="/static/htmx.min.js"' in anonymous.get("/").text
