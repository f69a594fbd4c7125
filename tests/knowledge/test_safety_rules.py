"""The safety rules as data: each is validated against the atlas regions and the bibliography."""

from __future__ import annotations

import pytest

from acuneuro.knowledge import LymphoedemaRule
from acuneuro.knowledge._safety_rules import _check


def test_rule_data_with_an_unknown_region_or_source_is_rejected() -> None:
    def rule(limbs: dict[str, list[str]], sources: list[str]) -> LymphoedemaRule:
        return LymphoedemaRule.model_validate({
            "id": "x", "kind": "lymphoedema", "severity": "exclude", "message": "m",
            "missing_message": "m", "limbs": limbs, "sources": sources,
        })  # fmt: skip

    with pytest.raises(ValueError, match="unknown region"):
        _check(rule({"upper": ["elbow"]}, ["acu-cassileth2013"]), "test")
    with pytest.raises(ValueError, match="unknown source"):
        _check(rule({"upper": ["hand"]}, ["no-such-source"]), "test")
