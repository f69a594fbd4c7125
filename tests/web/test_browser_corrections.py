"""End to end in headless Chromium: a clinician corrects a session and reads its history."""

from __future__ import annotations

from typing import Any

import pytest

from acuneuro.services import sessions

from ..services._course import START, accepted_patient, day, session

pytestmark = pytest.mark.browser


def test_a_session_is_corrected_with_a_reason_and_its_history_is_shown(
    logged_in_page: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    alice = live_server.accounts["alice"].actor
    pid = accepted_patient(live_server.ctx, alice)
    sessions.record_session(live_server.ctx, alice, pid, session(START))
    page = logged_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/patients/{pid}")
    records = page.locator("#section-records")
    records.get_by_text("Sessions (1)").click()
    records.get_by_role("link", name="Correct").click()

    # A date after today: a sentence on the field, what was typed kept, nothing saved.
    page.get_by_label("Session date").fill("2999-01-01")
    page.get_by_label("Deviation from plan").fill("late start")
    page.get_by_label("Reason for the correction").fill("Typed the wrong day")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#occurred_on-error")).to_contain_text("is after today")
    expect(page.get_by_label("Session date")).to_have_value("2999-01-01")
    expect(page.get_by_label("Deviation from plan")).to_have_value("late start")
    expect(page.get_by_label("Reason for the correction")).to_have_value("Typed the wrong day")
    assert len(sessions.list_sessions(live_server.ctx, alice, pid)) == 1
    assert sessions.list_sessions(live_server.ctx, alice, pid)[0].on == START

    page.get_by_label("Session date").fill(day(1).isoformat())
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#saved")).to_be_visible()
    history = page.locator("ol.history > li")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("Typed the wrong day")
    expect(history).to_contain_text("alice@example.org")
    overflow = page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth")
    assert overflow <= 0

    page.get_by_role("link", name="Back to the patient").click()
    records.get_by_text("Sessions (1)").click()
    records.get_by_text("History (1)").click()
    expect(records.locator("ol.history")).to_contain_text("Typed the wrong day")
    assert sessions.list_sessions(live_server.ctx, alice, pid)[0].on == day(1)
