"""End to end in headless Chromium: log in, create a patient, find it in the list, open it."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_a_clinician_logs_in_creates_finds_and_opens_a_patient(
    logged_in_page: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    page = logged_in_page
    page.get_by_role("link", name="New patient").first.click()
    page.get_by_label("Given name").fill("Marie")
    page.get_by_label("Family name").fill("Browserova")
    page.get_by_label("Date of birth").fill("1967-11-07")
    page.get_by_label("Condition", exact=True).select_option("phn")
    page.get_by_label("ICD-10 code").fill("B02.2")
    page.get_by_role("button", name="Create patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Browserova, Marie")
    patient_url = page.url
    assert re.search(r"/patients/P[0-9A-Z]{12}$", patient_url)

    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_label("Search by name").fill("browser")
    row_link = page.locator("#patient-rows").get_by_role("link", name="Browserova, Marie")
    expect(row_link).to_be_visible()
    # HTMX swapped the table in place: still on the list page, no full navigation.
    assert page.url == live_server.url + "/patients"
    row_link.click()
    expect(page.get_by_role("heading", name="Episodes of care")).to_be_visible()
    assert page.url == patient_url
    expect(page.locator("#section-episodes")).to_contain_text("PHN (B02.2)")


def test_a_wrong_password_keeps_the_user_on_the_login_page(
    page: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    page.goto(live_server.url + "/")
    page.get_by_label("Email").fill("alice@example.org")
    page.get_by_label("Password").fill("not her password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
