"""The acupoint atlas: the 361 meridian points of WHO 2008, the extra points the protocols use,
nerve data for protocol points, and the dermatomes used for segmental selection.

References
----------
WHO Regional Office for the Western Pacific. WHO Standard Acupuncture Point Locations in the
Western Pacific Region. 2008 (codes, 361 points on 14 meridians).
WHO. A proposed standard international acupuncture nomenclature. 1991 (EX- codes).
Kirshblum SC et al. International standards for neurological classification of spinal cord
injury (revised 2011). J Spinal Cord Med 2011;34:535-546 (key sensory points).
Lee MWL, McPhee RW, Stringer MD. An evidence-based approach to human dermatomes. Clin Anat
2008;21:363-373.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from acuneuro.knowledge._bibliography import check_cited, knowledge_text

__all__ = [
    "MERIDIAN_COUNTS",
    "REGIONS",
    "AtlasPoint",
    "Dermatome",
    "Innervation",
    "atlas",
    "atlas_point",
    "dermatome",
    "dermatomes",
    "innervation",
    "normalise_code",
    "points",
]

# WHO 2008: points per meridian, 361 in all (dossier 3.2, from TARA meridians.csv citing WHO 2008).
MERIDIAN_COUNTS: dict[str, int] = dict(
    LU=11, LI=20, ST=45, SP=21, HT=9, SI=19, BL=67, KI=27, PC=9, TE=23, GB=44, LR=14, GV=28, CV=24
)

# The region words of the clinical case contract (docs/architecture.md).
REGIONS: tuple[str, ...] = (
    "head", "face", "neck", "shoulder", "upper_arm", "forearm", "hand", "chest", "abdomen",
    "upper_back", "lower_back", "buttock", "hip", "thigh", "knee", "leg", "foot",
)  # fmt: skip

Caution = Literal[
    "pneumothorax", "pregnancy", "eye", "vessel", "medulla", "no_needle",
    "viscera", "spinal_cord", "paraspinal",
]  # fmt: skip

_ATLAS_SOURCES = ["acu-who2008", "acu-who1991"]
_EXTRA_SOURCES = ["acu-who1991", "acu-tara"]
# Older and national codes seen in trial reports, mapped to WHO meridian codes.
_ALIASES = dict(
    LV="LR",
    LIV="LR",
    SJ="TE",
    TW="TE",
    TB="TE",
    UB="BL",
    B="BL",
    HE="HT",
    H="HT",
    P="PC",
    HC="PC",
    DU="GV",
    REN="CV",
    RN="CV",
)
_CODE_RE = re.compile(r"^(EX-[A-Z]{1,2})\s*-?\s*(\d+)$|^([A-Z]{1,3})\s*-?\s*(\d+)$")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AtlasPoint(_Frozen):
    """One acupuncture point (a group such as Bafeng is one entry with ``members`` needles)."""

    code: str
    meridian: str | None  # None for extra points
    pinyin: str
    hanzi: str
    english: str  # a plain translation of the name, not a standard term
    region: str
    location: str  # our own short paraphrase, not the WHO text
    laterality: Literal["bilateral", "midline"]
    members: int = Field(default=1, ge=1)  # needles in a point group, both sides together
    cautions: tuple[Caution, ...] = ()
    sources: list[str]

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in REGIONS:
            raise ValueError(f"unknown region {value!r}")
        return value


class Innervation(_Frozen):
    """Nerve at a point and the root range of that nerve (a derived value, not a point segment)."""

    code: str
    nerves: list[str]
    roots: list[str]
    status: Literal["derived", "unverified"]
    note: str | None = None
    sources: list[str]


class Dermatome(_Frozen):
    """A dermatome, the body regions it covers and the atlas points used to reach it."""

    segment: str
    regions: list[str]
    key_point: str
    points: list[str]
    jiaji: bool
    note: str | None = None
    sources: list[str]


def normalise_code(raw: str) -> str:
    """Normalise a code to WHO style: ``"lv 3"`` -> ``"LR3"``, ``"ex-le 10"`` -> ``"EX-LE10"``."""
    text = raw.strip().upper()
    match = _CODE_RE.match(text)
    if match is None:
        raise ValueError(f"not a point code: {raw!r}")
    if match.group(1):
        return f"{match.group(1)}{int(match.group(2))}"
    prefix = _ALIASES.get(match.group(3), match.group(3))
    return f"{prefix}{int(match.group(4))}"


def _rows(relative: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(knowledge_text(relative))))


def _cautions(cell: str) -> tuple[Caution, ...]:
    return tuple(c for c in cell.split(";") if c)  # type: ignore[misc]


@cache
def atlas() -> dict[str, AtlasPoint]:
    """Every point of the atlas by WHO code; the meridian counts are checked on load."""
    found: dict[str, AtlasPoint] = {}
    check_cited(_ATLAS_SOURCES, "atlas/meridian_points.csv")
    check_cited(_EXTRA_SOURCES, "atlas/extra_points.csv")
    for row in _rows("atlas/meridian_points.csv"):
        point = AtlasPoint(
            code=row["code"],
            meridian=row["meridian"],
            pinyin=row["pinyin"],
            hanzi=row["hanzi"],
            english=row["english"],
            region=row["region"],
            location=row["location"],
            laterality="midline" if row["meridian"] in ("GV", "CV") else "bilateral",
            cautions=_cautions(row["cautions"]),
            sources=_ATLAS_SOURCES,
        )
        prefix = point.meridian or ""
        if normalise_code(point.code) != point.code or not point.code.startswith(prefix):
            raise ValueError(f"atlas: malformed code {point.code!r}")
        found[point.code] = point
    for row in _rows("atlas/extra_points.csv"):
        point = AtlasPoint(
            code=row["code"],
            meridian=None,
            pinyin=row["pinyin"],
            hanzi=row["hanzi"],
            english=row["english"],
            region=row["region"],
            location=row["location"],
            laterality=row["laterality"],
            members=int(row["members"]),
            cautions=_cautions(row["cautions"]),
            sources=_EXTRA_SOURCES,
        )
        found[point.code] = point
    for meridian, expected in MERIDIAN_COUNTS.items():
        on_meridian = [p for p in found.values() if p.meridian == meridian]
        numbers = sorted(int(p.code[len(meridian) :]) for p in on_meridian)
        if numbers != list(range(1, expected + 1)):
            raise ValueError(f"atlas: meridian {meridian} must hold points 1..{expected}")
    return found


def atlas_point(code: str) -> AtlasPoint:
    """The atlas entry for ``code`` (any common spelling); ``KeyError`` names an unknown code."""
    normal = normalise_code(code)
    try:
        return atlas()[normal]
    except KeyError:
        raise KeyError(f"unknown point code {code!r}") from None


def points(meridian: str | None = None, region: str | None = None) -> list[AtlasPoint]:
    """Atlas points, optionally of one meridian and/or one body region, in atlas order."""
    wanted_meridian = _ALIASES.get(meridian.upper(), meridian.upper()) if meridian else None
    if wanted_meridian is not None and wanted_meridian not in MERIDIAN_COUNTS:
        raise ValueError(f"unknown meridian {meridian!r}")
    if region is not None and region not in REGIONS:
        raise ValueError(f"unknown region {region!r}")
    return [
        p
        for p in atlas().values()
        if (wanted_meridian is None or p.meridian == wanted_meridian)
        and (region is None or p.region == region)
    ]


@cache
def innervation() -> dict[str, Innervation]:
    """Nerve data by point code, for the points the protocols use."""
    found: dict[str, Innervation] = {}
    for raw in yaml.safe_load(knowledge_text("atlas/innervation.yaml")):
        entry = Innervation.model_validate(raw)
        check_cited(entry.sources, f"atlas/innervation.yaml {entry.code}")
        atlas_point(entry.code)
        found[entry.code] = entry
    return found


@cache
def dermatomes() -> dict[str, Dermatome]:
    """Dermatomes C2..S5 by segment name."""
    data = yaml.safe_load(knowledge_text("dermatomes.yaml"))
    sources = check_cited(list(data["sources"]), "dermatomes.yaml")
    found: dict[str, Dermatome] = {}
    for raw in data["segments"]:
        entry = Dermatome.model_validate({**raw, "sources": raw.get("sources", sources)})
        check_cited(entry.sources, f"dermatomes.yaml {entry.segment}")
        for code in entry.points:
            atlas_point(code)
        for region in entry.regions:
            if region not in REGIONS:
                raise ValueError(f"dermatomes.yaml {entry.segment}: unknown region {region!r}")
        found[entry.segment] = entry
    return found


def dermatome(segment: str) -> Dermatome:
    """One dermatome, e.g. ``"T5"``."""
    try:
        return dermatomes()[segment]
    except KeyError:
        raise KeyError(f"unknown dermatome {segment!r}") from None
