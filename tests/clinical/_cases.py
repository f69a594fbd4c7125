"""Build clinical cases for tests from the published example (shared/design/case-example.json)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from acuneuro.clinical.case import ClinicalCase

EXAMPLE = json.loads((Path(__file__).parents[1] / "data" / "case-example.json").read_text("utf-8"))


def raw_case(**changes: Any) -> dict[str, Any]:
    """The example case as a dict; ``a__b=value`` sets a nested key, ``a=None`` sets it null."""
    data = copy.deepcopy(EXAMPLE)
    for path, value in changes.items():
        keys = path.split("__")
        target = data
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
    return data


def make_case(**changes: Any) -> ClinicalCase:
    return ClinicalCase.model_validate(raw_case(**changes))
