"""Safety rules that read the case's medicines, and the INR ceiling.

Medicines are recognised through ``clinical.drug_names`` (brand, salt or INN, any case, any
strength), so "Eliquis" is apixaban and "Xarelto 20 mg" rivaroxaban. A medicine the vocabulary
cannot place is its own not-assessed finding: an unknown name never leaves the screen at ``go``.
Sources: Hsieh 2023 (antiplatelets alone), Hansen 2010 (anticoagulant with antiplatelet), the
medicine registers of ``knowledge/sources/medicines.yaml``; Khatib 2019 and Holbrook 2012 for the
INR ceiling, a design choice awaiting clinical sign-off (``knowledge/safety/bleeding.yaml``).
"""

from __future__ import annotations

from typing import Any

from acuneuro.clinical.case import ClinicalCase, Medication
from acuneuro.clinical.drug_names import DrugMatch, class_labels, match_drugs, unplaced_words
from acuneuro.clinical.safety_model import SafetyFinding, Severity
from acuneuro.i18n import N_
from acuneuro.i18n.prose import fill
from acuneuro.knowledge import (
    DrugClassRule,
    DrugCombinationRule,
    LabAboveRule,
    SafetyRule,
    UnrecognisedMedicineRule,
)

__all__ = [
    "as_typed",
    "case_medicines",
    "drug_class",
    "drug_combination",
    "drug_label",
    "lab_above",
    "medicine_unrecognised",
    "unrecognised_message",
]


def _finding(rule: SafetyRule, message: str, params: dict[str, Any] | None = None,
             **extra: Any) -> SafetyFinding:
    """A finding whose message is the rule's template ``message`` filled with ``params``."""
    return SafetyFinding(rule=rule.id, severity=Severity(extra.pop("severity", rule.severity)),
                         message=fill(message, params or {}), template=message,
                         params=params or {}, sources=list(rule.sources),
                         design_choice=rule.design_choice, **extra)


def as_typed(medicine: Medication) -> str:
    """The medicine as the clinician wrote it, dose and unit included ("Zzzyxol 10 mg")."""
    dose = [] if medicine.daily_dose is None else [f"{medicine.daily_dose:g}"]
    return " ".join([medicine.name, *dose, *([medicine.unit] if medicine.unit else [])])


def case_medicines(case: ClinicalCase) -> list[tuple[Medication, list[DrugMatch]]]:
    """Each medicine of the case with the drugs recognised in it (empty list: unrecognised)."""
    return [(m, match_drugs(m.name)) for m in case.medications or []]


def drug_label(match: DrugMatch) -> str:
    """``apixaban (Eliquis)`` when a brand or salt was typed, else the INN."""
    if match.matched_on.casefold() == match.inn:
        return match.inn
    return f"{match.inn} ({match.matched_on})"


def _taken(case: ClinicalCase, classes: list[str]) -> dict[str, DrugMatch]:
    wanted = set(classes)
    return {d.inn: d for _, found in case_medicines(case) for d in found
            if wanted & set(d.classes)}


def drug_class(rule: DrugClassRule, case: ClinicalCase) -> list[SafetyFinding]:
    """One caution per medicine of the rule's classes (the medication list's absence is read by
    the anticoagulant rule, which names it once)."""
    found: list[SafetyFinding] = []
    for _, match in sorted(_taken(case, rule.classes).items()):
        # The rule's class and any subclass that says more ("antiplatelet, P2Y12 inhibitor").
        named = [c for c in match.classes if c in rule.classes or c.endswith("_inhibitor")]
        label = ", ".join(class_labels(named))
        found.append(_finding(rule, rule.message, {"drug": drug_label(match),
                                                   "drug_class": label}))
    return found


def drug_combination(rule: DrugCombinationRule, case: ClinicalCase) -> list[SafetyFinding]:
    """One caution naming every pair of different drugs, one from each group."""
    a = _taken(case, rule.a_classes)
    b = _taken(case, rule.b_classes)
    pairs = sorted({tuple(sorted((x, y))) for x in a for y in b if x != y})
    if not pairs:
        return []
    labels = {**a, **b}
    text = {"items": [{"template": N_("{a} with {b}"),
                       "params": {"a": drug_label(labels[x]), "b": drug_label(labels[y])}}
                      for x, y in pairs], "sep": "; "}
    return [_finding(rule, rule.message, {"pairs": text})]


def unrecognised_said(rule: UnrecognisedMedicineRule, name: str, found: list[DrugMatch]
                      ) -> tuple[str, dict[str, Any]] | None:
    """The rule's template and parameters for a medicine not (or only partly) placed, or None
    when fully placed."""
    if not found:
        return rule.message, {"name": name}
    rest = unplaced_words(name)
    if not rest:
        return None
    known = ", ".join(drug_label(d) for d in found)
    return rule.partial_message, {"name": name, "words": " ".join(rest), "known": known}


def unrecognised_message(rule: UnrecognisedMedicineRule, name: str,
                         found: list[DrugMatch]) -> str | None:
    """The rule's words for a medicine not (or only partly) placed, or None when fully placed."""
    said = unrecognised_said(rule, name, found)
    return None if said is None else fill(*said)


def medicine_unrecognised(rule: UnrecognisedMedicineRule, case: ClinicalCase
                          ) -> list[SafetyFinding]:
    """A not-assessed caution naming each medicine the vocabulary cannot place, wholly or in
    part: "metformin + Zzzyxol" is never read as metformin alone."""
    found: list[SafetyFinding] = []
    for medicine, matches in case_medicines(case):
        said = unrecognised_said(rule, as_typed(medicine), matches)
        if said is not None:
            found.append(_finding(rule, *said, severity=Severity.caution, not_assessed=True))
    return found


def lab_above(rule: LabAboveRule, case: ClinicalCase) -> list[SafetyFinding]:
    """A finding when the lab value is above the rule's ceiling (missing: not this rule's job)."""
    value = getattr(case.labs, rule.field, None) if case.labs is not None else None
    if value is None or value <= rule.above:
        return []
    return [_finding(rule, rule.message, {"value": value, "above": rule.above})]
