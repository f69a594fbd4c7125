"""Acceptance (issue 14): from the home page at 1366x768, "record today's session for a
returning patient" takes at most 3 clicks and no scrolling to reach a pre-filled form."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from acuneuro.services import sessions
from acuneuro.services.accounts import add_clinic, add_user
from acuneuro.services.appointments import book
from acuneuro.services.clinic_calendar import save_calendar
from acuneuro.services.course import actor_by_email
from acuneuro.services.practitioners import ProfileIn, save_profile
from acuneuro.store import Role

from ..services._course import accepted_patient, session

pytestmark = pytest.mark.browser

_PASSWORD = "a long passphrase for the today list test"


def _clinic_with_a_day(live_server: Any) -> tuple[str, str]:
    """A clinic of its own (open every day), its clinician with a profile, a returning
    patient (one session recorded a week ago) booked today, and three others around it."""
    ctx = live_server.ctx
    add_clinic(ctx, "Today Clinic")
    add_user(ctx, clinic="Today Clinic", email="tara@today.example", role=Role.CLINICIAN,
             password=_PASSWORD)
    add_user(ctx, clinic="Today Clinic", email="adam@today.example", role=Role.ADMIN,
             password=_PASSWORD)
    admin, tara = actor_by_email(ctx, "adam@today.example"), actor_by_email(
        ctx, "tara@today.example")
    save_calendar(ctx, admin, {
        "hours": [{"weekday": d, "opens": "08:00", "closes": "19:00"} for d in range(7)],
        "appointment_minutes": 30, "timezone": "Europe/Rome"})
    practitioner = save_profile(ctx, admin, tara.email, ProfileIn(
        display_name="Dr Tara Today", qualification="MD, acupuncture", registration_number="T-1"))
    today = date.today()
    returning = accepted_patient(ctx, tara, start=today - timedelta(days=7))
    sessions.record_session(ctx, tara, returning, session(today - timedelta(days=7)))
    for at, pid in (("08:00", accepted_patient(ctx, tara, start=today)), ("08:30", returning),
                    ("09:00", accepted_patient(ctx, tara, start=today)),
                    ("09:30", accepted_patient(ctx, tara, start=today))):
        book(ctx, tara, {"patient": pid, "practitioner_id": practitioner.id,
                         "on_day": today.isoformat(), "starts": at})
    return tara.email, returning


def test_todays_session_for_a_returning_patient_is_one_click_from_home_without_scrolling(
    browser: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    email, returning = _clinic_with_a_day(live_server)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(live_server.url + "/today")  # the home page

        clicks = 0
        row = page.locator("tr.today-row", has_text="08:30–09:00")
        expect(row).to_contain_text("Session 2")
        link = row.get_by_role("link", name="Record session")
        box = link.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 768
        assert page.evaluate("window.scrollY") == 0
        link.click()
        clicks += 1

        page.wait_for_url(f"{live_server.url}/patients/{returning}/sessions/new")
        assert clicks <= 3
        expect(page.get_by_role("heading", level=1)).to_contain_text("Record session")
        # Pre-filled: today, the next session number, the profile's signature, the points.
        expect(page.locator("#on")).to_have_value(date.today().isoformat())
        expect(page.locator("#number")).to_have_value("2")
        expect(page.locator("#practitioner_name")).to_have_value("Dr Tara Today")
        expect(page.locator("#practitioner_qualification")).to_have_value("MD, acupuncture")
        expect(page.get_by_label("EX-LE10 (both)")).to_be_checked()
        assert page.evaluate("window.scrollY") == 0
    finally:
        context.close()
