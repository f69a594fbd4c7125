"""The tablet kiosk without a browser: what its cookie can do, and what gets the tablet back."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.security._matrix import RULES, declared_routes
from tests.web._kiosk import csrf_in, hand_over

from acuneuro.services import Context, PatientCreate
from acuneuro.services import kiosk as kiosk_service
from acuneuro.services import patients as patient_service
from acuneuro.services.accounts import session_login_time
from acuneuro.store import AuditEvent, ScoreRecord
from acuneuro.web.deps import KIOSK_COOKIE, SESSION_COOKIE

Clients = Callable[[str], TestClient]


def _patient(ctx: Context, actors: Any, family: str = "Hopper") -> str:
    data = PatientCreate.model_validate(
        {"given_name": "Grace", "family_name": family, "date_of_birth": "1956-12-09"})
    return patient_service.create_patient(ctx, actors["alice"].actor, data).id


def _stored(ctx: Context) -> list[ScoreRecord]:
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(ScoreRecord)))


def _kiosk_events(ctx: Context) -> list[tuple[str, str, str | None]]:
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(AuditEvent).where(AuditEvent.resource == "kiosk")
                               .order_by(AuditEvent.id))
        return [(row.action, row.outcome, row.patient_pseudo_id) for row in rows]


def _locked_tablet(web_as: Clients, ctx: Context, pid: str) -> tuple[TestClient, str]:
    """A client handed over for an NRS of ``pid``, and the session cookie it held before."""
    client = web_as("alice")
    session = client.cookies[SESSION_COOKIE]
    page = hand_over(client, pid, "nrs")
    assert page.status_code == 200 and 'name="item-pain"' in page.text
    return client, session


def test_handing_over_ends_the_session_in_this_browser_and_is_audited(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client, _ = _locked_tablet(web_as, ctx, pid)
    assert SESSION_COOKIE not in client.cookies and KIOSK_COOKIE in client.cookies
    for path in ("/patients", f"/patients/{pid}", f"/patients/{pid}/assessments/new",
                 "/patients/new", "/dashboard", "/evidence", "/account", "/account/mfa"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/kiosk", path
    assert _kiosk_events(ctx) == [("create", "success", pid)]


def test_the_clinicians_session_cookie_is_refused_while_the_kiosk_cookie_is_there(
    web_as: Clients, app: FastAPI, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client, session = _locked_tablet(web_as, ctx, pid)
    # Even were the old session cookie put back by hand, the kiosk cookie wins.
    both = f"{SESSION_COOKIE}={session}; {KIOSK_COOKIE}={client.cookies[KIOSK_COOKIE]}"
    with TestClient(app, base_url="http://localhost", follow_redirects=False) as bare:
        for path in ("/patients", f"/patients/{pid}"):
            answer = bare.get(path, headers={"Cookie": both})
            assert answer.status_code == 303 and answer.headers["location"] == "/kiosk"


def test_the_kiosk_cannot_open_or_answer_another_patients_questionnaire(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid, other = _patient(ctx, actors), _patient(ctx, actors, "Lovelace")
    client, _ = _locked_tablet(web_as, ctx, pid)
    token = csrf_in(client.get("/kiosk").text)
    opened = client.get(f"/patients/{other}/assessments/new?instrument=nrs&mode=tablet")
    posted = client.post(f"/patients/{other}/assessments",
                         data={"csrf": token, "instrument": "nrs", "mode": "tablet",
                               "item-pain": "3"})
    handed = client.post(f"/patients/{other}/assessments/kiosk",
                         data={"csrf": token, "instrument": "nrs"})
    for answer in (opened, posted, handed):
        assert answer.status_code == 303 and answer.headers["location"] == "/kiosk"
    assert _stored(ctx) == []


def test_the_kiosk_refuses_another_instrument_and_answers_once(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client, _ = _locked_tablet(web_as, ctx, pid)
    token = csrf_in(client.get("/kiosk").text)
    other = client.post("/kiosk", data={"csrf": token, "instrument": "dn4", "item-burning": "yes"})
    assert other.status_code == 403 and "only the questionnaire" in other.text
    assert _stored(ctx) == []
    first = client.post("/kiosk", data={"csrf": token, "instrument": "nrs", "item-pain": "6"})
    assert first.status_code == 303
    again = client.post("/kiosk", data={"csrf": token, "instrument": "nrs", "item-pain": "2"})
    assert again.status_code == 303 and again.headers["location"] == "/kiosk"
    [row] = _stored(ctx)
    assert row.total == 6
    assert "Thank you" in client.get("/kiosk").text


def test_no_api_route_accepts_the_kiosk_cookie(
    web_as: Clients, app: FastAPI, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client, _ = _locked_tablet(web_as, ctx, pid)
    cookie = f"{KIOSK_COOKIE}={client.cookies[KIOSK_COOKIE]}"
    api = [(key, path) for key, path in declared_routes(app)
           if RULES[key].kind == "api" and RULES[key].use_case is not None]
    assert len(api) > 20
    with TestClient(app, base_url="http://localhost", follow_redirects=False) as bare:
        for key, path in api:
            url = re.sub(r"\{patient_id\}", pid, path)
            url = re.sub(r"\{[a-z_]+\}", "1", url)
            answer = bare.request(key.split(" ", 1)[0], url, headers={"Cookie": cookie})
            assert answer.status_code == 401, (key, answer.status_code)


def test_a_wrong_password_keeps_the_tablet_locked_and_is_counted(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client, _ = _locked_tablet(web_as, ctx, pid)
    page = client.get("/kiosk/unlock")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "alice@example.org" not in page.text and pid not in page.text
    token = csrf_in(page.text)
    for _ in range(3):
        wrong = client.post("/kiosk/unlock", data={"csrf": token, "password": "not hers at all"})
        assert wrong.status_code == 400 and "not right" in wrong.text
        assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
    # The login throttle counts them: the fourth within the minute waits (services/lockout.py).
    throttled = client.post("/kiosk/unlock", data={"csrf": token, "password": "still wrong"})
    assert throttled.status_code == 429 and throttled.headers["retry-after"]
    assert client.get("/patients").headers["location"] == "/kiosk"
    assert _kiosk_events(ctx)[1:] == [("login", "failure", pid)] * 3


def test_the_clinicians_password_unlocks_and_shows_the_result(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client, before = _locked_tablet(web_as, ctx, pid)
    token = csrf_in(client.get("/kiosk").text)
    client.post("/kiosk", data={"csrf": token, "instrument": "nrs", "item-pain": "6"})
    [row] = _stored(ctx)
    unlock = csrf_in(client.get("/kiosk/unlock").text)
    answer = client.post("/kiosk/unlock",
                         data={"csrf": unlock, "password": actors["alice"].password})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/patients/{pid}/assessments/{row.id}"
    assert KIOSK_COOKIE not in client.cookies and SESSION_COOKIE in client.cookies
    after = client.cookies[SESSION_COOKIE]
    # A fresh session (new id), but the login's 12 h absolute limit is not stretched.
    assert after != before
    assert session_login_time(ctx, after) == session_login_time(ctx, before) is not None
    result = client.get(answer.headers["location"])
    assert result.status_code == 200 and 'id="score-total">6<' in result.text
    assert _kiosk_events(ctx)[-1] == ("login", "success", pid)


def test_an_expired_kiosk_ends_on_the_login_page(
    web_as: Clients, ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = _patient(ctx, actors)
    client, _ = _locked_tablet(web_as, ctx, pid)
    monkeypatch.setattr(kiosk_service, "KIOSK_MINUTES", 0)
    for path in ("/kiosk", "/kiosk/unlock"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/", path
    assert KIOSK_COOKIE not in client.cookies
    assert client.get("/patients").headers["location"] == "/"  # no session came back


def test_the_account_page_links_the_second_factor_and_the_password(web_as: Clients) -> None:
    client = web_as("alice")
    patients = client.get("/patients").text
    assert '<a href="/account">Account</a>' in patients
    account = client.get("/account")
    assert account.status_code == 200
    assert 'href="/account/mfa"' in account.text and 'href="/account/password"' in account.text
