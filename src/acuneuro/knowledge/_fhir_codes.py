"""Standard codes for the FHIR exchange (``knowledge/fhir_codes.yaml``), each with its source.

Only codes looked up in a published source are filled in; an unverified concept is ``None`` and
the exporter writes acuneuro's local code alone for it, rather than a code it cannot stand behind.
"""

from __future__ import annotations

from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.knowledge._bibliography import check_cited, knowledge_text

__all__ = ["FhirCodes", "StandardConcept", "Unverified", "fhir_codes"]


class StandardConcept(BaseModel):
    """One concept of a standard terminology (``code`` None when not verified)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str | None = None
    snomed: str | None = Field(default=None, pattern=r"^[0-9]{6,18}$")
    display: str | None = None
    sources: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cited(self) -> StandardConcept:
        if self.snomed is not None and (not self.display or not self.sources):
            raise ValueError(f"fhir_codes.yaml: SNOMED CT {self.snomed} needs a display and a "
                             "source")
        return self


class Icd10Display(BaseModel):
    """The WHO ICD-10 title of a code, with its source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    display: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class Unverified(BaseModel):
    """A concept left without a standard code, with what was searched for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    concept: str = Field(min_length=1)
    searched: str = Field(min_length=1)


class FhirCodes(BaseModel):
    """Terminology systems, condition and procedure concepts, ICD-10 titles and UCUM units."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[str] = Field(min_length=1)
    systems: dict[str, str]
    conditions: dict[str, StandardConcept]
    icd10: dict[str, Icd10Display]
    acupuncture_procedure: StandardConcept
    ucum: dict[str, str]
    # Concepts searched for and not confirmed twice: recorded, never exported.
    unverified: list[Unverified] = Field(default_factory=list)


@cache
def fhir_codes() -> FhirCodes:
    """The standard codes, loaded once; every cited source must be in the bibliography."""
    data = FhirCodes.model_validate(yaml.safe_load(knowledge_text("fhir_codes.yaml")))
    check_cited(data.sources, "fhir_codes.yaml")
    for key, concept in [*data.conditions.items(), ("procedure", data.acupuncture_procedure)]:
        if concept.snomed is not None:
            check_cited(concept.sources, f"fhir_codes.yaml {key}")
    for code, title in data.icd10.items():
        check_cited(title.sources, f"fhir_codes.yaml icd10.{code}")
    return data
