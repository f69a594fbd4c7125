"""The clinical case contract: the example is valid; unknown keys and bad values are named."""

from __future__ import annotations

import json
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from acuneuro.clinical.case import DERMATOMES, ClinicalCase, case_json_schema

EXAMPLE = Path(__file__).parents[1] / "data" / "case-example.json"


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text("utf-8"))
    return data


def test_it_accepts_the_published_example_case() -> None:
    case = ClinicalCase.model_validate(example())
    assert case.condition.kind == "cipn"
    assert case.labs is not None and case.labs.platelets_per_ul == 162000


def test_it_rejects_an_unknown_key_and_names_it() -> None:
    data = example()
    data["patient"]["weight_kg"] = 70
    with pytest.raises(ValidationError) as info:
        ClinicalCase.model_validate(data)
    locations = [e["loc"] for e in info.value.errors()]
    assert ("patient", "weight_kg") in locations


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("pain", "nrs"), 11),
        (("patient", "age"), -1),
        (("condition", "kind"), "migraine"),
        (("labs", "inr"), 0),
        (("pain", "regions"), [{"region": "elbow", "side": "left"}]),
    ],
)
def test_it_rejects_out_of_range_values(path: tuple[str, ...], value: object) -> None:
    data = example()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError):
        ClinicalCase.model_validate(data)


def test_missing_optional_facts_are_not_assessed_rather_than_normal() -> None:
    data = {
        "patient": {"age": 70, "sex": "male"},
        "condition": {"kind": "dpn"},
        "assessed_on": "2026-11-24",
    }
    case = ClinicalCase.model_validate(data)
    assert case.labs is None
    assert case.devices is None
    assert case.bleeding_disorder is None
    assert case.findings.sensory_signs is None


def test_it_requires_a_site_for_a_skin_finding() -> None:
    data = example()
    data["skin"] = [{"finding": "ulcer", "side": "left"}]
    with pytest.raises(ValidationError, match="exactly one of region or dermatome"):
        ClinicalCase.model_validate(data)


def test_a_trimester_without_pregnancy_is_refused() -> None:
    data = deepcopy(example())
    data["patient"]["trimester"] = 2
    with pytest.raises(ValidationError, match="trimester"):
        ClinicalCase.model_validate(data)


def test_dermatomes_run_from_c2_to_s5() -> None:
    assert DERMATOMES[0] == "C2" and DERMATOMES[-1] == "S5"
    assert len(DERMATOMES) == 7 + 12 + 5 + 5


def test_the_schema_forbids_unknown_keys_at_the_top() -> None:
    schema = case_json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"patient", "condition", "assessed_on"}
