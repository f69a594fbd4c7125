"""End to end in headless Chromium: a DN4 filled by a clinician, an NRS on the patient tablet."""

from __future__ import annotations

from typing import Any

import pytest

from acuneuro.clinical.scoring import get_instrument, score
from acuneuro.services import PatientCreate
from acuneuro.services.patients import create_patient

pytestmark = pytest.mark.browser

DN4 = get_instrument("dn4")
# Five yes answers: one above the primary cut-off of 4/10 (Bouhassira 2005).
YES = {"burning", "electric_shocks", "tingling", "numbness", "hypoesthesia_pinprick"}


def test_a_clinician_fills_a_dn4_and_sees_the_score_and_interpretation(
    logged_in_page: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    patient = create_patient(
        live_server.ctx, live_server.accounts["alice"].actor,
        PatientCreate.model_validate({"given_name": "Nadia", "family_name": "Dnfourova",
                                      "date_of_birth": "1958-03-14",
                                      "condition": {"kind": "dpn", "icd10": "E11.4"}}))
    page = logged_in_page
    page.goto(f"{live_server.url}/patients/{patient.id}")
    expect(page.get_by_role("heading", name="Screening and outcomes")).to_be_visible()
    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Instrument").select_option("dn4")
    page.get_by_label("Clinician").check()
    page.get_by_role("button", name="Open form").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DN4.name)
    for number, item in enumerate(DN4.items, start=1):
        group = page.get_by_role("group", name=f"{number}. {item.text}")
        group.get_by_label("yes" if item.id in YES else "no", exact=True).check()
    page.get_by_role("button", name="Score and save").click()

    expected = score("dn4", {item.id: item.id in YES for item in DN4.items})
    expect(page.locator("#score-total")).to_have_text("5")
    expect(page.locator("#score-reading")).to_have_text("positive")
    expect(page.locator("#score-interpretation")).to_have_text(expected.interpretation)
    expect(page.locator("#score-interpretation")).to_contain_text("neuropathic pain likely")

    page.get_by_role("link", name="Back to the patient").click()
    row = page.locator("#section-scores tbody tr").first
    expect(row).to_contain_text(DN4.name)
    expect(row).to_contain_text(DN4.version)
    expect(row).to_contain_text("positive")


def test_the_patient_tablet_mode_shows_no_patient_data_and_ends_with_thanks(
    logged_in_page: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    patient = create_patient(
        live_server.ctx, live_server.accounts["alice"].actor,
        PatientCreate.model_validate({"given_name": "Tomas", "family_name": "Tabletov",
                                      "date_of_birth": "1949-07-01"}))
    page = logged_in_page
    page.goto(f"{live_server.url}/patients/{patient.id}/assessments/new")
    page.get_by_label("Instrument").select_option("nrs")
    page.get_by_label("Patient, on a tablet").check()
    page.get_by_role("button", name="Open form").click()
    page.get_by_role("button", name="Hand over the tablet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(get_instrument("nrs").name)
    body = page.locator("body")
    for private in ("Tabletov", "Tomas", "1949", patient.id, "alice@example.org"):
        expect(body).not_to_contain_text(private)
    expect(page.get_by_role("navigation")).to_have_count(0)
    field = page.get_by_label(get_instrument("nrs").items[0].text, exact=False)
    assert field.bounding_box()["height"] >= 40  # large target for a patient's finger
    field.fill("6")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(body).not_to_contain_text("Tabletov")
    page.get_by_role("link", name="Clinician: show the result").click()
    page.get_by_label("Clinician's password").fill(live_server.accounts["alice"].password)
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#score-total")).to_have_text("6")
