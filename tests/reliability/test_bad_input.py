"""Every bad input an outside test found is a 4xx, and stored extremes no longer break a page.

Issue 13 findings, one test each: Unicode digits and ids past the column's range in paths,
dates outside 1900-2100, free text over its limit, and values stored before the limits (a
medication stopped on 9999-12-31, a 100 KB adverse-event description) that must still show
and print.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.services._course import START, accepted_patient

from acuneuro.reports._pdfkit import MAX_TEXT_CHARS
from acuneuro.services import Context
from acuneuro.services._input_limits import MAX_TEXT
from acuneuro.store import AdverseEventRecord, MedicationStatementRecord

SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def pid(ctx: Context, actors: Any) -> str:
    return accepted_patient(ctx, actors["alice"].actor)


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_unicode_digits_and_ids_past_the_column_are_not_found(
    api_as: Callable[[str], TestClient], web_as: Callable[[str], TestClient], pid: str
) -> None:
    api = api_as("alice")
    for path in ("/fhir/Observation/%C2%B2", "/fhir/Observation/%D9%A3",
                 "/fhir/QuestionnaireResponse/99999999999999999999",
                 "/fhir/Observation/9223372036854775808"):
        assert api.get(path).status_code == 404, path
    for tail in ("plans/99999999999999999999", "plans/%C2%B2"):
        assert api.get(f"/api/v1/patients/{pid}/{tail}").status_code in (404, 422), tail
    web = web_as("alice")
    for tail in ("assessments/99999999999999999999", "assessments/%C2%B2",
                 "assessments/2147483648"):
        answer = web.get(f"/patients/{pid}/{tail}")
        assert answer.status_code == 404, (tail, answer.text[:200])
        assert "text/html" in answer.headers["content-type"]


@pytest.mark.parametrize("field", ["start_on", "stop_on"])
def test_a_medication_date_outside_1900_to_2100_is_refused_naming_it(
    api_as: Callable[[str], TestClient], pid: str, field: str
) -> None:
    api = api_as("alice")
    body = {"drug": "pregabalin", "daily_dose": 150, "unit": "mg", "start_on": "2026-01-01",
            field: "9999-12-31"}
    answer = api.post(f"/api/v1/patients/{pid}/medications", json=body)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"][0]
    assert detail["loc"] == ["body", field] and "2100-12-31" in detail["msg"]


def test_free_text_over_its_limit_is_refused_and_a_2_kb_description_is_printed(
    api_as: Callable[[str], TestClient], web_as: Callable[[str], TestClient], pid: str
) -> None:
    api = api_as("alice")
    event = {"on": START.isoformat(), "type": "other", "grade": 1, "relatedness": "possible",
             "action": "none", "outcome": "resolved"}
    long = api.post(f"/api/v1/patients/{pid}/adverse-events",
                    json={**event, "description": "x" * (MAX_TEXT + 1)})
    assert long.status_code == 422
    assert long.json()["detail"][0]["loc"] == ["body", "description"]
    two_kb = " ".join(["bruising and soreness"] * 100)[:2048]
    assert api.post(f"/api/v1/patients/{pid}/adverse-events",
                    json={**event, "description": two_kb}).status_code == 201
    web = web_as("alice")
    page = web.get(f"/patients/{pid}/adverse-events/new").text
    form = web.post(f"/patients/{pid}/adverse-events/new",
                    data={**event, "grade": "1", "csrf": _csrf(page),
                          "description": "y" * (MAX_TEXT + 1)})
    assert form.status_code == 422 and "description" in form.text
    for kind in ("patient", "referrer"):
        report = web.get(f"/patients/{pid}/report.pdf?kind={kind}")
        assert report.status_code == 200 and report.content.startswith(b"%PDF")


@SQLITE
def test_values_stored_before_the_limits_still_show_and_print(
    ctx: Context, api_as: Callable[[str], TestClient], web_as: Callable[[str], TestClient],
    pid: str,
) -> None:
    api = api_as("alice")
    made = api.post(f"/api/v1/patients/{pid}/medications", json={
        "drug": "oxycodone", "daily_dose": 20, "unit": "mg", "start_on": "2026-01-01"})
    assert made.status_code == 201, made.text
    assert api.post(f"/api/v1/patients/{pid}/adverse-events", json={
        "on": START.isoformat(), "type": "other", "grade": 1, "relatedness": "possible",
        "action": "none", "outcome": "resolved", "description": "short"}).status_code == 201
    hundred_kb = " ".join(f"word{i}" for i in range(20_000))[:100_000] + "z" * 5000
    with ctx.db.write() as session:  # as an older version, or a direct database edit, left them
        session.execute(sa.update(MedicationStatementRecord).values(
            stop_on=sa.func.date("9999-12-31")))
        session.execute(sa.update(AdverseEventRecord).values(note=hundred_kb))
    web = web_as("alice")
    page = web.get(f"/patients/{pid}")
    assert page.status_code == 200 and "oxycodone" in page.text
    for kind in ("patient", "referrer"):
        started = time.monotonic()
        report = web.get(f"/patients/{pid}/report.pdf?kind={kind}")
        assert report.status_code == 200 and report.content.startswith(b"%PDF")
        assert time.monotonic() - started < 30
    assert len(hundred_kb) > MAX_TEXT_CHARS


@SQLITE
def test_unicode_digits_in_a_web_form_are_refused_not_read_as_numbers(
    web_as: Callable[[str], TestClient], api_as: Callable[[str], TestClient], pid: str
) -> None:
    # float("\u0663") is 3.0 in Python: a score of "three" in Arabic-Indic digits was stored.
    web = web_as("alice")
    page = web.get(f"/patients/{pid}/assessments/new?instrument=nrs").text
    answer = web.post(f"/patients/{pid}/assessments", data={
        "csrf": _csrf(page), "instrument": "nrs", "mode": "clinician", "item-pain": "\u0663"})
    assert 400 <= answer.status_code < 500, answer.status_code
    assert "pain" in answer.text
    assert api_as("alice").get(f"/api/v1/patients/{pid}/scores").json()["count"] == 0
