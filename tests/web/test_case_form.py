"""The planning page's case form: a case shown in the form comes back as the same case."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from acuneuro.clinical.case import ClinicalCase
from acuneuro.web._case_form import (
    DEVICE_LABELS,
    DEVICES,
    REGIONS,
    case_from_form,
    error_fields,
    form_from_case,
    form_problems,
)

EXAMPLE = Path(__file__).parents[1] / "data" / "case-example.json"


def _round_trip(case: dict[str, Any]) -> ClinicalCase:
    values = form_from_case(case)
    return ClinicalCase.model_validate(case_from_form(values, {"devices": values["devices"]}))


def test_the_example_case_survives_the_form() -> None:
    case = json.loads(EXAMPLE.read_text("utf-8"))
    # The form asks for the facts the plan needs; screening and NeuPSIG findings live elsewhere.
    case.pop("screening")
    case["findings"] = {"protective_sensation_lost": case["findings"]["protective_sensation_lost"]}
    # The form lists regions in body order, head to foot.
    case["pain"]["regions"].sort(key=lambda site: REGIONS.index(site["region"]))
    assert _round_trip(case) == ClinicalCase.model_validate(case)


def test_sites_devices_and_skin_on_a_dermatome_survive_the_form() -> None:
    case = {
        "patient": {"age": 71, "sex": "male"},
        "condition": {"kind": "phn", "icd10": "B02.2", "rash_onset": "2026-08-01"},
        "pain": {"dermatomes": [{"dermatome": "T5", "side": "left"}], "nrs": 7,
                 "regions": [{"region": "chest", "side": "left"}]},
        "medications": [{"name": "warfarin", "daily_dose": 5, "unit": "mg"}, {"name": "aspirin"}],
        "labs": {"taken": "2026-11-20", "inr": 2.4},
        "devices": ["pacemaker"], "skin": [{"finding": "vesicles", "dermatome": "T5",
                                            "side": "left"}],
        "lymphoedema": [{"region": "upper_arm", "side": "right"}],
        "requested": {"electroacupuncture": True}, "assessed_on": "2026-11-24",
    }  # fmt: skip
    assert _round_trip(case) == ClinicalCase.model_validate(case)


def test_an_untouched_form_leaves_every_fact_not_assessed() -> None:
    document = case_from_form({"age": "50", "sex": "female", "condition_kind": "dpn",
                               "assessed_on": "2026-11-24"}, {})
    case = ClinicalCase.model_validate(document)
    assert case.patient.pregnant is None and case.labs is None and case.chemotherapy is None
    assert case.medications is None and case.devices is None and case.skin is None
    assert case.lymphoedema is None and case.bleeding_disorder is None
    assert case.fainting_with_needles is None and case.findings.protective_sensation_lost is None


def test_errors_are_shown_at_their_field_with_the_line() -> None:
    document = case_from_form({"skin_assessed": "yes", "skin": "ulcer foot left\nrash arm",
                               "labs_inr": "-1"}, {})
    with pytest.raises(ValidationError) as caught:
        ClinicalCase.model_validate(document)
    fields = error_fields(caught.value.errors())
    # A sentence on the field's label, with the line it was typed on; never a location path.
    assert fields["skin"].startswith("Line 2: Skin finding 2 must be one of: ulcer, infection")
    assert fields["labs_inr"] == "INR must be more than 0."
    assert fields["age"].startswith("Patient")  # no age in the form and none from a record


def test_the_typeahead_medicine_joins_the_assessed_list() -> None:
    form = {"medications_assessed": "yes", "medications": "Eliquis 10 mg",
            "medications_add": "Cardioaspirin"}
    meds = case_from_form(form, {})["medications"]
    assert meds == [{"name": "Eliquis", "daily_dose": "10", "unit": "mg"},
                    {"name": "Cardioaspirin"}]
    assert form_problems(form) == {}


@pytest.mark.parametrize("form", [
    {"medications_add": "Eliquis"},
    {"medications": "warfarin sodium 5 mg"},
    {"medications_assessed": "", "medications": "x", "medications_add": "y"},
])
def test_medicines_typed_into_an_unassessed_list_are_a_problem_not_dropped(
    form: dict[str, str]
) -> None:
    problems = form_problems(form)
    assert problems["medications"].startswith("Current medicines: medicines were entered")
    assert "medications" not in case_from_form(form, {})


def test_an_unassessed_empty_list_is_no_problem() -> None:
    assert form_problems({"medications_assessed": "", "medications": "  "}) == {}
# --- issue 12: the further risk facts ---------------------------------------------------------

_RISK_NAMES = ("systemic_infection", "immunosuppressed", "heart_valve", "epilepsy",
               "peripheral_arterial_disease")
_RISK_LISTS = ("prosthetic_joints", "tumour_sites", "node_dissection", "spinal_hardware")


def test_every_risk_fact_and_the_injury_level_survive_the_form() -> None:
    case = {
        "patient": {"age": 44, "sex": "male"},
        "condition": {"kind": "sci", "sci_level": "T4"},
        "pain": {"dermatomes": [{"dermatome": "T10", "side": "both"}]},
        "devices": ["cochlear_implant", "drug_pump"],
        "risk_factors": {
            "immunosuppressed": True, "systemic_infection": False, "heart_valve": "prosthetic",
            "epilepsy": False, "peripheral_arterial_disease": True,
            "prosthetic_joints": [{"region": "hip", "side": "left"}],
            "tumour_sites": [{"region": "chest", "side": "right"}],
            "node_dissection": [{"region": "upper_arm", "side": "left"},
                                {"region": "thigh", "side": "right"}],
            "spinal_hardware": ["T11", "T12"],
        },
        "assessed_on": "2026-11-24",
    }  # fmt: skip
    assert _round_trip(case) == ClinicalCase.model_validate(case)


def test_an_untouched_form_leaves_every_risk_fact_not_assessed() -> None:
    document = case_from_form({"age": "50", "sex": "male", "condition_kind": "sci",
                               "assessed_on": "2026-11-24"}, {})  # fmt: skip
    case = ClinicalCase.model_validate(document)
    assert case.condition.sci_level is None
    assert all(value is None for value in case.risk_factors.model_dump().values())


def test_risk_fact_errors_are_shown_at_their_field() -> None:
    document = case_from_form({"age": "50", "sex": "male", "condition_kind": "sci",
                               "assessed_on": "2026-11-24", "sci_level": "T13",
                               "spinal_hardware_assessed": "yes", "spinal_hardware": "X9",
                               "prosthetic_joints_assessed": "yes",
                               "prosthetic_joints": "elbow left", "heart_valve": "maybe"}, {})
    with pytest.raises(ValidationError) as caught:
        ClinicalCase.model_validate(document)
    fields = error_fields(caught.value.errors())
    assert {"sci_level", "spinal_hardware", "prosthetic_joints", "heart_valve"} <= set(fields)
    assert fields["prosthetic_joints"].startswith("Line 1: Body region of prosthetic joints 1")


def test_the_page_offers_every_risk_fact_not_assessed_first_in_plain_words(
    web_as: Callable[[str], TestClient],
) -> None:
    alice = web_as("alice")
    page_form = alice.get("/patients/new").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page_form)
    assert csrf
    created = alice.post("/patients/new", data={
        "given_name": "Rita", "family_name": "Risk", "date_of_birth": "1970-01-01",
        "sex": "female", "condition_kind": "sci", "onset": "2026-01-01", "csrf": csrf.group(1)})
    page = alice.get(f"{created.headers['location']}/plan").text
    for name in (*_RISK_NAMES, *(f"{n}_assessed" for n in _RISK_LISTS)):
        select = re.search(rf'<select id="{name}" name="{name}">(.*?)</select>', page, re.S)
        assert select, name
        assert re.search(r'<option value="" selected>not assessed</option>', select.group(1)), name
    assert 'id="sci_level"' in page and "neurological level" in page
    assert "Prosthetic joints" in page and "Fever or active systemic infection" in page
    assert "cochlear implant" in page and "cochlear_implant<" not in page


def test_every_device_has_plain_words_on_the_form() -> None:
    assert set(DEVICE_LABELS) == set(DEVICES)
    assert all("_" not in label for label in DEVICE_LABELS.values())
