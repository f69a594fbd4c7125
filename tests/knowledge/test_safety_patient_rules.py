"""The issue-12 patient-risk rules as data: cited, checked against the atlas, complete."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from acuneuro.clinical.case import Device, RiskFactors
from acuneuro.knowledge import (
    DeviceElectroRule,
    PregnancyStageRule,
    RiskFactorsRule,
    RiskItem,
    atlas,
    bibliography,
    safety_rules,
)


def _rule(kind: type[Any]) -> Any:
    [found] = [r for r in safety_rules() if isinstance(r, kind)]
    return found


def test_every_risk_fact_of_the_case_has_exactly_one_rule_item() -> None:
    rule = _rule(RiskFactorsRule)
    assert sorted(item.field for item in rule.items) == sorted(RiskFactors.model_fields)
    known = bibliography()
    for item in rule.items:
        assert item.sources and all(s in known for s in item.sources), item.id
        assert item.label and "_" not in item.label, item.id


def test_the_first_trimester_points_lie_at_or_below_the_umbilicus_or_on_the_sacrum() -> None:
    early = _rule(PregnancyStageRule).early
    for code in early.points:
        point = atlas()[code]
        assert point.region in {"abdomen", "buttock"}, code
        assert "above the umbilicus" not in point.location, code


def test_every_lower_abdominal_point_of_the_atlas_is_in_the_first_trimester_set() -> None:
    early = set(_rule(PregnancyStageRule).early.points)
    lower = {code for code, p in atlas().items() if p.region == "abdomen"
             and ("below the umbilicus" in p.location or "pubic" in p.location)}  # fmt: skip
    assert lower <= early


def test_after_the_third_month_the_traditional_forbidden_points_are_left_out() -> None:
    late = _rule(PregnancyStageRule).late.excluded_points()
    assert {"LI4", "SP6", "BL60", "BL67", "GB21"} <= set(late)


def test_every_device_excludes_electroacupuncture_and_has_plain_words() -> None:
    rule = _rule(DeviceElectroRule)
    for device in Device:
        assert device.value in rule.devices
        assert "_" not in rule.labels[device.value]


def test_a_risk_item_with_an_unknown_region_or_source_is_rejected() -> None:
    base = {"id": "x", "field": "prosthetic_joints", "label": "x", "ask_when": "always",
            "severity": "exclude", "message": "m", "sources": ["acu-filshie2006"]}  # fmt: skip
    RiskItem.model_validate(base)
    with pytest.raises(ValidationError, match="unknown region"):
        RiskItem.model_validate({**base, "near": {"elbow": ["elbow"]}})
    with pytest.raises(ValidationError, match="unknown source"):
        RiskItem.model_validate({**base, "sources": ["no-such-source"]})
