"""Course pages through the test client: sections, Record session behind the screen, forms, PDFs."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from acuneuro.services import Context, assessment
from acuneuro.store import TreatmentSession

from ..services._course import START, accepted_patient, day


@pytest.fixture
def pid(ctx: Context, actors: Any) -> str:
    return accepted_patient(ctx, actors["alice"].actor)


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _form(page: str) -> dict[str, Any]:
    """The record form as the browser would send it: inputs, selected options, ticked boxes."""
    form = page[page.index('<form method="post" action="/patients/'):]
    data: dict[str, Any] = {}
    for name, value in re.findall(r'<input id="[^"]+" name="([^"]+)" type="[^"]+" value="([^"]*)"',
                                  form):
        if value:
            data[name] = value
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = chosen.group(1) if chosen else re.findall(r'value="([^"]*)"', body)[0]
    data["points"] = re.findall(r'name="points" value="([^"]+)" checked', form)
    data["csrf"] = _csrf(page)
    return data


def _sessions(ctx: Context) -> int:
    with ctx.db.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(TreatmentSession)) or 0


def test_the_patient_page_shows_the_course_and_outcome_sections(
    web_as: Callable[[str], TestClient], pid: str
) -> None:
    page = web_as("alice").get(f"/patients/{pid}").text
    assert 'id="section-course"' in page and 'id="section-course-outcomes"' in page
    assert f'href="/patients/{pid}/sessions/new"' in page
    assert f'href="/patients/{pid}/report.pdf?kind=referrer"' in page
    assert "0 attended, 0 missed, 0 cancelled" in page


def test_recording_a_session_from_the_prefilled_form(
    web_as: Callable[[str], TestClient], ctx: Context, pid: str
) -> None:
    alice = web_as("alice")
    page = alice.get(f"/patients/{pid}/sessions/new").text
    data = _form(page)
    assert "EX-LE10|both" in data["points"] and data["attendance"] == "attended"
    data |= {"on": START.isoformat(), "practitioner_qualification": "MD", "action": "record"}
    answer = alice.post(f"/patients/{pid}/sessions/new", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:2000]
    assert _sessions(ctx) == 1
    shown = alice.get(f"/patients/{pid}").text
    assert shown.count('class="session-marker"') == 1
    assert "1 attended" in shown


def test_an_unacknowledged_caution_is_refused_on_the_page_and_nothing_is_written(
    web_as: Callable[[str], TestClient], ctx: Context, pid: str
) -> None:
    alice = web_as("alice")
    data = _form(alice.get(f"/patients/{pid}/sessions/new").text)
    data |= {"on": START.isoformat(), "practitioner_qualification": "MD",
             "day_platelets_per_ul": "30000", "day_labs_taken": START.isoformat()}
    checked = alice.post(f"/patients/{pid}/sessions/new", data={**data, "action": "check"})
    assert checked.status_code == 200
    assert 'name="ack" value="thrombocytopenia"' in checked.text
    refused = alice.post(f"/patients/{pid}/sessions/new", data={**data, "action": "record"})
    assert refused.status_code == 400
    assert "caution thrombocytopenia is not acknowledged" in refused.text
    assert _sessions(ctx) == 0
    done = alice.post(f"/patients/{pid}/sessions/new", follow_redirects=False,
                      data={**data, "action": "record", "ack": ["thrombocytopenia"]})
    assert done.status_code == 303 and _sessions(ctx) == 1


def test_adverse_event_and_medication_forms(
    web_as: Callable[[str], TestClient], pid: str
) -> None:
    alice = web_as("alice")
    page = alice.get(f"/patients/{pid}/adverse-events/new").text
    made = alice.post(f"/patients/{pid}/adverse-events/new", follow_redirects=False, data={
        "csrf": _csrf(page), "on": START.isoformat(), "type": "haematoma", "grade": "1",
        "relatedness": "probable", "action": "pressure_applied", "outcome": "resolved"})
    assert made.status_code == 303
    bad = alice.post(f"/patients/{pid}/adverse-events/new", data={
        "csrf": _csrf(page), "on": START.isoformat(), "type": "other", "grade": "1",
        "relatedness": "probable", "action": "none", "outcome": "resolved"})
    assert bad.status_code == 422 and "describe an event" in bad.text
    added = alice.post(f"/patients/{pid}/medications/new", follow_redirects=False, data={
        "csrf": _csrf(page), "drug": "oxycodone", "daily_dose": "40", "unit": "mg",
        "start_on": "2025-06-01"})
    assert added.status_code == 303
    shown = alice.get(f"/patients/{pid}").text
    assert "haematoma" in shown and "Opioid dose today: 60 MME/day" in shown
    assert 'class="mme"' in shown


def test_the_report_links_give_pdfs_and_refuse_an_unknown_kind(
    web_as: Callable[[str], TestClient], pid: str
) -> None:
    alice = web_as("alice")
    for kind in ("patient", "referrer"):
        answer = alice.get(f"/patients/{pid}/report.pdf?kind={kind}")
        assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
        assert answer.headers["content-type"] == "application/pdf"
    assert alice.get(f"/patients/{pid}/report.pdf?kind=insurer").status_code == 422
    assert web_as("charlie").get(f"/patients/{pid}/report.pdf").status_code == 404


def test_the_outcome_table_names_a_rise_in_pain_worse_in_words_not_codes(
    web_as: Callable[[str], TestClient], ctx: Context, actors: Any, pid: str
) -> None:
    alice = actors["alice"].actor
    for on, pain in ((START - timedelta(days=1), 4), (day(14), 6)):
        assessment.record_score(ctx, alice, pid, {"instrument": "nrs", "answers": {"pain": pain},
                                                  "taken_on": on.isoformat()})
    page = web_as("alice").get(f"/patients/{pid}").text
    cell = re.search(r'<td class="immpact">(.*?)</td>', page, re.S)
    assert cell is not None
    # 4 -> 6 is a 50% rise: worse (design choice, labelled), never "no meaningful change".
    assert cell.group(1).startswith("worse than before treatment")
    assert "design choice" in cell.group(1)
    assert "no meaningful change" not in cell.group(1) and "_" not in cell.group(1)
