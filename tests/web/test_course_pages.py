"""Course pages through the test client: sections, Record session behind the screen, forms, PDFs."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
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
    assert "Haematoma or bruising" in shown and "Opioid dose today: 60 MME/day" in shown
    assert 'class="mme"' in shown
    # The drug field offers the medicine vocabulary; a brand is converted through its INN.
    assert '<input name="drug" list="medicine-names"' in shown
    alice.post(f"/patients/{pid}/medications/new", follow_redirects=False, data={
        "csrf": _csrf(page), "drug": "Transtec", "daily_dose": "35", "unit": "mcg/h",
        "start_on": "2025-06-01"})
    shown = alice.get(f"/patients/{pid}").text
    assert "no MME factor" in shown


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


_TYPED_INPUTS = {"day_platelets_per_ul", "day_inr", "day_labs_taken"}


@pytest.mark.parametrize(("typed", "field", "sentence"), [
    ({"day_platelets_per_ul": "-5"}, "day_platelets_per_ul",
     "The platelet count cannot be negative."),
    ({"day_inr": "2.1", "day_labs_taken": "2999-01-01"}, "day_labs_taken",
     "is after the session day"),
    ({"day_skin_region": "elbow"}, "day_skin_region",
     "The region of the new skin lesion must be one of: head, face"),
    ({"day_pregnant": "perhaps"}, "day_pregnant", "The pregnancy answer must be yes or no."),
])
def test_a_bad_day_fact_gets_a_sentence_on_its_field_keeps_what_was_typed_and_writes_nothing(
    web_as: Callable[[str], TestClient], ctx: Context, pid: str, typed: dict[str, str],
    field: str, sentence: str,
) -> None:
    alice = web_as("alice")
    data = _form(alice.get(f"/patients/{pid}/sessions/new").text)
    data |= {"on": START.isoformat(), "practitioner_qualification": "MD", **typed}
    for action in ("check", "record"):
        answer = alice.post(f"/patients/{pid}/sessions/new", data={**data, "action": action})
        assert answer.status_code == 422
        note = re.search(rf'<small class="error" id="{field}-error" role="alert">([^<]+)</small>',
                         answer.text)
        assert note and sentence in note.group(1).replace("&#39;", "'")
        for name, value in typed.items():  # what was typed in a text box is still there
            if name in _TYPED_INPUTS:
                assert re.search(rf'name="{name}" type="[a-z]+" value="{re.escape(value)}"',
                                 answer.text), name
        assert "day.labs" not in answer.text and "platelets_per_ul:" not in answer.text
    assert _sessions(ctx) == 0


def test_a_session_dated_after_today_is_not_recorded(
    web_as: Callable[[str], TestClient], ctx: Context, pid: str
) -> None:
    alice = web_as("alice")
    data = _form(alice.get(f"/patients/{pid}/sessions/new").text)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    data |= {"on": tomorrow, "practitioner_qualification": "MD", "action": "record"}
    answer = alice.post(f"/patients/{pid}/sessions/new", data=data)
    assert answer.status_code == 422
    assert re.search(r'id="on-error" role="alert">The session date is after today', answer.text)
    assert f'name="on" type="date" value="{tomorrow}"' in answer.text
    assert _sessions(ctx) == 0


def test_the_record_page_shows_where_each_known_value_came_from(
    web_as: Callable[[str], TestClient], pid: str
) -> None:
    alice = web_as("alice")
    data = _form(alice.get(f"/patients/{pid}/sessions/new").text)
    data |= {"on": START.isoformat(), "day_inr": "2.4", "action": "check"}
    page = alice.post(f"/patients/{pid}/sessions/new", data=data).text
    facts = page[page.index('id="day-facts"'):]
    when = f"{START.day} {START:%b %Y}"
    assert f"Platelets 162,000/µL — from the plan, {when}" in facts
    assert "INR 2.4 — entered today" in facts


def test_the_session_form_shows_a_planned_limit_and_refuses_a_depth_beyond_it(
    web_as: Callable[[str], TestClient], ctx: Context, actors: Any
) -> None:
    from acuneuro.services import planning

    from ..services.test_planning import assessed_case, new_patient

    alice_actor = actors["alice"].actor
    patient = new_patient(ctx, alice_actor)
    plan = planning.propose_plan(ctx, alice_actor, patient, assessed_case(), today=START)
    planning.edit_plan(ctx, alice_actor, patient, plan.id, {"add": [{
        "code": "GB20", "side": "both", "rationale": "occipital pain", "sources": ["s"],
        "danger_acknowledged": True, "max_depth_mm": 15, "angle": "oblique"}]})  # fmt: skip
    planning.accept_plan(ctx, alice_actor, patient, plan.id, START)
    alice = web_as("alice")
    page = alice.get(f"/patients/{patient}/sessions/new").text
    assert "<strong>GB20 Fengchi</strong>: needling limit at most 15 mm, oblique" in page
    data = _form(page) | {"on": START.isoformat(), "practitioner_qualification": "MD",
                          "depth_mm": "20", "action": "record"}
    assert "GB20|both" in data["points"]
    refused = alice.post(f"/patients/{patient}/sessions/new", data=data, follow_redirects=False)
    assert refused.status_code != 303 and "beyond its limit of 15 mm" in refused.text
    assert _sessions(ctx) == 0


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
