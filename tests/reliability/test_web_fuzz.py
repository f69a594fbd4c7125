"""Hypothesis posts weird values to every web form, with a valid CSRF token: never a 5xx.

The API has schemathesis (``test_api_fuzz.py``); the web forms have no schema, so their fields
are read from the pages that hold them (every ``<form action=...>`` of every GET page) plus
the route matrix's example form. Values: arbitrary Unicode text with NUL and control
characters, text over every limit, huge and odd numbers, impossible and extreme dates,
Unicode digits, repeated fields, and path ids past the column's range (issue 13, item 7).
"""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import hypothesis.strategies as st
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from tests.security._matrix import RULES, declared_routes
from tests.security._world import ALICE_PATIENT, make_holding

from acuneuro.services import Context
from acuneuro.services.accounts import issue_session

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

EXAMPLES = 150  # per form: 12 forms -> 1,800 requests (plus the page reads that find the fields)
MIN_REQUESTS = 1700
# The login forms run last and shorter, as an anonymous caller (each wrong password costs an
# Argon2 hash and feeds the lockout); logout last of all, since it ends the session.
LOGIN_FORMS = ("/login", "/login/mfa", "/login/mfa/enrol", "/logout")
LOGIN_EXAMPLES = {"/login": 6, "/login/mfa": 20, "/login/mfa/enrol": 20, "/logout": 10}

_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_NAME = re.compile(r'name="([^"]+)"')

_DATES = st.sampled_from([
    "0001-01-01", "1899-12-31", "1900-01-01", "2100-12-31", "2101-01-01", "9999-12-31",
    "2026-02-30", "2026-13-01", "26-1-1", "2026-01-01T10:00:00", "²⁰²⁶-⁰¹-⁰¹",
    "\u0661\u0669\u0666\u0660-\u0660\u0661-\u0660\u0661", "-2026-01-01", "",
    date.today().isoformat(),
])
_NUMBERS = st.one_of(
    st.sampled_from(["0", "-1", "1e308", "-1e308", "1e-320", "nan", "inf", "-inf", "9" * 30,
                     "99999999999999999999", "2147483648", "9223372036854775808", "0x10",
                     "1_000", "²", "\u0663", "1.5", " 7 ", ""]),
    st.integers().map(str),
    st.floats().map(repr),
)
_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20).map(lambda t: t + "\x00"),
    st.sampled_from(["x" * 4001, "y" * 20_000, "\u202e\u0000", "<script>", "' OR 1=1 --",
                     "\ud7ff\ue000\U0010ffff", " ", "\r\n"]),
)
_VALUE = st.one_of(_TEXT, _NUMBERS, _DATES)
_IDS = st.sampled_from(["99999999999999999999", "%C2%B2", "0", "-1", "2147483648", "x"])


def _post_routes(app: FastAPI) -> list[str]:
    # /oauth/token is the token endpoint of other systems (form-encoded by OAuth), not a page.
    routes = [t for k, t in declared_routes(app)
              if k.startswith("POST ") and not t.startswith(("/api/", "/fhir", "/oauth/"))]
    return [t for t in routes if t not in LOGIN_FORMS]


# Buttons whose form carries no field but the token: only their path ids can be odd.
BODILESS = {"/evidence/library/{entry_id}/verify", "/appointments/{appointment_id}/{action}",
            "/clinic/practitioners/{practitioner_id}/feed"}


def _fill(template: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        template = template.replace("{" + name + "}", value)
    return template


def _field_names(client: TestClient, app: FastAPI, ids: dict[str, str]) -> dict[str, set[str]]:
    """Field names of each form action, read from every GET page of the app."""
    names: dict[str, set[str]] = {}
    for key, template in declared_routes(app):
        if not key.startswith("GET ") or template.startswith(("/api/", "/fhir", "/static")):
            continue
        path = _fill(template, ids)
        if "{" in path:
            continue
        page = client.get(path)
        if "text/html" not in page.headers.get("content-type", ""):
            continue
        for action, body in _FORM.findall(page.text):
            names.setdefault(action.split("?")[0], set()).update(_NAME.findall(body))
    return names


def _template_of(action: str, routes: list[str], ids: dict[str, str]) -> str | None:
    return next((t for t in routes if _fill(t, ids) == action), None)


def _fuzz_form(client: TestClient, csrf: str, template: str, names: list[str],
               example: dict[str, str], ids: dict[str, str],
               examples: int = EXAMPLES) -> tuple[int, list[str]]:
    """Post ``examples`` generated forms to one route; answer (requests, failures)."""
    made = 0
    failures: list[str] = []

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(changes=st.dictionaries(st.sampled_from(names),
                                   st.lists(_VALUE, min_size=1, max_size=2), max_size=len(names)),
           keep_example=st.booleans(), odd_id=st.one_of(st.none(), _IDS))
    def fuzz(changes: dict[str, list[str]], keep_example: bool, odd_id: str | None) -> None:
        nonlocal made
        form: dict[str, Any] = dict(example) if keep_example else {}
        form.update({k: v[0] if len(v) == 1 else v for k, v in changes.items()})
        form["csrf"] = csrf
        path_ids = ids if odd_id is None else {**ids, "plan_id": odd_id, "score_id": odd_id}
        made += 1
        answer = client.post(_fill(template, path_ids), data=form)
        if answer.status_code >= 500:
            failures.append(f"{template} {answer.status_code} with {form!r:.300}")
        assert answer.status_code < 500

    with contextlib.suppress(AssertionError):  # collected in failures, reported by the caller
        fuzz()
    return made, failures


@pytest.fixture
def alice_web(app: FastAPI, ctx: Context, actors: Any) -> Iterator[tuple[TestClient, str]]:
    csrf = "c" * 43
    client = TestClient(app, base_url="http://localhost", follow_redirects=False)
    client.cookies.set("acuneuro_csrf", csrf)
    client.cookies.set("acuneuro_session", issue_session(ctx, actors["alice"].actor))
    yield client, csrf
    client.close()


def test_no_generated_web_form_makes_the_server_fail(
    app: FastAPI, ctx: Context, actors: Any, alice_web: tuple[TestClient, str]
) -> None:
    client, csrf = alice_web
    holding = make_holding(ctx, actors["alice"].actor, ALICE_PATIENT)
    ids = {**holding.ids(), "family_name": "Quasth"}
    routes = _post_routes(app)
    assert len(routes) >= 10, routes
    scraped = _field_names(client, app, ids)
    fields: dict[str, list[str]] = {}
    for template in routes:
        rule = RULES.get(f"POST {template}")
        example = rule.form(ids) if rule is not None and rule.form is not None else {}
        action = _fill(template, ids)
        fields[template] = sorted((scraped.get(action, set()) | set(example)) - {"csrf"})
    unreached = [t for t in routes if not fields[t] and t not in BODILESS]
    for template in BODILESS & set(routes):
        fields[template] = fields[template] or ["unexpected"]  # a field the button never sends
    assert unreached == [], f"no field names known for {unreached}"

    made = 0
    failures: list[str] = []
    started = time.monotonic()
    for template in routes:
        rule = RULES.get(f"POST {template}")
        example = {k: str(v) for k, v in (rule.form(ids) if rule and rule.form else {}).items()}
        count, failed = _fuzz_form(client, csrf, template, fields[template], example, ids)
        made += count
        failures += failed
    anonymous = TestClient(app, base_url="http://localhost", follow_redirects=False)
    anonymous.cookies.set("acuneuro_csrf", csrf)
    for template in LOGIN_FORMS:
        names = sorted({"email", "password", "code", "next"})
        for who in (anonymous, client) if template == "/logout" else (anonymous,):
            count, failed = _fuzz_form(who, csrf, template, names, {}, ids,
                                       LOGIN_EXAMPLES[template])
            made += count
            failures += failed
    anonymous.close()
    elapsed = time.monotonic() - started
    sys.stdout.write(f"\nweb-fuzz[sqlite]: {made} requests over "
                     f"{len(routes) + len(LOGIN_FORMS)} forms in "
                     f"{elapsed:.0f} s, {len(failures)} answers >= 500\n")
    assert failures == [], "\n".join(failures[:20])
    assert made >= MIN_REQUESTS
