"""Acupuncture protocols per condition, as data (``knowledge/protocols/<condition>.yaml``).

Each protocol gives local point sets per affected region, distal points, the segmental rule,
manual and electro-acupuncture stimulation, the course and the re-assessment schedule, every
item with the trials or reviews it comes from (shared/reference/acupuncture-protocols.md).
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.knowledge._atlas import REGIONS, atlas_point
from acuneuro.knowledge._bibliography import check_cited, knowledge_text
from acuneuro.knowledge._danger import point_zones

__all__ = [
    "CONDITIONS",
    "Course",
    "Electro",
    "LocalRule",
    "Manual",
    "Protocol",
    "ProtocolPoint",
    "Reassessment",
    "SegmentTechnique",
    "Segmental",
    "protocol",
    "protocols",
]

CONDITIONS: tuple[str, ...] = ("dpn", "phn", "cipn", "sci", "ms", "other")

UPPER_LIMB = frozenset({"shoulder", "upper_arm", "forearm", "hand"})
LOWER_LIMB = frozenset({"hip", "thigh", "knee", "leg", "foot"})


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProtocolPoint(_Frozen):
    code: str
    rationale: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class LocalRule(_Frozen):
    """Points along the affected limb, used when any of ``when_regions`` is affected."""

    when_regions: list[str] = Field(min_length=1)
    points: list[ProtocolPoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _regions_known(self) -> LocalRule:
        unknown = [r for r in self.when_regions if r not in REGIONS]
        if unknown:
            raise ValueError(f"unknown region(s) {unknown}")
        return self


class SegmentTechnique(_Frozen):
    """A needling technique (not an atlas point) the protocol's trials used at a segment."""

    name: str = Field(min_length=1)
    how: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class Segmental(_Frozen):
    jiaji: bool
    # Points on the dermatome (dermatomes.yaml) for cervical, lumbar and sacral segments only:
    # at T1-T12 they are anterior or lateral intercostal points over the pleura that no cited
    # trial needled, so a thoracic segment gets Jiaji and ``thoracic_technique`` instead.
    dermatome_points: bool
    rationale: str
    sources: list[str] = Field(min_length=1)
    thoracic_technique: SegmentTechnique | None = None


class Manual(_Frozen):
    retention_min: int | None = Field(default=None, gt=0)
    note: str
    sources: list[str] = Field(min_length=1)


class Electro(_Frozen):
    frequency_hz: str
    retention_min: int = Field(gt=0)
    pairs: list[tuple[str, str]] = Field(default_factory=list)
    note: str
    # How strong, when the source doses by the patient's report; the planner replaces it where
    # the skin has no protective sensation (safety rule insensate-electroacupuncture).
    intensity: str | None = None
    avoid_during_agents: list[str] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)


class Stimulation(_Frozen):
    manual: Manual
    electro: Electro | None = None


class Course(_Frozen):
    sessions_per_week: int | None = Field(default=None, gt=0)
    weeks: int | None = Field(default=None, gt=0)
    sessions: int | None = Field(default=None, gt=0)
    note: str
    sources: list[str] = Field(min_length=1)


class Reassessment(_Frozen):
    week: int = Field(ge=0)
    instruments: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class Protocol(_Frozen):
    condition: Literal["dpn", "phn", "cipn", "sci", "ms", "other"]
    title: str
    status: Literal["verified", "secondary"]
    evidence: str
    sources: list[str] = Field(min_length=1)
    local: list[LocalRule]
    distal: list[ProtocolPoint]
    segmental: Segmental
    stimulation: Stimulation
    course: Course
    reassessment: list[Reassessment]

    def point_codes(self) -> set[str]:
        """Every point code the protocol names (local, distal and electro pairs)."""
        codes = {p.code for rule in self.local for p in rule.points}
        codes |= {p.code for p in self.distal}
        if self.stimulation.electro is not None:
            codes |= {c for pair in self.stimulation.electro.pairs for c in pair}
        return codes


def _check(protocol: Protocol) -> None:
    where = f"protocols/{protocol.condition}.yaml"
    groups: list[list[str]] = [protocol.sources, protocol.segmental.sources]
    if protocol.segmental.thoracic_technique is not None:
        groups.append(protocol.segmental.thoracic_technique.sources)
    groups += [protocol.stimulation.manual.sources, protocol.course.sources]
    groups += [p.sources for rule in protocol.local for p in rule.points]
    groups += [p.sources for p in protocol.distal]
    groups += [r.sources for r in protocol.reassessment]
    if protocol.stimulation.electro is not None:
        groups.append(protocol.stimulation.electro.sources)
    for ids in groups:
        check_cited(ids, where)
    for code in protocol.point_codes():
        atlas_point(code)
        hazards = [z.label for z in point_zones(code) if z.kind != "technique"]
        if hazards:
            # Danger-zone points are added by hand with a limit, never proposed by a protocol.
            raise ValueError(f"{where}: {code} lies over {hazards[0]}; a protocol may not name it")
    for rule in protocol.local:
        limb = UPPER_LIMB if set(rule.when_regions) <= UPPER_LIMB else LOWER_LIMB
        for point in rule.points:
            if atlas_point(point.code).region not in limb:
                raise ValueError(f"{where}: local point {point.code} is not on the affected limb")


@cache
def protocols() -> dict[str, Protocol]:
    """Every protocol by condition; each cites its sources and names only atlas points."""
    found: dict[str, Protocol] = {}
    for condition in CONDITIONS:
        raw = yaml.safe_load(knowledge_text(f"protocols/{condition}.yaml"))
        item = Protocol.model_validate(raw)
        if item.condition != condition:
            raise ValueError(f"protocols/{condition}.yaml describes {item.condition!r}")
        _check(item)
        found[condition] = item
    return found


def protocol(condition: str) -> Protocol:
    """The protocol for one condition kind."""
    try:
        return protocols()[condition]
    except KeyError:
        raise KeyError(f"no protocol for condition {condition!r}") from None
