"""The planning page's case form: a case shown in the form comes back as the same case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from acuneuro.clinical.case import ClinicalCase
from acuneuro.web._case_form import (
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
    assert fields["skin"].startswith("line 2: skin.1.")
    assert fields["labs_inr"].startswith("labs.inr: ")
    assert fields["age"].startswith("patient: ")  # no age in the form and none from a record


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
