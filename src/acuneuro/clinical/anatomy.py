"""Anatomical danger zones enforced on points: refused, hand-added within a limit, or proposed
with the zone's own technique limit.

The zones are data (``knowledge/atlas/danger_zones.yaml``): ``refuse`` points (ST17 nipple, CV8
umbilicus) are never needled anywhere; ``danger`` points (medulla, spinal cord, pleura, viscera,
major vessels, eye) are never proposed by the planner and enter a plan or a session only with the
zones acknowledged and a depth (mm) and angle limit recorded; ``technique`` points (thoracic
Jiaji) are proposed with the zone's limit attached. Every point carrying a limit gets a caution
in the screen that names it and its limit.

References
----------
Peuker E, Grönemeyer D. Acupunct Med 2001;19:103-108 (traumatic lesions: pneumothorax and the
spinal cord first). Peuker ET et al. Arch Fam Med 1999;8:553-558. Zhang J et al. Bull WHO
2010;88:915-921. Chu H et al. eCAM 2018 (safe depth at GB21 varies between patients).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from acuneuro.clinical.safety_model import NeedlingLimit, PlanPoint, SafetyFinding, Severity
from acuneuro.clinical.stricta import NeedledPoint
from acuneuro.i18n import N_
from acuneuro.i18n.prose import fill
from acuneuro.knowledge import DangerZone, atlas, normalise_code, point_zones

__all__ = [
    "LIMIT_RULE",
    "danger_zones_of",
    "hand_added_problem",
    "limit_findings",
    "refusal",
    "session_problems",
    "technique_limit",
]

# The rule id of the caution each point with a needling limit adds to the screen.
LIMIT_RULE = "anatomical-limit"


def _atlas_code(code: str) -> str | None:
    try:
        normal = normalise_code(code)
    except ValueError:
        return None
    return normal if normal in atlas() else None


def _labels(zones: Sequence[DangerZone]) -> str:
    return " and ".join(z.label for z in zones)


def _named(code: str) -> str:
    return f"{code} {atlas()[code].pinyin}"


def refusal(code: str) -> str | None:
    """Why ``code`` is never needled (a ``refuse`` zone), or ``None``; any spelling of the code."""
    normal = _atlas_code(code)
    if normal is None:
        return None
    zones = [z for z in point_zones(normal) if z.kind == "refuse"]
    if not zones:
        return None
    return f"{_named(normal)} is never needled: {zones[0].hazard}"


def danger_zones_of(code: str) -> list[DangerZone]:
    """The ``danger`` zones (never proposed; hand-added with a limit) ``code`` lies in."""
    normal = _atlas_code(code)
    return [] if normal is None else [z for z in point_zones(normal) if z.kind == "danger"]


def technique_limit(code: str) -> NeedlingLimit | None:
    """The limit the planner attaches to a ``technique`` zone point (thoracic Jiaji), or None."""
    normal = _atlas_code(code)
    zones = [] if normal is None else [z for z in point_zones(normal) if z.kind == "technique"]
    if not zones or zones[0].limit is None:
        return None
    limit = zones[0].limit
    return NeedlingLimit(angle=limit.angle, max_depth_mm=limit.max_depth_mm,
                         direction=limit.direction, basis=limit.basis)


def hand_added_problem(code: str, limit: NeedlingLimit | None) -> str | None:
    """Why a point added by hand cannot enter a plan or session as given, or ``None``.

    A ``refuse`` point never can; a ``danger`` point needs every zone acknowledged and a limit
    with a maximum depth in millimetres (no depth is safe for every patient).
    """
    problem = refusal(code)
    if problem is not None:
        return problem
    zones = danger_zones_of(code)
    if not zones:
        return None
    normal = _atlas_code(code) or code
    where = f"{_named(normal)} lies over {_labels(zones)}"
    if limit is None:
        return (f"{where}; it is added by hand only with the danger acknowledged and a needling "
                "limit (maximum depth in mm and angle) recorded")
    missing = [z for z in zones if z.tag not in limit.acknowledged]
    if missing:
        return f"{where}; acknowledge the danger of {_labels(missing)} before adding it"
    if limit.max_depth_mm is None:
        return f"{where}; record the maximum depth in mm for this patient"
    return None


# The caution of a point with a needling limit (limit_findings), shown in the reader's language.
_LIMIT = N_("{point} ({side}) lies over {zones}: needle {limit}.")
_LIMIT_BY_HAND = N_("{point} ({side}) lies over {zones}: needle {limit} (added by hand, danger "
                    "acknowledged).")


def limit_findings(points: Iterable[PlanPoint]) -> list[SafetyFinding]:
    """One caution per point with a needling limit, naming the point, the zone and the limit."""
    found: list[SafetyFinding] = []
    for point in points:
        if point.limit is None:
            continue
        normal = _atlas_code(point.code)
        zones = [] if normal is None else [z for z in point_zones(normal) if z.kind != "refuse"]
        label: Any = ({"items": [z.label for z in zones], "sep": " and "} if zones
                      else N_("an anatomical danger zone"))
        sources = sorted({s for z in zones for s in z.sources}) or ["acu-peuker2001"]
        template = _LIMIT_BY_HAND if point.limit.acknowledged else _LIMIT
        named = {"template": "{code} {name}",
                 "params": {"code": point.code, "name": point.name_said()}}
        params = {"point": named, "side": point.side, "zones": label,
                  "limit": point.limit.said()}
        found.append(SafetyFinding(rule=LIMIT_RULE, severity=Severity.caution,
                                   message=fill(template, params), template=template,
                                   params=params, sources=sources))
    return found


def session_problems(points: Sequence[NeedledPoint], plan: Sequence[PlanPoint]) -> list[str]:
    """Why session points cannot be recorded: a never-needled point, a danger-zone point without
    a limit (its own or its plan point's), or a depth beyond that limit or not given in mm."""
    planned = {_atlas_code(p.code): p.limit for p in plan if p.limit is not None}
    problems: list[str] = []
    for index, point in enumerate(points):
        field = f"points.{index}"
        refused = refusal(point.code)
        if refused is not None:
            problems.append(f"{field}: {refused}")
            continue
        if not danger_zones_of(point.code):
            continue
        limit = point.limit or planned.get(_atlas_code(point.code))
        problem = hand_added_problem(point.code, limit)
        # Without a problem the limit exists and has a depth; the test only narrows the types.
        if problem is not None or limit is None or limit.max_depth_mm is None:
            problems.append(f"{field}: {problem or 'no needling limit'}")
            continue
        problems += _depth_problems(field, point, limit.max_depth_mm)
    return problems


def _depth_problems(field: str, point: NeedledPoint, most: float) -> list[str]:
    if point.depth_mm is None:
        return [f"{field}.depth_mm: give the depth in mm so it can be checked against the "
                f"limit of {most:g} mm for {point.code}"]
    if point.depth_mm > most:
        return [f"{field}.depth_mm: {point.code} was needled {point.depth_mm:g} mm deep, beyond "
                f"its limit of {most:g} mm"]
    return []
