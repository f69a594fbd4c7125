"""End to end in headless Chromium: a clinician records a session and sees the chart update."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from acuneuro.services import sessions

from ..services._course import START, accepted_patient, session

pytestmark = pytest.mark.browser


def test_recording_a_session_adds_a_marker_to_the_chart(
    logged_in_page: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    alice = live_server.accounts["alice"].actor
    pid = accepted_patient(live_server.ctx, alice)
    sessions.record_session(live_server.ctx, alice, pid, session(START))  # the chart exists
    page = logged_in_page
    page.goto(f"{live_server.url}/patients/{pid}")
    markers = page.locator("#section-course-outcomes svg line.session-marker")
    expect(markers).to_have_count(1)
    expect(page.locator("#adherence")).to_contain_text("1 attended")

    page.locator("#section-course").get_by_role("link", name="Record session").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Record session")
    expect(page.get_by_label("EX-LE10 (both)")).to_be_checked()
    # The plan was assessed 50 days ago: facts past their windows are not assessed today.
    expect(page.locator("#screen-title")).to_contain_text("caution")
    expect(page.locator("#day-facts li", has_text="Medication list")).to_contain_text(
        "not assessed today")
    page.get_by_label("Skin at the needle sites inspected today").select_option("yes")
    page.get_by_label("Medication list reviewed today").select_option("yes")
    page.get_by_role("button", name="Check today's screen").click()
    for fact in ("Skin at the needle sites", "Medication list"):
        expect(page.locator("#day-facts li", has_text=fact)).to_contain_text("entered today")
    for box in page.locator("input[name=ack]").all():
        box.check()
    page.get_by_label("Date", exact=True).fill(date.today().isoformat())
    page.get_by_label("Qualification").fill("Physician acupuncturist")
    page.get_by_role("button", name="Record session").click()

    page.wait_for_url(f"{live_server.url}/patients/{pid}#section-course")
    expect(page.locator("#adherence")).to_contain_text("2 attended")
    expect(markers).to_have_count(2)
    expect(page.get_by_role("img", name="Scores over the course, sessions marked")).to_be_visible()


def test_todays_inr_alone_keeps_the_plans_platelet_finding_with_its_date(
    logged_in_page: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    alice = live_server.accounts["alice"].actor
    planned = date.today() - timedelta(days=2)
    pid = accepted_patient(live_server.ctx, alice, planned, platelets_per_ul=42000)
    page = logged_in_page
    page.goto(f"{live_server.url}/patients/{pid}/sessions/new")
    page.get_by_label("INR").fill("2.4")
    page.get_by_role("button", name="Check today's screen").click()

    facts = page.locator("#day-facts li")
    when = f"{planned.day} {planned:%b %Y}"
    expect(facts.filter(has_text="Platelets")).to_have_text(
        f"Platelets 42,000/µL — from the plan, {when}")
    expect(facts.filter(has_text="INR")).to_have_text("INR 2.4 — entered today")
    expect(page.locator("input[name=ack][value=thrombocytopenia]")).to_have_count(1)
    expect(page.get_by_label("INR")).to_have_value("2.4")
