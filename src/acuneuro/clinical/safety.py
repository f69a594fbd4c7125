"""Pre-session safety screen: the rules of ``knowledge/safety/*.yaml`` applied to one case.

Every rule is data (threshold, lists, message, sources); this module only knows how each
``kind`` of rule reads the case. Facts a rule needs that the case lacks produce a finding of
their own with ``not_assessed=True`` (never read as normal). Dates are taken from the case
(``assessed_on``); no clock is read.

References
----------
See the ``sources:`` of each rule and the resolution notes at the top of each YAML file
(Liao 2013; CTCAE v5; Ladas 2010; Cybularz 2015; Hsieh 2023; Cummings 2011; Carr 2015;
Cassileth 2013; IWGDF 2019; White 2001; Zhang 2010). Medicines are read through
``clinical.drug_names`` (brands, salts); the platelet floor and INR ceiling that stop needling
(AABB 2015; ACCP 2012, Khatib 2019) are design choices awaiting clinical sign-off, flagged on
their findings; anticoagulant with antiplatelet follows Hansen 2010 (``_safety_medicines``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import Any

from acuneuro.clinical._safety_case import (
    Said,
    chemotherapy_status,
    foot_affected,
    lab_problem,
    limb_regions,
)
from acuneuro.clinical._safety_medicines import (
    case_medicines,
    drug_class,
    drug_combination,
    drug_label,
    lab_above,
    medicine_unrecognised,
)
from acuneuro.clinical._safety_patient import (
    insensate_electro,
    pregnancy_stage,
    risk_factors,
    sci_level,
)
from acuneuro.clinical.case import ClinicalCase, DermatomeSite, RegionSite
from acuneuro.clinical.safety_model import SafetyFinding, SafetyScreen, Severity
from acuneuro.i18n import N_
from acuneuro.i18n.prose import fill
from acuneuro.knowledge import (
    AnticoagulantRule,
    ChemotherapyCountRule,
    DeviceElectroRule,
    DrugClassRule,
    DrugCombinationRule,
    FlagRule,
    InsensateElectroRule,
    InsensateFeetRule,
    LabAboveRule,
    LabBelowRule,
    LymphoedemaRule,
    PointCautionRule,
    PregnancyRule,
    PregnancyStageRule,
    RiskFactorsRule,
    SafetyRule,
    SciLevelRule,
    SkinRule,
    UnrecognisedMedicineRule,
    atlas,
    safety_rules,
)

__all__ = ["message_templates", "screen", "screen_case", "screen_points"]


def _finding(rule: SafetyRule, template: str, params: dict[str, Any] | None = None,
             **extra: Any) -> SafetyFinding:
    """A finding of ``rule`` whose message is ``template`` (the rule's own, from the knowledge
    file) filled with ``params``: stored in English, shown in the reader's language."""
    return SafetyFinding(
        rule=rule.id,
        severity=Severity(extra.pop("severity", rule.severity)),
        message=fill(template, params or {}),
        template=template,
        params=params or {},
        sources=list(rule.sources),
        design_choice=rule.design_choice,
        **extra,
    )


def _missing(rule: SafetyRule, template: str, params: dict[str, Any] | None = None,
             **extra: Any) -> SafetyFinding:
    """A not-assessed fact must be acknowledged: at least a caution, never silently go."""
    severity = Severity.stop if rule.severity == "stop" else Severity.caution
    return _finding(rule, template, params, severity=severity, not_assessed=True, **extra)


def _lab_below(rule: LabBelowRule, case: ClinicalCase) -> list[SafetyFinding]:
    value = getattr(case.labs, rule.field, None) if case.labs is not None else None
    if value is None or value >= rule.below:
        return []
    return [_finding(rule, rule.message, {"value": value, "below": rule.below})]


def _chemotherapy_count(rule: ChemotherapyCountRule, case: ClinicalCase) -> list[SafetyFinding]:
    status = chemotherapy_status(case, rule.after_last_dose_days)
    if status is None:
        return []
    problem = lab_problem(case, rule.fields, rule.max_age_days)
    if problem is None:
        return []
    params = {"status": status, "max_age_days": rule.max_age_days, "problem": problem}
    return [_finding(rule, rule.message, params, severity=Severity.caution, not_assessed=True)]


def _anticoagulant(rule: AnticoagulantRule, case: ClinicalCase) -> list[SafetyFinding]:
    if case.medications is None:
        return [_missing(rule, rule.missing_message)]
    found: list[SafetyFinding] = []
    inr = case.labs.inr if case.labs is not None else None
    # Brands and salt forms count ("Eliquis", "warfarin sodium 5 mg"): clinical.drug_names.
    taken = {d.inn: d for _, ds in case_medicines(case) for d in ds if d.inn in rule.drugs}
    for drug, match in sorted(taken.items()):
        found.append(_finding(rule, rule.message, {"drug": drug_label(match)}))
        if drug not in rule.vitamin_k_antagonists:
            continue
        if inr is None:
            found.append(_missing(rule, rule.missing_inr_message, {"drug": drug}))
        elif inr > rule.inr_above:
            params = {"inr": inr, "inr_above": rule.inr_above}
            found.append(_finding(rule, rule.inr_message, params))
    return found


def _flag(rule: FlagRule, case: ClinicalCase) -> list[SafetyFinding]:
    value = getattr(case, rule.field)
    if value is None:
        return [_missing(rule, rule.missing_message)]
    return [_finding(rule, rule.message)] if value else []


def _device_electro(rule: DeviceElectroRule, case: ClinicalCase) -> list[SafetyFinding]:
    if not case.requested.electroacupuncture:
        return []
    if case.devices is None:
        return [_missing(rule, rule.missing_message, excluded_techniques=["electroacupuncture"])]
    return [
        _finding(
            rule,
            rule.message, {"device": rule.labels.get(device, device)},
            excluded_techniques=["electroacupuncture"],
        )
        for device in sorted({d.value for d in case.devices if d.value in rule.devices})
    ]


@cache
def _points_with_caution(caution: str) -> tuple[str, ...]:
    """The atlas points tagged ``caution``, by code (knowledge only: the atlas is read once)."""
    return tuple(sorted(code for code, p in atlas().items() if caution in p.cautions))


def _pregnancy(rule: PregnancyRule, case: ClinicalCase) -> list[SafetyFinding]:
    forbidden = list(_points_with_caution(rule.point_caution))
    patient = case.patient
    if patient.pregnant:
        return [_finding(rule, rule.message, excluded_points=forbidden)]
    asked = patient.sex in rule.ask_sex and rule.ask_age_from <= patient.age <= rule.ask_age_to
    if patient.pregnant is None and asked:
        # Unknown pregnancy fails closed: the forbidden points stay out until it is assessed.
        return [_missing(rule, rule.missing_message, excluded_points=forbidden)]
    return []


def _skin(rule: SkinRule, case: ClinicalCase) -> list[SafetyFinding]:
    if case.skin is None:
        return [_missing(rule, rule.missing_message)]
    found: list[SafetyFinding] = []
    for item in case.skin:
        if item.finding not in rule.findings:
            continue
        if item.region is not None:
            site = item.region.value
            regions = [RegionSite(region=item.region, side=item.side)]
            found.append(_skin_finding(rule, item.finding, site, item.side.value, regions, []))
            continue
        segment = str(item.dermatome)
        sites = [DermatomeSite(dermatome=segment, side=item.side)]
        found.append(
            _skin_finding(rule, item.finding, {"template": N_("dermatome {segment}"),
                                               "params": {"segment": segment}},
                          item.side.value, [], sites)
        )
    return found


def _skin_finding(
    rule: SkinRule,
    finding: str,
    site: Said,
    side: str,
    regions: list[RegionSite],
    dermatomes: list[DermatomeSite],
) -> SafetyFinding:
    params = {"finding": finding.capitalize(), "site": site, "side": side}
    return _finding(
        rule,
        rule.message,
        params,
        excluded_regions=regions,
        excluded_dermatome_sites=dermatomes,
        excluded_dermatomes=[d.dermatome for d in dermatomes],
    )


def _lymphoedema(rule: LymphoedemaRule, case: ClinicalCase) -> list[SafetyFinding]:
    if case.lymphoedema is None:
        return [_missing(rule, rule.missing_message)]
    found: list[SafetyFinding] = []
    for site in case.lymphoedema:
        limb, regions = limb_regions(dict(rule.limbs.items()), site.region.value)
        excluded = [RegionSite.model_validate({"region": r, "side": site.side}) for r in regions]
        params = {"limb": limb, "side": site.side.value}
        found.append(_finding(rule, rule.message, params, excluded_regions=excluded))
    return found


def _insensate_feet(rule: InsensateFeetRule, case: ClinicalCase) -> list[SafetyFinding]:
    value = getattr(case.findings, rule.field)
    if value:
        return [_finding(rule, rule.message)]
    if value is None and foot_affected(case, rule.regions):
        return [_missing(rule, rule.missing_message)]
    return []


_CASE_RULES: dict[type[Any], Callable[[Any, ClinicalCase], list[SafetyFinding]]] = {
    LabBelowRule: _lab_below,
    ChemotherapyCountRule: _chemotherapy_count,
    AnticoagulantRule: _anticoagulant,
    FlagRule: _flag,
    DeviceElectroRule: _device_electro,
    PregnancyRule: _pregnancy,
    SkinRule: _skin,
    LymphoedemaRule: _lymphoedema,
    InsensateFeetRule: _insensate_feet,
    LabAboveRule: lab_above,
    DrugClassRule: drug_class,
    DrugCombinationRule: drug_combination,
    UnrecognisedMedicineRule: medicine_unrecognised,
    # Patient risks of issue 12 (clinical/_safety_patient.py).
    PregnancyStageRule: pregnancy_stage,
    SciLevelRule: sci_level,
    InsensateElectroRule: insensate_electro,
    RiskFactorsRule: risk_factors,
}


def screen_case(
    case: ClinicalCase, rules: Sequence[SafetyRule] | None = None
) -> list[SafetyFinding]:
    """Findings of every case-level rule (all rules except point cautions), in rule order."""
    found: list[SafetyFinding] = []
    chosen: set[str] = set()
    for rule in safety_rules() if rules is None else rules:
        chosen |= _design_choices(rule)
        evaluate = _CASE_RULES.get(type(rule))
        if evaluate is not None:
            found.extend(evaluate(rule, case))
    # A finding from a value no source gives says so, whichever evaluator made it.
    return [SafetyFinding.model_validate({**f.model_dump(), "design_choice": True})
            if f.rule in chosen and not f.design_choice else f for f in found]


def _design_choices(rule: SafetyRule) -> set[str]:
    """Ids of the rule and of its risk items whose values are design choices."""
    ids = {rule.id} if rule.design_choice else set()
    if isinstance(rule, RiskFactorsRule):
        ids |= {item.id for item in rule.items if item.design_choice}
    return ids


def screen_points(
    codes: Iterable[str], rules: Sequence[SafetyRule] | None = None
) -> list[SafetyFinding]:
    """Findings of the point-caution rules (e.g. thoracic depth) for the planned point codes."""
    planned = sorted(set(codes))
    found: list[SafetyFinding] = []
    for rule in safety_rules() if rules is None else rules:
        if not isinstance(rule, PointCautionRule):
            continue
        hit = [c for c in planned if rule.point_caution in atlas()[c].cautions]
        if hit:
            found.append(_finding(rule, rule.message, {"points": ", ".join(hit)}))
    return found


def screen(case: ClinicalCase, planned: Iterable[str] = ()) -> SafetyScreen:
    """The whole screen: case-level findings plus point cautions for the ``planned`` codes."""
    findings = screen_case(case) + screen_points(planned)
    return SafetyScreen(status=SafetyScreen.verdict(findings), findings=findings)


@cache
def message_templates() -> tuple[str, ...]:
    """Every message template of the safety rules, longest first: a page reads a message stored
    without its template (a plan's omission reason) back into one (acuneuro.i18n.prose)."""
    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("message") and isinstance(value, str) and "{" in value:
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)
    found = {t for rule in safety_rules() for t in walk(rule.model_dump())}
    return tuple(sorted(found, key=len, reverse=True))
