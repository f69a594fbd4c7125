"""End to end in headless Chromium: a clinician plans acupuncture for a patient on chemotherapy
without a recent blood count, sees the safety findings before the body map, and accepts it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete

from acuneuro.services.clinic_calendar import save_calendar
from acuneuro.store import ClinicCalendarRecord

pytestmark = pytest.mark.browser


def test_a_clinician_sees_the_body_map_and_the_safety_findings_and_accepts_the_plan(
    logged_in_page: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    page = logged_in_page
    page.get_by_role("link", name="New patient").first.click()
    page.get_by_label("Given name").fill("Clara")
    page.get_by_label("Family name").fill("Mapview")
    page.get_by_label("Date of birth").fill("1962-04-18")
    page.get_by_label("Condition", exact=True).select_option("cipn")
    page.get_by_label("ICD-10 code").fill("G62.0")
    page.get_by_role("button", name="Create patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mapview, Clara")
    patient_url = page.url

    page.get_by_role("link", name="Plan acupuncture").click()
    page.get_by_label("foot").select_option("both")
    page.get_by_label("Chemotherapy", exact=True).select_option("active")
    page.get_by_label("Agents").fill("oxaliplatin")
    page.get_by_role("button", name="Propose a plan").click()
    assert re.search(r"/plan\?plan=\d+$", page.url)

    safety = page.locator("#safety")
    expect(safety).to_contain_text("Safety findings: CAUTION")
    # Active chemotherapy and no blood count: a caution naming what is missing.
    expect(safety.locator(".cautions li").first).to_be_visible()
    expect(safety).to_contain_text("neutrophils and platelets")
    # A group, not an img: an img's children are presentational and its point links unreachable.
    bodymap = page.get_by_role("group", name=re.compile(r"^Acupuncture plan body map"))
    expect(bodymap).to_be_visible()
    expect(page.locator("svg circle.point").first).to_be_visible()
    assert page.locator("svg circle.point").count() >= 4
    # Safety findings come first on the page, before the map and the points.
    boxes = [page.locator(s).bounding_box() for s in ("#safety", "figure.bodymap", "table.points")]
    assert all(boxes) and boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]

    # Sessions fall only on days the clinic is open: open it every day for the acceptance, so
    # that session 1 is due today whatever day the suite runs (the default closes on Sunday).
    ctx, admin = live_server.ctx, live_server.accounts["erin"].actor
    save_calendar(ctx, admin, {
        "hours": [{"weekday": d, "opens": "08:00", "closes": "19:00"} for d in range(7)],
        "timezone": "Europe/Rome"})  # fmt: skip
    try:
        page.get_by_label("First session on").fill(date.today().isoformat())
        page.get_by_role("button", name="Accept plan").click()
    finally:  # the server is shared by the session's browser tests: back to the default
        with ctx.db.write() as session:
            session.execute(delete(ClinicCalendarRecord).where(
                ClinicCalendarRecord.clinic_id == admin.clinic_id))
    assert page.url.startswith(patient_url)
    section = page.locator("#section-plan")
    expect(section.get_by_role("heading", name="Acupuncture plan")).to_be_visible()
    expect(section).to_contain_text("Due today:")
    expect(section).to_contain_text("session 1")
