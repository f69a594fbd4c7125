"""Recognise a medicine as a clinician types it: brand, salt or INN, any case, any strength.

``match_drug("Xarelto 20 mg")`` is rivaroxaban, ``match_drug("warfarin sodium 5mg tablets")``
is warfarin and ``match_drug("Cardioaspirin")`` is acetylsalicylic acid. Matching folds case and
accents, splits ``20mg`` into words and looks for the longest known name (INN, synonym, salt or
brand of ``knowledge/drug_names.yaml``) among the words, so strength, form and schedule words
never stop a match. A name it cannot place returns ``None``: callers report it as *not assessed*
(the safety screen never reads an unknown medicine as harmless).

Sources: ATC codes from the WHO ATC/DDD Index; brand names from the AIFA, BNF, FDA and EMA
registers (see ``knowledge/sources/medicines.yaml``).
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from acuneuro.knowledge import DrugEntry, drug_names, normalise_drug_text

__all__ = [
    "DrugMatch",
    "DrugName",
    "MatchKind",
    "class_labels",
    "drug_vocabulary",
    "match_drug",
    "match_drugs",
    "unplaced_words",
]

MatchKind = Literal["inn", "synonym", "salt", "brand"]


class DrugMatch(BaseModel):
    """What a typed medicine name was recognised as."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    inn: str  # international non-proprietary name, lower case
    atc: str  # WHO ATC code
    classes: tuple[str, ...]  # class codes; class_labels() gives the words to show
    matched_on: str  # the vocabulary name found in the text, as the data spells it
    kind: MatchKind  # whether that name is the INN, a synonym, a salt form or a brand


class DrugName(BaseModel):
    """One name of the typeahead: what to type, and the drug it stands for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    inn: str
    kind: MatchKind
    label: str  # e.g. "apixaban, direct oral anticoagulant (DOAC)"


@cache
def _index() -> tuple[dict[tuple[str, ...], tuple[DrugEntry, str, MatchKind]], int]:
    index: dict[tuple[str, ...], tuple[DrugEntry, str, MatchKind]] = {}
    for drug in drug_names().drugs:
        named: list[tuple[str, MatchKind]] = [(drug.inn, "inn")]
        named += [(s, "salt") for s in drug.salts] + [(s, "synonym") for s in drug.synonyms]
        named += [(b, "brand") for b in drug.brands]
        for name, kind in named:
            index.setdefault(normalise_drug_text(name), (drug, name, kind))
    return index, max(len(key) for key in index)


def _match(entry: DrugEntry, name: str, kind: MatchKind) -> DrugMatch:
    return DrugMatch(inn=entry.inn, atc=entry.atc, classes=entry.classes, matched_on=name,
                     kind=kind)


def _scan(text: str) -> tuple[list[DrugMatch], list[str]]:
    """The drugs named in ``text`` and the words no name accounts for, both left to right."""
    index, longest = _index()
    words = normalise_drug_text(text)
    found: dict[str, DrugMatch] = {}
    rest: list[str] = []
    at = 0
    while at < len(words):
        for size in range(min(longest, len(words) - at), 0, -1):
            hit = index.get(words[at:at + size])
            if hit is not None:
                found.setdefault(hit[0].inn, _match(*hit))
                at += size
                break
        else:
            rest.append(words[at])
            at += 1
    return list(found.values()), rest


def match_drugs(text: str) -> list[DrugMatch]:
    """Every distinct drug named in ``text``, left to right (longest name first at each word)."""
    return _scan(text)[0]


def unplaced_words(text: str) -> list[str]:
    """Words of ``text`` that are neither a known name nor strength, form or schedule.

    ``unplaced_words("metformin 500 mg + Zzzyxol")`` is ``["zzzyxol"]``: a caller must not read
    such a line as metformin alone. Empty for "Eliquis 5 mg compresse rivestite".
    """
    ignored = drug_names().form_words
    return [w for w in _scan(text)[1] if not w.isdigit() and w not in ignored]


def match_drug(text: str) -> DrugMatch | None:
    """The first drug named in ``text`` (see the module docstring), or None if none is known."""
    found = match_drugs(text)
    return found[0] if found else None


def class_labels(classes: tuple[str, ...] | list[str]) -> list[str]:
    """Human labels of class codes, in the given order (a code without a label is kept as is)."""
    labels = drug_names().classes
    return [labels.get(c, c.replace("_", " ")) for c in classes]


_MAIN_CLASSES = ("vka", "doac", "heparin", "lmwh", "factor_xa_parenteral", "p2y12_inhibitor",
                 "aspirin_low_dose", "antiplatelet", "nsaid", "ssri", "snri", "tca",
                 "gabapentinoid", "opioid", "benzodiazepine")


@cache
def drug_vocabulary() -> tuple[DrugName, ...]:
    """Every name a clinician may type (INN, synonyms, salts, brands), sorted, for a typeahead."""
    names: dict[str, DrugName] = {}
    for drug in drug_names().drugs:
        main = [c for c in _MAIN_CLASSES if c in drug.classes] or list(drug.classes[:1])
        label = ", ".join([drug.inn, *class_labels(main[:1])])
        named: list[tuple[str, MatchKind]] = [(drug.inn, "inn")]
        named += [(s, "synonym") for s in drug.synonyms] + [(s, "salt") for s in drug.salts]
        named += [(b, "brand") for b in drug.brands]
        for name, kind in named:
            names.setdefault(name.casefold(), DrugName(name=name, inn=drug.inn, kind=kind,
                                                       label=label))
    return tuple(sorted(names.values(), key=lambda n: n.name.casefold()))
