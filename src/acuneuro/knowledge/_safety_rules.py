"""Pre-session safety rules, as data (``knowledge/safety/*.yaml``).

Each rule has a ``kind`` (which evaluator in ``clinical/safety.py`` reads it), a severity, the
threshold or list it needs, a message and its sources. A new rule of an existing kind is a data
change; how each UNVERIFIED fact of the reference was resolved is written in the YAML files.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from acuneuro.knowledge._atlas import REGIONS, atlas
from acuneuro.knowledge._bibliography import check_cited
from acuneuro.knowledge._drug_names import drug_names
from acuneuro.knowledge._safety_patient import PatientSafetyRule

__all__ = [
    "AnticoagulantRule",
    "ChemotherapyCountRule",
    "DeviceElectroRule",
    "DrugClassRule",
    "DrugCombinationRule",
    "FlagRule",
    "InsensateFeetRule",
    "LabAboveRule",
    "LabBelowRule",
    "LymphoedemaRule",
    "PointCautionRule",
    "PregnancyRule",
    "SafetyRule",
    "SkinRule",
    "UnrecognisedMedicineRule",
    "safety_rules",
]

Severity = Literal["stop", "exclude", "caution"]
LabField = Literal["platelets_per_ul", "anc_per_ul"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    severity: Severity
    message: str
    sources: list[str] = Field(min_length=1)
    # A threshold no source publishes for acupuncture: acuneuro's choice, awaiting clinical
    # sign-off. The finding carries the flag and the message says so.
    design_choice: bool = False


class LabBelowRule(_Rule):
    kind: Literal["lab_below"]
    field: LabField
    below: float = Field(gt=0)


class LabAboveRule(_Rule):
    kind: Literal["lab_above"]
    field: Literal["inr"]
    above: float = Field(gt=0)


class DrugClassRule(_Rule):
    """A caution for each medicine of the listed classes (``knowledge/drug_names.yaml``)."""

    kind: Literal["drug_class"]
    classes: list[str] = Field(min_length=1)


class DrugCombinationRule(_Rule):
    """A caution when a medicine of ``a_classes`` and a different one of ``b_classes`` are taken."""

    kind: Literal["drug_combination"]
    a_classes: list[str] = Field(min_length=1)
    b_classes: list[str] = Field(min_length=1)


class UnrecognisedMedicineRule(_Rule):
    """A not-assessed finding for each medicine the vocabulary cannot place, wholly or in part."""

    kind: Literal["medicine_unrecognised"]
    # For a line with a known drug and words no name accounts for ("metformin + Zzzyxol").
    partial_message: str


class ChemotherapyCountRule(_Rule):
    kind: Literal["chemotherapy_count"]
    fields: list[LabField] = Field(min_length=1)
    max_age_days: int = Field(ge=0)
    after_last_dose_days: int = Field(ge=0)


class AnticoagulantRule(_Rule):
    kind: Literal["anticoagulant"]
    drugs: list[str] = Field(min_length=1)
    vitamin_k_antagonists: list[str]
    inr_above: float = Field(gt=0)
    inr_message: str
    missing_message: str
    missing_inr_message: str


class FlagRule(_Rule):
    kind: Literal["flag"]
    field: Literal["bleeding_disorder", "fainting_with_needles"]
    missing_message: str


class DeviceElectroRule(_Rule):
    kind: Literal["device_electro"]
    devices: list[
        Literal["pacemaker", "icd", "neurostimulator", "other", "cochlear_implant", "drug_pump",
                "insulin_pump", "cardiac_monitor"]
    ] = Field(min_length=1)  # fmt: skip
    labels: dict[str, str] = Field(default_factory=dict)  # device -> clinician's words
    missing_message: str


class PregnancyRule(_Rule):
    kind: Literal["pregnancy"]
    point_caution: Literal["pregnancy"]
    ask_sex: list[str]
    ask_age_from: int = Field(ge=0)
    ask_age_to: int = Field(ge=0)
    missing_message: str


class SkinRule(_Rule):
    kind: Literal["skin"]
    findings: list[Literal["ulcer", "infection", "vesicles", "wound"]] = Field(min_length=1)
    missing_message: str


class LymphoedemaRule(_Rule):
    kind: Literal["lymphoedema"]
    limbs: dict[Literal["upper", "lower"], list[str]]
    missing_message: str


class InsensateFeetRule(_Rule):
    kind: Literal["insensate_feet"]
    field: Literal["protective_sensation_lost"]
    regions: list[str] = Field(min_length=1)
    missing_message: str


class PointCautionRule(_Rule):
    kind: Literal["point_caution"]
    point_caution: Literal["pneumothorax", "eye", "vessel", "medulla"]


SafetyRule = Annotated[
    LabBelowRule
    | LabAboveRule
    | DrugClassRule
    | DrugCombinationRule
    | UnrecognisedMedicineRule
    | ChemotherapyCountRule
    | AnticoagulantRule
    | FlagRule
    | DeviceElectroRule
    | PregnancyRule
    | SkinRule
    | LymphoedemaRule
    | InsensateFeetRule
    | PointCautionRule
    | PatientSafetyRule,
    Field(discriminator="kind"),
]

_RULES = TypeAdapter(list[SafetyRule])


def _check_medicines(rule: SafetyRule, where: str) -> None:
    vocabulary = drug_names()
    if isinstance(rule, AnticoagulantRule):
        # Every anticoagulant the vocabulary knows must be screened, and nothing else.
        known = {d.inn for d in vocabulary.drugs if "anticoagulant" in d.classes}
        if set(rule.drugs) != known:
            raise ValueError(f"{where}: drugs differ from the vocabulary's anticoagulants "
                             f"{sorted(known ^ set(rule.drugs))}")
        vka = {d.inn for d in vocabulary.drugs if "vka" in d.classes}
        if set(rule.vitamin_k_antagonists) != vka:
            raise ValueError(f"{where}: vitamin_k_antagonists differ from the vocabulary's")
    if isinstance(rule, DrugClassRule | DrugCombinationRule):
        named = rule.classes if isinstance(rule, DrugClassRule) else rule.a_classes + rule.b_classes
        unknown = [c for c in named if c not in vocabulary.classes]
        if unknown:
            raise ValueError(f"{where}: unknown drug class(es) {unknown}")


def _check(rule: SafetyRule, where: str) -> None:
    check_cited(rule.sources, where)
    _check_medicines(rule, where)
    if isinstance(rule, LymphoedemaRule):
        for regions in rule.limbs.values():
            unknown = [r for r in regions if r not in REGIONS]
            if unknown:
                raise ValueError(f"{where}: unknown region(s) {unknown}")
    if isinstance(rule, PregnancyRule | PointCautionRule):
        tagged = [p for p in atlas().values() if rule.point_caution in p.cautions]
        if not tagged:
            raise ValueError(f"{where}: no atlas point carries caution {rule.point_caution!r}")


@cache
def safety_rules() -> tuple[SafetyRule, ...]:
    """Every safety rule, validated and cited, in file order; rule ids are unique."""
    found: list[SafetyRule] = []
    folder = resources.files("acuneuro.knowledge").joinpath("safety")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        for rule in _RULES.validate_python(yaml.safe_load(entry.read_text("utf-8")) or []):
            _check(rule, f"safety/{entry.name} {rule.id}")
            found.append(rule)
    ids = [r.id for r in found]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"safety rule id(s) defined twice: {sorted(duplicates)}")
    return tuple(found)
