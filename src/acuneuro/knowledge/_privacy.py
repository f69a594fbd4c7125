"""De-identification policy for research exports, loaded from ``knowledge/privacy.yaml``.

References
----------
45 CFR 164.514(b)(2) (Safe Harbor), (c) (re-identification codes), (e) (limited data set);
Sweeney L. k-anonymity: a model for protecting privacy. 2002.
"""

from __future__ import annotations

from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.knowledge._bibliography import check_cited, knowledge_text

__all__ = [
    "KAnonymityPolicy",
    "LimitedDataSetPolicy",
    "PrivacyPolicy",
    "SafeHarborIdentifier",
    "SafeHarborPolicy",
    "SurrogatePolicy",
    "privacy_policy",
]

_SAFE_HARBOR_CODES = tuple("ABCDEFGHIJKLMNOPQR")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SafeHarborIdentifier(_Strict):
    """One identifier class of 164.514(b)(2)(i), by the regulation's letter."""

    code: str = Field(pattern=r"^[A-R]$")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=1)


class SafeHarborPolicy(_Strict):
    sources: list[str]
    identifiers: list[SafeHarborIdentifier]
    top_coded_age: int = Field(ge=1)
    top_coded_label: str = Field(min_length=1)
    keep_zip3: bool

    @model_validator(mode="after")
    def _all_eighteen(self) -> SafeHarborPolicy:
        codes = tuple(i.code for i in self.identifiers)
        if codes != _SAFE_HARBOR_CODES:
            raise ValueError("safe_harbor.identifiers must list the 18 classes A to R in order")
        if self.keep_zip3:
            raise ValueError("safe_harbor.keep_zip3 needs census tables acuneuro does not ship")
        return self


class LimitedDataSetPolicy(_Strict):
    sources: list[str]
    date_shift_max_days: int = Field(ge=1, le=3650)


class SurrogatePolicy(_Strict):
    sources: list[str]
    bytes: int = Field(ge=8, le=64)


class KAnonymityPolicy(_Strict):
    sources: list[str]
    default_k: int = Field(ge=2)
    minimum_k: int = Field(ge=2)
    # Width of the age bands a live-store export publishes instead of birth years.
    age_band_years: int = Field(ge=1, le=50)

    @model_validator(mode="after")
    def _floor_below_default(self) -> KAnonymityPolicy:
        if self.minimum_k > self.default_k:
            raise ValueError("k_anonymity.minimum_k must not exceed default_k")
        return self


class PrivacyPolicy(_Strict):
    safe_harbor: SafeHarborPolicy
    limited_data_set: LimitedDataSetPolicy
    surrogate_ids: SurrogatePolicy
    k_anonymity: KAnonymityPolicy

    def identifier(self, code: str) -> SafeHarborIdentifier:
        """The identifier class with this letter."""
        for item in self.safe_harbor.identifiers:
            if item.code == code:
                return item
        raise KeyError(code)


@cache
def privacy_policy() -> PrivacyPolicy:
    """The de-identification policy, validated and with every source checked."""
    policy = PrivacyPolicy.model_validate(yaml.safe_load(knowledge_text("privacy.yaml")))
    for part in ("safe_harbor", "limited_data_set", "surrogate_ids", "k_anonymity"):
        check_cited(getattr(policy, part).sources, f"privacy.yaml {part}")
    return policy
