"""The acuneuro table that combines the NeuPSIG grade with screening results into a pain type.

Data: ``knowledge/instruments/_pain_type.yaml`` -- an acuneuro design decision, not a
published rule (Finnerup 2016 keeps screening tools outside the grading flow chart) -- and
the examination items of screening forms that count as NeuPSIG sensory signs.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.knowledge._bibliography import check_cited, knowledge_text
from acuneuro.knowledge._instruments import load_instrument, load_instruments

__all__ = ["ExaminationSigns", "PainTypeRule", "PainTypeRules", "pain_type_rules"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PainTypeRule(_Strict):
    """One row of the acuneuro grade x screening table (a design decision, not a published rule)."""

    grade: Literal["definite", "probable", "possible", "unlikely", "not_gradable"]
    screening: Literal["positive", "negative", "discordant", "indeterminate", "none"]
    pain_type: Literal["neuropathic", "nociceptive", "mixed", "undetermined"]
    reason: str


class ExaminationSigns(_Strict):
    """Examination items of an instrument that record a sensory sign in the painful area."""

    instrument: str
    items: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class PainTypeRules(_Strict):
    screening_instruments: list[str] = Field(min_length=1)
    design_note: str
    rules: list[PainTypeRule] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    # Recorded by the clinician, these count as the NeuPSIG sensory-signs step (Finnerup 2016).
    examination_signs: list[ExaminationSigns] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> PainTypeRules:
        seen = {(r.grade, r.screening) for r in self.rules}
        if len(seen) != len(self.rules):
            raise ValueError("pain type rules: a grade/screening pair appears twice")
        grades = {"definite", "probable", "possible", "unlikely", "not_gradable"}
        screens = {"positive", "negative", "discordant", "indeterminate", "none"}
        missing = {(g, s) for g in grades for s in screens} - seen
        if missing:
            raise ValueError(f"pain type rules: no row for {sorted(missing)}")
        return self


@cache
def pain_type_rules() -> PainTypeRules:
    """The acuneuro table that combines the NeuPSIG grade with screening results."""
    data = yaml.safe_load(knowledge_text("instruments/_pain_type.yaml"))
    rules = PainTypeRules.model_validate(data)
    check_cited(rules.sources, "instruments/_pain_type.yaml")
    unknown = set(rules.screening_instruments) - set(load_instruments())
    if unknown:
        raise ValueError(f"instruments/_pain_type.yaml: unknown instruments {sorted(unknown)}")
    for signs in rules.examination_signs:
        where = f"instruments/_pain_type.yaml examination_signs {signs.instrument}"
        check_cited(signs.sources, where)
        instrument = load_instrument(signs.instrument)
        ids = {i.id for i in instrument.items}
        if not all(i in ids and instrument.is_clinician_only(i) for i in signs.items):
            raise ValueError(f"{where}: items must be the instrument's clinician_only items")
    return rules
