"""In headless Chromium: once the tablet is handed over, the patient cannot leave the kiosk."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from acuneuro.clinical.scoring import get_instrument
from acuneuro.services import PatientCreate
from acuneuro.services.patients import create_patient

pytestmark = pytest.mark.browser

NRS = get_instrument("nrs")
KIOSK_PATHS = {"/kiosk", "/kiosk/unlock"}


def _on_the_kiosk(page: Any, private: tuple[str, ...]) -> None:
    """The page is the kiosk's or the unlock page, with nothing of the record or the clinician."""
    from playwright.sync_api import expect

    page.wait_for_load_state()
    assert urlparse(page.url).path in KIOSK_PATHS, page.url
    expect(page.get_by_role("navigation")).to_have_count(0)
    body = page.locator("body")
    for text in private:
        expect(body).not_to_contain_text(text)


def test_the_patient_cannot_leave_the_kiosk_and_the_clinicians_password_unlocks(
    logged_in_page: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    alice = live_server.accounts["alice"]
    patient = create_patient(
        live_server.ctx, alice.actor,
        PatientCreate.model_validate({"given_name": "Kira", "family_name": "Kioskova",
                                      "date_of_birth": "1951-02-03"}))
    private = ("Kioskova", "Kira", "1951", patient.id, alice.email, "Patients")
    page = logged_in_page
    page.goto(f"{live_server.url}/patients/{patient.id}")
    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Instrument").select_option("nrs")
    page.get_by_label("Patient, on a tablet").check()
    page.get_by_role("button", name="Open form").click()
    page.get_by_role("button", name="Hand over the tablet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NRS.name)
    _on_the_kiosk(page, private)
    page.get_by_label(NRS.items[0].text, exact=False).fill("7")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")

    # Back twice: the pages before the hand-over are asked for again (no-store) and refused.
    page.go_back()
    _on_the_kiosk(page, private)
    page.go_back()
    _on_the_kiosk(page, private)
    # A typed address.
    for path in ("/patients", f"/patients/{patient.id}", "/account", "/"):
        page.goto(live_server.url + path)
        _on_the_kiosk(page, private)
    # The result button asks for the clinician's password.
    page.goto(live_server.url + "/kiosk")
    page.get_by_role("link", name="Clinician: show the result").click()
    _on_the_kiosk(page, private)
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinician: unlock the tablet")
    page.get_by_label("Clinician's password").fill("not the password at all")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("alert")).to_contain_text("the tablet stays locked")
    _on_the_kiosk(page, private)

    page.get_by_label("Clinician's password").fill(alice.password)
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#score-total")).to_have_text("7")
    page.goto(live_server.url + "/patients")
    expect(page.get_by_role("navigation")).to_contain_text("Patients")
