"""Point selection for the planner: protocol candidates per role, then the safety exclusions.

Local points come from the protocol's limb sets for the affected regions, segmental points
from the affected dermatomes (Jiaji at the level, points on the dermatome), distal points from
the protocol. Exclusions remove exactly the excluded points, regions, dermatomes and sides, and
every removal is reported with the rule that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from acuneuro.clinical.anatomy import danger_zones_of, refusal, technique_limit
from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.safety_model import (
    POINT_AT_LEVEL,
    NeedlingLimit,
    PlanPoint,
    PointSide,
    SafetyFinding,
)
from acuneuro.i18n import N_
from acuneuro.i18n.prose import fill
from acuneuro.knowledge import Protocol, atlas_point, dermatome

__all__ = [
    "OMISSION_SENTENCES",
    "RATIONALE_SENTENCES",
    "Candidate",
    "Omission",
    "apply_exclusions",
    "candidates",
    "is_thoracic",
    "point_region",
]

# The sentences the planner adds to a protocol's point rationale. A plan stores the English
# rationale; a page reads these sentences back (acuneuro.i18n.prose) to show them translated.
LOCAL_REASON = N_("Local point along the affected limb ({regions}).")
JIAJI_REASON = N_("Jiaji (EX-B2) beside the {dermatome} spinous process.")
DERMATOME_REASON = N_("On the {dermatome} dermatome near its key sensory point ({key_point}); "
                      "needle around, never through, any lesion.")
RATIONALE_SENTENCES = (LOCAL_REASON, JIAJI_REASON, DERMATOME_REASON)
# What a plan left out and why, in the same way (OMISSION_SENTENCES).
_LOCAL_FOR = N_("local points for {region} ({side})")
_SEGMENTAL_FOR = N_("segmental points for {dermatome}")
_JIAJI_AT = N_("Jiaji at {dermatome}")
_POINTS_ON = N_("points on the {dermatome} dermatome ({points})")
_NEVER_PROPOSED = N_("lies over {zones}: never proposed; a clinician may add it by hand with the "
                     "danger acknowledged and a depth and angle limit")
_BOTH_SIDES = N_("{point} (both sides)")
_ONE_SIDE = N_("{point} ({side} side)")
OMISSION_SENTENCES = (_LOCAL_FOR, _SEGMENTAL_FOR, _JIAJI_AT, _POINTS_ON, _NEVER_PROPOSED,
                      _BOTH_SIDES, _ONE_SIDE, POINT_AT_LEVEL)

_SIDES = {
    "left": frozenset({"left"}),
    "right": frozenset({"right"}),
    "both": frozenset({"left", "right"}),
}
_JIAJI = "EX-B2"


@dataclass
class Candidate:
    """A point the protocol proposes before the safety exclusions are applied."""

    code: str
    role: str
    sides: set[str]  # {"left", "right"}; empty for a midline point
    rationale: str
    sources: list[str]
    level: str | None = None  # dermatome of a segmental Jiaji point
    midline: bool = False
    limit: NeedlingLimit | None = None  # needling limit of a point in a danger zone

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.code, self.level)

    def name(self) -> str:
        base = atlas_point(self.code).pinyin
        return fill(POINT_AT_LEVEL, {"name": base, "level": self.level}) if self.level else base

    def side(self) -> PointSide:
        if self.midline:
            return "midline"
        if self.sides == {"left", "right"}:
            return "both"
        return "left" if self.sides == {"left"} else "right"

    def to_plan_point(self) -> PlanPoint:
        return PlanPoint(
            code=self.code,
            name=self.name(),
            role=self.role,
            side=self.side(),
            rationale=self.rationale,
            sources=sorted(set(self.sources)),
            limit=self.limit,
        )


@dataclass(frozen=True)
class Omission:
    what: str
    reason: str
    rule: str


@dataclass
class _Selection:
    chosen: dict[tuple[str, str | None], Candidate] = field(default_factory=dict)
    omitted: list[Omission] = field(default_factory=list)

    def add(self, item: Candidate) -> None:
        known = self.chosen.get(item.key)
        if known is None:
            self.chosen[item.key] = item
        elif known.role == item.role:
            known.sides |= item.sides
            known.sources = sorted(set(known.sources) | set(item.sources))


def is_thoracic(segment: str) -> bool:
    """T1-T12: the dermatomes whose anterior and lateral points lie over the pleura."""
    return segment.startswith("T")


def point_region(code: str, level: str | None) -> str:
    """Body region of a planned point; a Jiaji point's region follows its vertebral level."""
    if code == _JIAJI and level is not None:
        return "lower_back" if level.startswith("L") else "upper_back"
    return atlas_point(code).region


def _local(case: ClinicalCase, proto: Protocol, sel: _Selection) -> None:
    covered: set[str] = set()
    for rule in proto.local:
        sides: set[str] = set()
        for site in case.pain.regions:
            if site.region.value in rule.when_regions:
                sides |= _SIDES[site.side.value]
                covered.add(site.region.value)
        for point in rule.points if sides else []:
            affected = ", ".join(r for r in rule.when_regions)
            text = f"{point.rationale} {fill(LOCAL_REASON, {'regions': affected})}"
            sel.add(Candidate(point.code, "local", set(sides), text, list(point.sources)))
    uses_segments = proto.segmental.jiaji or proto.segmental.dermatome_points
    if proto.local and not case.pain.regions:
        sel.omitted.append(Omission(
            N_("local points"), N_("no affected region is given; local points need it"),
            f"protocol:{proto.condition}",
        ))  # fmt: skip
    for site in case.pain.regions:
        if site.region.value not in covered and not (uses_segments and case.pain.dermatomes):
            sel.omitted.append(
                Omission(
                    what=fill(_LOCAL_FOR, {"region": site.region.value,
                                           "side": site.side.value}),
                    reason=N_("the protocol has no published local point set for this region"),
                    rule=f"protocol:{proto.condition}",
                )
            )


def _segmental(case: ClinicalCase, proto: Protocol, sel: _Selection) -> None:
    seg = proto.segmental
    rule = f"protocol:{proto.condition}"
    if not (seg.jiaji or seg.dermatome_points):
        for site in case.pain.dermatomes:
            sel.omitted.append(
                Omission(fill(_SEGMENTAL_FOR, {"dermatome": site.dermatome}), seg.rationale,
                         rule)
            )
        return
    if not case.pain.dermatomes and not proto.local:
        sel.omitted.append(
            Omission(
                N_("segmental points"),
                N_("no affected dermatome is given; segmental selection needs it"),
                rule,
            )
        )
    for site in case.pain.dermatomes:
        entry = dermatome(site.dermatome)
        sides = set(_SIDES[site.side.value])
        if seg.jiaji and entry.jiaji:
            text = f"{seg.rationale} {fill(JIAJI_REASON, {'dermatome': site.dermatome})}"
            sel.add(
                Candidate(
                    _JIAJI,
                    "segmental",
                    set(sides),
                    text,
                    [*seg.sources, *entry.sources],
                    level=site.dermatome,
                    limit=technique_limit(_JIAJI),
                )
            )
        elif seg.jiaji:
            sel.omitted.append(
                Omission(
                    fill(_JIAJI_AT, {"dermatome": site.dermatome}),
                    N_("Jiaji (EX-B2) exists from T1 to L5 only (WHO)"),
                    rule,
                )
            )
        # Thoracic dermatome points are intercostal, over the pleura, and in no cited trial.
        on_dermatome = seg.dermatome_points and not is_thoracic(site.dermatome)
        if seg.dermatome_points and entry.points and not on_dermatome:
            sel.omitted.append(Omission(
                fill(_POINTS_ON, {"dermatome": site.dermatome, "points": ", ".join(entry.points)}),
                N_("intercostal points lie over the pleura and no cited trial needled them; "
                   "thoracic segments get Jiaji (and the protocol's encircling needling) instead"),
                rule,
            ))  # fmt: skip
        for code in entry.points if on_dermatome else []:
            text = fill(DERMATOME_REASON, {"dermatome": site.dermatome,
                                           "key_point": entry.key_point})
            sel.add(Candidate(code, "local", set(sides), text, [*seg.sources, *entry.sources]))


def _distal(proto: Protocol, sel: _Selection) -> None:
    planned = {code for code, _ in sel.chosen}
    for point in proto.distal:
        if point.code in planned:
            continue
        midline = atlas_point(point.code).laterality == "midline"
        sides = set() if midline else {"left", "right"}
        sel.add(
            Candidate(
                point.code, "distal", sides, point.rationale, list(point.sources), midline=midline
            )
        )


def candidates(case: ClinicalCase, proto: Protocol) -> tuple[list[Candidate], list[Omission]]:
    """Every point the protocol proposes for this case, and what it could not propose and why."""
    sel = _Selection()
    _local(case, proto, sel)
    _segmental(case, proto, sel)
    _distal(proto, sel)
    for item in sel.chosen.values():
        item.midline = item.midline or atlas_point(item.code).laterality == "midline"
        if item.midline:
            item.sides = set()
    return _outside_danger_zones(list(sel.chosen.values()), sel.omitted, proto.condition)


def _outside_danger_zones(
    items: list[Candidate], omitted: list[Omission], condition: str
) -> tuple[list[Candidate], list[Omission]]:
    """Never propose a point in a danger zone (atlas/danger_zones.yaml); say which and why."""
    kept: list[Candidate] = []
    for item in items:
        refused = refusal(item.code)
        zones = danger_zones_of(item.code)
        if refused is None and not zones:
            kept.append(item)
            continue
        reason = refused or fill(_NEVER_PROPOSED, {"zones": " and ".join(z.label for z in zones)})
        omitted.append(Omission(_label(item), reason, f"danger-zone:{condition}"))
    return kept, omitted


def _label(item: Candidate) -> str:
    return f"{item.code} {item.name()}"


def _remove_sides(
    item: Candidate, sides: frozenset[str], finding: SafetyFinding, omitted: list[Omission]
) -> None:
    if item.midline:
        item.sides = set()
        item.midline = False  # marks the midline point as removed
        omitted.append(Omission(_label(item), finding.message, finding.rule))
        return
    lost = item.sides & sides
    if lost:
        item.sides -= lost
        what = (fill(_BOTH_SIDES, {"point": _label(item)}) if lost == {"left", "right"}
                else fill(_ONE_SIDE, {"point": _label(item), "side": next(iter(lost))}))
        omitted.append(Omission(what, finding.message, finding.rule))


def apply_exclusions(
    items: list[Candidate], findings: list[SafetyFinding]
) -> tuple[list[Candidate], list[Omission]]:
    """Remove excluded points, regions and dermatomes (with their sides); report each removal."""
    omitted: list[Omission] = []
    for finding in findings:
        for item in items:
            if not (item.sides or item.midline):
                continue
            if item.code in finding.excluded_points or (
                item.code == _JIAJI and item.level in finding.excluded_jiaji_levels
            ):
                _remove_sides(item, _SIDES["both"], finding, omitted)
                continue
            region = point_region(item.code, item.level)
            for site in finding.excluded_regions:
                if site.region.value == region:
                    _remove_sides(item, _SIDES[site.side.value], finding, omitted)
            for dsite in finding.excluded_dermatome_sites:
                on_segment = item.level == dsite.dermatome or (
                    item.code != _JIAJI and item.code in dermatome(dsite.dermatome).points
                )
                if on_segment and (item.sides or item.midline):
                    _remove_sides(item, _SIDES[dsite.side.value], finding, omitted)
    kept = [item for item in items if item.sides or item.midline]
    return kept, omitted
