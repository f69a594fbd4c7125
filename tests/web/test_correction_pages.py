"""Correction pages: the records section with each record's history, the correction form with
a sentence on the field and what was typed kept, and the session form's confirmation box."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from acuneuro.services import Context, course, medication, sessions
from acuneuro.store import RecordRevision, TreatmentSession

from ..services._course import START, accepted_patient, day, session
from .test_course_pages import _form


@pytest.fixture
def pid(ctx: Context, actors: Any) -> str:
    return accepted_patient(ctx, actors["alice"].actor)


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _count(ctx: Context, table: Any) -> int:
    with ctx.db.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(table)) or 0


def test_a_medicine_is_corrected_and_its_history_shows_on_the_patient_page(
    web_as: Callable[[str], TestClient], ctx: Context, actors: Any, pid: str
) -> None:
    drug = medication.add_medication(ctx, actors["alice"].actor, pid, {
        "drug": "tramadol", "daily_dose": 100, "unit": "mg", "start_on": START.isoformat()})
    alice = web_as("alice")
    url = f"/patients/{pid}/records/medicine/{drug.id}"
    page = alice.get(url).text
    assert 'value="100.0"' in page or 'value="100"' in page
    answer = alice.post(url, data={"csrf": _csrf(page), "version": "1", "action": "amend",
                                   "drug": "tramadol", "daily_dose": "50", "unit": "mg",
                                   "start_on": START.isoformat(), "stop_on": "",
                                   "reason": "Dose from the pharmacy list"})
    assert answer.status_code == 303, answer.text[:3000]
    done = alice.get(answer.headers["location"]).text
    assert 'id="saved"' in done and "Dose from the pharmacy list" in done
    assert "<del>100</del> became 50" in done
    patient = html.unescape(alice.get(f"/patients/{pid}").text)
    assert 'id="section-records"' in patient and "tramadol 50 mg a day" in patient
    assert "History (1)" in patient


def test_a_bad_correction_gets_a_sentence_on_its_field_keeps_what_was_typed_and_writes_nothing(
    web_as: Callable[[str], TestClient], ctx: Context, actors: Any, pid: str
) -> None:
    view = sessions.record_session(ctx, actors["alice"].actor, pid, session())
    alice = web_as("alice")
    url = f"/patients/{pid}/records/session/{view.id}"
    page = alice.get(url).text
    answer = alice.post(url, data={"csrf": _csrf(page), "version": "1", "action": "amend",
                                   "occurred_on": "2999-01-01", "session_minutes": "40",
                                   "deviation": "typed by me", "reason_not_attended": "",
                                   "reason": "Wrong date"})
    assert answer.status_code == 422
    text = html.unescape(answer.text)
    assert re.search(r'<p class="error" id="occurred_on-error">The session date \(.+\) is '
                     r"after today", text)
    assert 'value="2999-01-01"' in text and "typed by me" in text and "Wrong date" in text
    no_reason = alice.post(url, data={"csrf": _csrf(page), "action": "error", "reason": ""})
    assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.text
    assert _count(ctx, RecordRevision) == 0


def test_an_adverse_event_entered_in_error_is_struck_through_and_leaves_the_table(
    web_as: Callable[[str], TestClient], ctx: Context, actors: Any, pid: str
) -> None:
    event = course.add_adverse_event(ctx, actors["alice"].actor, pid, {
        "on": START.isoformat(), "type": "haematoma", "grade": 1, "relatedness": "probable",
        "action": "none", "outcome": "resolved"})
    alice = web_as("alice")
    url = f"/patients/{pid}/records/adverse-event/{event.id}"
    page = alice.get(url).text
    answer = alice.post(url, data={"csrf": _csrf(page), "version": "1", "action": "error",
                                   "reason": "Entered on the wrong patient"})
    assert answer.status_code == 303
    patient = alice.get(f"/patients/{pid}").text
    assert "No adverse event recorded." in patient
    assert re.search(r"<del>Haematoma or bruising on .+, grade 1</del>", patient)
    assert "Entered on the wrong patient" in patient


def test_a_proposed_plan_is_withdrawn_from_the_plan_page(
    web_as: Callable[[str], TestClient], ctx: Context, actors: Any, pid: str
) -> None:
    from acuneuro.services import planning

    from ..services.test_planning import assessed_case

    plan = planning.propose_plan(ctx, actors["alice"].actor, pid, assessed_case(),
                                 today=day(0))
    alice = web_as("alice")
    assert f"/records/plan/{plan.id}" in alice.get(f"/patients/{pid}/plan").text
    url = f"/patients/{pid}/records/plan/{plan.id}"
    page = alice.get(url).text
    answer = alice.post(url, data={"csrf": _csrf(page), "action": "withdraw",
                                   "reason": "Drafted twice"})
    assert answer.status_code == 303
    assert f"Plan {plan.id}</a>" not in alice.get(f"/patients/{pid}/plan").text


def test_a_second_session_on_one_day_asks_for_a_confirmation_on_the_form(
    web_as: Callable[[str], TestClient], ctx: Context, actors: Any, pid: str
) -> None:
    sessions.record_session(ctx, actors["alice"].actor, pid, session(START))
    alice = web_as("alice")
    data = _form(alice.get(f"/patients/{pid}/sessions/new").text)
    data |= {"on": START.isoformat(), "practitioner_qualification": "MD", "action": "record"}
    asked = alice.post(f"/patients/{pid}/sessions/new", data=data)
    assert asked.status_code == 409 and 'id="confirm-needed"' in asked.text
    assert "An attended session is already recorded on" in html.unescape(asked.text)
    assert _count(ctx, TreatmentSession) == 1
    done = alice.post(f"/patients/{pid}/sessions/new", data={**data, "confirm": "yes"})
    assert done.status_code == 303
    assert _count(ctx, TreatmentSession) == 2
