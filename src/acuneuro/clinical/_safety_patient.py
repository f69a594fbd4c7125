"""Safety rules about the patient's own risks (issue 12): how each reads the case.

Pregnancy by stage (WHO 1999, section 2.1), autonomic dysreflexia after a spinal cord injury at
or above T6 (Consortium for Spinal Cord Medicine 2001/2020; Bycroft 2005), electroacupuncture
on skin without protective sensation (IWGDF 2019), and the ``risk_factors`` of the case, whose
facts not assessed are named together in one caution. The thresholds, lists and messages are
data (``knowledge/safety/pregnancy.yaml``, ``spinal.yaml``, ``risk_factors.yaml``); a fact the
rule needs that the case lacks is a caution that names it, never read as absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from acuneuro.clinical._safety_case import foot_affected
from acuneuro.clinical.case import DERMATOMES, ClinicalCase, ConditionKind, RegionSite
from acuneuro.clinical.safety_model import SafetyFinding, Severity
from acuneuro.i18n import N_
from acuneuro.i18n.prose import fill
from acuneuro.knowledge import (
    InsensateElectroRule,
    PregnancyStage,
    PregnancyStageRule,
    RiskFactorsRule,
    RiskItem,
    SciLevelRule,
)

__all__ = [
    "LEVELS",
    "insensate_electro",
    "pregnancy_stage",
    "risk_factors",
    "sci_level",
    "sci_level_rank",
]

# Spinal levels from the top; C1 has no dermatome, the rest are the dermatome names.
LEVELS: tuple[str, ...] = ("C1", *DERMATOMES)
_ONLY_WHEN_ASKED = frozenset({"electroacupuncture", "regions"})
_SIDES = ("left", "right")


def sci_level_rank(level: str) -> int:
    """Position of a spinal level from the top (C1 = 0): a lower number is a higher level."""
    return LEVELS.index(level)


def _finding(
    rule_id: str, severity: str, message: str, sources: Sequence[str],
    params: dict[str, Any] | None = None, **extra: Any
) -> SafetyFinding:
    """A finding whose message is the template ``message`` filled with ``params``."""
    return SafetyFinding(
        rule=rule_id, severity=Severity(severity), message=fill(message, params or {}),
        template=message, params=params or {}, sources=list(sources), **extra,
    )  # fmt: skip


def _both(regions: Sequence[str]) -> list[RegionSite]:
    return [RegionSite.model_validate({"region": r, "side": "both"}) for r in regions]


def _pregnancy_asked(rule: PregnancyStageRule, case: ClinicalCase) -> bool:
    patient = case.patient
    return patient.sex in rule.ask_sex and rule.ask_age_from <= patient.age <= rule.ask_age_to


def pregnancy_stage(rule: PregnancyStageRule, case: ClinicalCase) -> list[SafetyFinding]:
    """WHO 1999 by trimester; an unknown trimester or pregnancy takes the strictest set."""
    patient = case.patient
    if patient.pregnant is False or (patient.pregnant is None and not _pregnancy_asked(rule, case)):
        return []
    strictest = _union(rule.early, rule.late)
    stage: PregnancyStage
    if patient.pregnant is None:
        stage, message, missing = strictest, rule.missing_message, True
    elif patient.trimester is None:
        stage, message, missing = strictest, rule.unknown_message, True
    elif patient.trimester == 1:
        stage, message, missing = rule.early, rule.message, False
    else:
        stage, message, missing = rule.late, rule.message, False
    when: Any = (N_("first trimester") if patient.trimester == 1 else
                 {"template": N_("trimester {number}"), "params": {"number": patient.trimester}})
    return [
        _finding(
            rule.id, "caution", message, rule.sources, {"stage": when, "what": stage.message},
            not_assessed=missing, excluded_points=stage.excluded_points(),
            excluded_regions=_both(stage.regions),
            excluded_techniques=list(rule.excluded_techniques),
        )
    ]  # fmt: skip


def _union(early: PregnancyStage, late: PregnancyStage) -> PregnancyStage:
    return PregnancyStage(
        regions=sorted(set(early.regions) | set(late.regions)),
        points=sorted(set(early.points) | set(late.points)),
        point_cautions=sorted(set(early.point_cautions) | set(late.point_cautions)),
        message=late.message,
    )


def _has_sci(case: ClinicalCase) -> bool:
    return case.condition.kind is ConditionKind.sci or case.condition.sci_level is not None


def sci_level(rule: SciLevelRule, case: ClinicalCase) -> list[SafetyFinding]:
    """Autonomic dysreflexia at or above the rule's level; an SCI case without a level asks."""
    level = case.condition.sci_level
    if level is None:
        if case.condition.kind is ConditionKind.sci:
            return [_finding(rule.id, "caution", rule.missing_message, rule.sources,
                             not_assessed=True)]  # fmt: skip
        return []
    if sci_level_rank(level) > sci_level_rank(rule.at_or_above):
        return []
    return [_finding(rule.id, rule.severity, rule.message, rule.sources, {"level": level})]


def insensate_electro(rule: InsensateElectroRule, case: ClinicalCase) -> list[SafetyFinding]:
    """Electroacupuncture where the skin cannot report it: dosed by what the clinician sees."""
    if not case.requested.electroacupuncture:
        return []
    lost = getattr(case.findings, rule.field)
    if lost:
        message, missing = rule.message, False
    elif _has_sci(case):
        message, missing = rule.sci_message, False
    elif lost is None and foot_affected(case, rule.regions):
        message, missing = rule.missing_message, True
    else:
        return []
    return [_finding(rule.id, rule.severity, message, rule.sources, not_assessed=missing,
                     electro_note=rule.electro_note)]  # fmt: skip


# --- risk factors ---------------------------------------------------------------------------


def _asked(item: RiskItem, rule: RiskFactorsRule, case: ClinicalCase) -> bool:
    if item.ask_when == "always":
        return True
    if item.ask_when == "electroacupuncture":
        return case.requested.electroacupuncture
    if item.ask_when == "regions":
        return foot_affected(case, item.ask_regions)
    if item.ask_when == "dermatomes":
        return bool(case.pain.dermatomes)
    return case.condition.kind.value in rule.oncology_conditions or case.chemotherapy is not None


def _sites(item: RiskItem, sites: list[RegionSite]) -> list[SafetyFinding]:
    found: list[SafetyFinding] = []
    for site in sites:
        regions = item.near.get(site.region.value, [site.region.value])
        params = {"site": site.region.value.replace("_", " "), "side": site.side.value,
                  "regions": {"items": [r.replace("_", " ") for r in regions]}}
        excluded = [RegionSite.model_validate({"region": r, "side": site.side}) for r in regions]
        found.append(_finding(item.id, item.severity, item.message, item.sources, params,
                              excluded_regions=excluded))  # fmt: skip
    return found


def _jiaji(item: RiskItem, levels: list[str]) -> list[SafetyFinding]:
    if not levels:
        return []
    ranks = {sci_level_rank(level) for level in levels}
    near = sorted({r + d for r in ranks for d in range(-item.margin_levels, item.margin_levels + 1)
                   if 0 <= r + d < len(LEVELS)})  # fmt: skip
    excluded = [LEVELS[r] for r in near]
    params = {"site": ", ".join(levels), "levels": ", ".join(excluded)}
    return [_finding(item.id, item.severity, item.message, item.sources, params,
                     excluded_jiaji_levels=excluded)]  # fmt: skip


def _present(item: RiskItem, value: Any, case: ClinicalCase) -> list[SafetyFinding]:
    if isinstance(value, list):
        if item.field == "spinal_hardware":
            return _jiaji(item, [str(v) for v in value])
        return _sites(item, value)
    shown = getattr(value, "value", value)
    if (item.values and shown not in item.values) or (not item.values and value is not True):
        return []
    found = [_finding(item.id, item.severity, item.message, item.sources, {"value": shown},
                      excluded_techniques=list(item.excluded_techniques))]  # fmt: skip
    insensate = case.findings.protective_sensation_lost
    if item.insensate_regions and item.insensate_message and insensate:
        found.append(_finding(item.id, "exclude", item.insensate_message, item.sources,
                              excluded_regions=_both(item.insensate_regions)))  # fmt: skip
    return found


def risk_factors(rule: RiskFactorsRule, case: ClinicalCase) -> list[SafetyFinding]:
    """A finding per fact present; the facts not assessed (where asked) in one caution."""
    facts = case.risk_factors
    found: list[SafetyFinding] = []
    missing: list[RiskItem] = []
    for item in rule.items:
        value = getattr(facts, item.field)
        asked = _asked(item, rule, case)
        if value is None:
            if asked:
                missing.append(item)
        elif asked or item.ask_when not in _ONLY_WHEN_ASKED:
            # Epilepsy matters only for electroacupuncture, arterial disease only where the
            # listed regions are treated; sites and general facts are always reported.
            found.extend(_present(item, value, case))
    if missing:
        sources = sorted({s for item in missing for s in item.sources} | set(rule.sources))
        techniques = sorted({t for item in missing for t in item.missing_excluded_techniques})
        labels = {"items": [item.label for item in missing], "sep": "; "}
        found.append(_finding(rule.id, "caution", rule.message, sources, {"facts": labels},
                              not_assessed=True, excluded_techniques=techniques))  # fmt: skip
    return found
