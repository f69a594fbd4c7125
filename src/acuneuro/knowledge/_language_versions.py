"""Validated language versions of the instruments, from ``knowledge/language_versions.yaml``.

acuneuro shows short labels of its own for each item; beside the form it names the validated
version in the reader's language (or says none was found), so that the clinician knows which
questionnaire the patient's answers should come from. Sources: Spallone 2012 (DN4, Italian
patients), the Pain Res Manag 2021 validation of the Italian LANSS and painDETECT, Costantini
1999 (HADS), and NeuPSIG's database of screening-tool translations.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from acuneuro.knowledge._bibliography import Source, bibliography, check_cited, knowledge_text

__all__ = ["LanguageVersion", "language_version", "language_versions"]


class LanguageVersion(BaseModel):
    """Whether a validated version of one instrument exists in one language, and its source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Literal["validated", "not_found", "not_needed"]
    sources: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _cited(self) -> LanguageVersion:
        # A claim either way (found, or searched and not found) names where it was looked up.
        if self.status != "not_needed":
            check_cited(list(self.sources), "language version")
        return self

    def cited(self) -> list[Source]:
        """The sources, as bibliography entries."""
        known = bibliography()
        return [known[s] for s in self.sources]


@cache
def language_versions() -> dict[str, dict[str, LanguageVersion]]:
    """Per language code, per instrument id, the validated version found."""
    raw = yaml.safe_load(knowledge_text("language_versions.yaml")) or {}
    return {
        lang: {inst: LanguageVersion.model_validate(entry) for inst, entry in table.items()}
        for lang, table in raw.items()
    }


def language_version(instrument_id: str, lang: str) -> LanguageVersion | None:
    """The entry for ``instrument_id`` in ``lang``; None where the language has no table."""
    return language_versions().get(lang, {}).get(instrument_id)
