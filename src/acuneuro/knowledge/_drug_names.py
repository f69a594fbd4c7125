"""The medication vocabulary (``knowledge/drug_names.yaml``): INN, ATC code, classes, brands, salts.

Loaded once and validated: ATC codes have the WHO shape, every class has a human label, no name
(INN, synonym, salt or brand) belongs to two drugs, and every drug of the catalogue in
``drugs.yaml`` is in the vocabulary, with the catalogue's interaction classes merged in, so the
two files cannot drift apart (a catalogue drug missing here would go unrecognised).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.knowledge._bibliography import check_cited, knowledge_text
from acuneuro.knowledge.course import drug_knowledge

__all__ = ["DrugEntry", "DrugNames", "drug_names", "normalise_drug_text"]

_NON_WORD = re.compile(r"[^a-z0-9]+")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")


def normalise_drug_text(text: str) -> tuple[str, ...]:
    """Words of ``text`` without case, accents or punctuation; ``20mg`` splits into 20 and mg."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    plain = plain.replace("µ", "u").replace("μ", "u")
    return tuple(_NON_WORD.sub(" ", _LETTER_DIGIT.sub(" ", plain)).split())


class DrugEntry(BaseModel):
    """One drug: its INN, ATC code, classes and the other names it is written as."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    inn: str = Field(pattern=r"^[a-z][a-z0-9 -]*$")
    atc: str = Field(pattern=r"^[A-Z][0-9]{2}[A-Z]([A-Z]([0-9]{2})?)?$")
    classes: tuple[str, ...] = Field(min_length=1)
    salts: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    it: tuple[str, ...] = ()
    uk: tuple[str, ...] = ()
    us: tuple[str, ...] = ()
    other: tuple[str, ...] = ()  # brands of other countries met in practice

    @property
    def brands(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.it, *self.uk, *self.us, *self.other)))


class DrugNames(BaseModel):
    """The whole vocabulary and the human label of every class code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[str] = Field(min_length=1)
    # Strength, form, route and schedule words allowed around a name (normalised on load).
    form_words: frozenset[str] = frozenset()
    classes: dict[str, str]
    drugs: tuple[DrugEntry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> DrugNames:
        clashing = sorted(w for w in self.form_words if len(normalise_drug_text(w)) != 1)
        if clashing:
            raise ValueError(f"drug_names.yaml: form word(s) that are not one word {clashing}")
        seen: dict[tuple[str, ...], str] = {}
        for drug in self.drugs:
            unlabelled = [c for c in drug.classes if c not in self.classes]
            if unlabelled:
                raise ValueError(f"drug_names.yaml {drug.inn}: class(es) without a label "
                                 f"{unlabelled}")
            for name in (drug.inn, *drug.salts, *drug.synonyms, *drug.brands):
                key = normalise_drug_text(name)
                if seen.setdefault(key, drug.inn) != drug.inn:
                    raise ValueError(f"drug_names.yaml: {name!r} names both {seen[key]} and "
                                     f"{drug.inn}")
        return self

    def entry(self, inn: str) -> DrugEntry | None:
        return next((d for d in self.drugs if d.inn == inn), None)


@cache
def drug_names() -> DrugNames:
    """The vocabulary, with the drug catalogue's interaction classes merged into each entry."""
    raw = yaml.safe_load(knowledge_text("drug_names.yaml"))
    catalogue = {d.name: d for d in drug_knowledge().drugs}
    known = {d["inn"] for d in raw["drugs"]}
    missing = sorted(set(catalogue) - known)
    if missing:
        raise ValueError(f"drug_names.yaml: catalogue drug(s) not in the vocabulary {missing}")
    for d in raw["drugs"]:
        if d["inn"] in catalogue:
            d["classes"] = list(dict.fromkeys([*d["classes"], *catalogue[d["inn"]].classes]))
    data = DrugNames.model_validate(raw)
    check_cited(data.sources, "drug_names.yaml")
    return data
