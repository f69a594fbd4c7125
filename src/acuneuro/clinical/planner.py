"""The acupuncture planner: a clinical case in, a safe and cited plan out.

The plan follows the condition's protocol (``knowledge/protocols/``): local points along the
affected limbs, segmental points at the affected dermatomes, distal points, the stimulation and
the course of the trials it cites. The safety screen (``clinical/safety.py``) runs first: a
``stop`` returns no points; excluded points, regions, dermatomes (with their side) and
techniques never reach the plan, and the plan says what it left out and why. No point of an
anatomical danger zone (``knowledge/atlas/danger_zones.yaml``) is ever proposed; a thoracic
segment (T1-T12) gets Jiaji with its bone-backed limit and, where the protocol's trials used it,
encircling needling around the lesion (``Plan.techniques``) instead of intercostal points.

References
----------
Source pathway (``shared/seed``): local points along the affected limbs and distal points (DPN),
points on the affected dermatome and distal points (PHN), stimulation of segmental nerve fibres.
Protocol sources: see each ``knowledge/protocols/<condition>.yaml``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from acuneuro.clinical._plan_points import (
    OMISSION_SENTENCES,
    RATIONALE_SENTENCES,
    Candidate,
    Omission,
    apply_exclusions,
    candidates,
    is_thoracic,
    point_region,
)
from acuneuro.clinical.anatomy import limit_findings
from acuneuro.clinical.case import ClinicalCase, ConditionKind
from acuneuro.clinical.safety import screen_case, screen_points
from acuneuro.clinical.safety_model import PlanPoint, SafetyFinding, SafetyScreen, Severity
from acuneuro.i18n import N_
from acuneuro.i18n.prose import fill
from acuneuro.knowledge import Electro, Protocol, protocol

__all__ = [
    "OMISSION_SENTENCES",
    "PLANNER_SENTENCES",
    "RATIONALE_SENTENCES",
    "Candidate",
    "Course",
    "Omitted",
    "Plan",
    "PlannedTechnique",
    "Reassessment",
    "Stimulation",
    "apply_exclusions",
    "build_plan",
    "point_region",
]

# Omissions the planner words itself (the rest are the protocol's or a safety rule's words).
_NOT_DURING = N_("not during {agents}: EA to prevent neuropathy during taxanes did harm "
                 "(Greenlee 2016)")
_TECHNIQUE_AT = N_("{technique} at {dermatome} ({side})")
PLANNER_SENTENCES = (_NOT_DURING, _TECHNIQUE_AT)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stimulation(_Frozen):
    technique: Literal["manual", "electroacupuncture"]
    frequency_hz: str | None = None
    retention_min: int | None = None  # None: not reported in the protocol's sources
    pairs: list[tuple[str, str]] = Field(default_factory=list)
    note: str
    sources: list[str] = Field(min_length=1)


class Reassessment(_Frozen):
    week: int
    instruments: list[str]
    sources: list[str]


class Course(_Frozen):
    sessions_per_week: int | None
    weeks: int | None
    sessions: int | None
    note: str
    reassessment: list[Reassessment]
    sources: list[str] = Field(min_length=1)


class PlannedTechnique(_Frozen):
    """A needling technique at a segment that is not an atlas point (e.g. encircling needling)."""

    name: str
    segment: str
    side: Literal["left", "right", "both"]
    how: str
    sources: list[str] = Field(min_length=1)


class Omitted(_Frozen):
    what: str
    reason: str
    rule: str


class Plan(_Frozen):
    condition: ConditionKind
    protocol: str
    safety: SafetyScreen
    points: list[PlanPoint]
    techniques: list[PlannedTechnique] = Field(default_factory=list)
    stimulation: Stimulation | None
    course: Course | None
    omitted: list[Omitted]
    sources: list[str]


def _omitted(items: list[Omission]) -> list[Omitted]:
    return [Omitted(what=o.what, reason=o.reason, rule=o.rule) for o in items]


def _electro(
    case: ClinicalCase, proto: Protocol, findings: list[SafetyFinding], kept: list[Candidate]
) -> Electro | Omission:
    """The protocol's electroacupuncture parameters, or why electroacupuncture cannot be given."""
    for finding in findings:
        if "electroacupuncture" in finding.excluded_techniques:
            return Omission("electroacupuncture", finding.message, finding.rule)
    electro = proto.stimulation.electro
    rule = f"protocol:{proto.condition}"
    if electro is None:
        return Omission(
            "electroacupuncture",
            N_("no verified electroacupuncture parameters in the protocol's sources"),
            rule,
        )
    chemo = case.chemotherapy
    given = set(chemo.agents) if chemo is not None and chemo.active else set()
    during = sorted(given & set(electro.avoid_during_agents))
    if during:
        reason = fill(_NOT_DURING, {"agents": ", ".join(during)})
        return Omission("electroacupuncture", reason, rule)
    if electro.pairs and not _usable_pairs(electro.pairs, kept):
        return Omission(
            "electroacupuncture", N_("the points of its electrode pairs were left out"), rule
        )
    return electro


def _usable_pairs(pairs: list[tuple[str, str]], kept: list[Candidate]) -> list[tuple[str, str]]:
    sides = {item.code: item.sides for item in kept if item.level is None}
    return [(a, b) for a, b in pairs if sides.get(a, set()) & sides.get(b, set())]


def _electro_note(electro: Electro, findings: list[SafetyFinding]) -> str:
    """The protocol's note; where sensation is impaired a safety rule's dosing replaces the
    intensity the protocol sets by the patient's report ("80% of the bearable intensity")."""
    dosing = [f.electro_note for f in findings if f.electro_note]
    intensity = dosing or ([electro.intensity] if electro.intensity else [])
    return " ".join([*dict.fromkeys(intensity), electro.note])


def _stimulation(
    case: ClinicalCase,
    proto: Protocol,
    findings: list[SafetyFinding],
    kept: list[Candidate],
    omitted: list[Omission],
) -> Stimulation:
    manual = proto.stimulation.manual
    if case.requested.electroacupuncture:
        electro = _electro(case, proto, findings, kept)
        if isinstance(electro, Omission):
            omitted.append(electro)
        else:
            return Stimulation(
                technique="electroacupuncture",
                frequency_hz=electro.frequency_hz,
                retention_min=electro.retention_min,
                pairs=_usable_pairs(electro.pairs, kept),
                note=_electro_note(electro, findings),
                sources=list(electro.sources),
            )
    return Stimulation(
        technique="manual",
        retention_min=manual.retention_min,
        note=manual.note,
        sources=list(manual.sources),
    )


def _course(proto: Protocol) -> Course:
    course = proto.course
    return Course(
        sessions_per_week=course.sessions_per_week,
        weeks=course.weeks,
        sessions=course.sessions,
        note=course.note,
        sources=list(course.sources),
        reassessment=[
            Reassessment(week=r.week, instruments=list(r.instruments), sources=list(r.sources))
            for r in proto.reassessment
        ],
    )


def _techniques(
    case: ClinicalCase, proto: Protocol, findings: list[SafetyFinding], omitted: list[Omission]
) -> list[PlannedTechnique]:
    """The protocol's thoracic technique at each affected T1-T12 dermatome and side, minus the
    dermatome sites a finding excluded (a technique around a lesion is still on its skin)."""
    technique = proto.segmental.thoracic_technique
    found: list[PlannedTechnique] = []
    if technique is None:
        return found
    for site in case.pain.dermatomes:
        if not is_thoracic(site.dermatome):
            continue
        blocked = next((f for f in findings for d in f.excluded_dermatome_sites
                        if d.dermatome == site.dermatome
                        and (d.side.value == "both" or site.side.value in (d.side.value, "both"))),
                       None)
        if blocked is not None:
            what = fill(_TECHNIQUE_AT, {"technique": technique.name,
                                        "dermatome": site.dermatome, "side": site.side.value})
            omitted.append(Omission(what, blocked.message, blocked.rule))
            continue
        found.append(PlannedTechnique(name=technique.name, segment=site.dermatome,
                                      side=site.side.value, how=technique.how,
                                      sources=list(technique.sources)))
    return found


def _sources(*groups: list[str]) -> list[str]:
    return sorted({s for group in groups for s in group})


def build_plan(case: ClinicalCase) -> Plan:
    """Screen the case, then select points, stimulation and course from its protocol."""
    proto = protocol(case.condition.kind.value)
    findings = screen_case(case)
    if SafetyScreen.verdict(findings) == "stop":
        stops = [f for f in findings if f.severity is Severity.stop]
        stopped = [Omitted(what=N_("all needling today"), reason=f.message, rule=f.rule)
                   for f in stops]
        safety = SafetyScreen(status="stop", findings=findings)
        return Plan(
            condition=case.condition.kind,
            protocol=proto.title,
            safety=safety,
            points=[],
            stimulation=None,
            course=None,
            omitted=stopped,
            sources=_sources(*(f.sources for f in findings)),
        )
    proposed, omitted = candidates(case, proto)
    kept, excluded = apply_exclusions(proposed, findings)
    omitted += excluded
    techniques = _techniques(case, proto, findings, omitted)
    stimulation = _stimulation(case, proto, findings, kept, omitted)
    plan_points = [item.to_plan_point() for item in kept]
    findings = findings + screen_points(p.code for p in plan_points) + limit_findings(plan_points)
    safety = SafetyScreen(status=SafetyScreen.verdict(findings), findings=findings)
    course = _course(proto)
    sources = _sources(
        proto.sources,
        stimulation.sources,
        course.sources,
        *(p.sources for p in plan_points),
        *(t.sources for t in techniques),
        *(f.sources for f in findings),
        *(r.sources for r in course.reassessment),
    )
    return Plan(
        condition=case.condition.kind,
        protocol=proto.title,
        safety=safety,
        points=plan_points,
        techniques=techniques,
        stimulation=stimulation,
        course=course,
        omitted=_omitted(omitted),
        sources=sources,
    )
