"""Anatomical danger zones (``knowledge/atlas/danger_zones.yaml``): what each atlas caution tag
means, what it rests on, and whether a point carrying it is refused, hand-added only, or
proposed with a fixed technique limit.

References
----------
Peuker E, Grönemeyer D. Rare but serious complications of acupuncture: traumatic lesions.
Acupunct Med 2001;19:103-108. Peuker ET et al. Arch Fam Med 1999;8:553-558. Zhang J et al.
Bull WHO 2010;88:915-921. See the file's header for how each tag was decided.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from acuneuro.knowledge._atlas import atlas
from acuneuro.knowledge._bibliography import check_cited, knowledge_text

__all__ = ["DangerZone", "TechniqueLimit", "danger_zone", "danger_zones", "point_zones"]

ZoneKind = Literal["refuse", "danger", "technique"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TechniqueLimit(_Frozen):
    """The needling limit the planner attaches to every point of a ``technique`` zone."""

    angle: Literal["perpendicular", "oblique", "transverse"]
    direction: str = Field(min_length=1)
    basis: str = Field(min_length=1)
    max_depth_mm: float | None = Field(default=None, gt=0)


class DangerZone(_Frozen):
    tag: str
    kind: ZoneKind
    label: str = Field(min_length=1)
    hazard: str = Field(min_length=1)
    points: list[str] = Field(min_length=1)
    notes: dict[str, str] = Field(default_factory=dict)
    limit: TechniqueLimit | None = None
    sources: list[str] = Field(min_length=1)


@cache
def danger_zones() -> dict[str, DangerZone]:
    """Every zone by tag; each zone's points are exactly the atlas points with that tag."""
    found: dict[str, DangerZone] = {}
    points = atlas()
    for raw in yaml.safe_load(knowledge_text("atlas/danger_zones.yaml"))["zones"]:
        zone = DangerZone.model_validate(raw)
        where = f"atlas/danger_zones.yaml {zone.tag}"
        check_cited(zone.sources, where)
        if (zone.kind == "technique") != (zone.limit is not None):
            raise ValueError(f"{where}: a technique zone, and only one, states its limit")
        tagged = {code for code, p in points.items() if zone.tag in p.cautions}
        if tagged != set(zone.points):
            raise ValueError(f"{where}: points differ from the atlas tags: "
                             f"{sorted(tagged ^ set(zone.points))}")
        unknown = set(zone.notes) - set(zone.points)
        if unknown:
            raise ValueError(f"{where}: notes for points outside the zone {sorted(unknown)}")
        found[zone.tag] = zone
    untagged = {t for p in points.values() for t in p.cautions} - set(found) - {"pregnancy"}
    if untagged:
        raise ValueError(f"atlas/danger_zones.yaml: no zone for tag(s) {sorted(untagged)}")
    return found


def danger_zone(tag: str) -> DangerZone:
    """One zone by its tag (``KeyError`` for a tag without a zone, e.g. ``pregnancy``)."""
    return danger_zones()[tag]


def point_zones(code: str) -> list[DangerZone]:
    """The zones a point lies in (refuse first, then danger, then technique), by atlas code."""
    order = {"refuse": 0, "danger": 1, "technique": 2}
    zones = danger_zones()
    found = [zones[t] for t in atlas()[code].cautions if t in zones]
    return sorted(found, key=lambda z: order[z.kind])
