"""Build clinical cases for tests from the published example (shared/design/case-example.json)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from acuneuro.clinical.case import ClinicalCase

EXAMPLE = json.loads((Path(__file__).parents[1] / "data" / "case-example.json").read_text("utf-8"))

# The DN4 item ids of the clinical-case contract, in the published example's order.
DN4_ITEMS: list[str] = list(EXAMPLE["screening"]["dn4"])


def yes_count(items: list[str], count: int) -> dict[str, bool]:
    """The first ``count`` of ``items`` answered yes, the rest no."""
    return {item: index < count for index, item in enumerate(items)}


def raw_case(**changes: Any) -> dict[str, Any]:
    """The example case as a dict; ``a__b=value`` sets a nested key, ``a=None`` sets it null."""
    data: dict[str, Any] = copy.deepcopy(EXAMPLE)
    for path, value in changes.items():
        keys = path.split("__")
        target = data
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
    return data


def make_case(**changes: Any) -> ClinicalCase:
    return ClinicalCase.model_validate(raw_case(**changes))
