"""Safety rules about the patient's own risks, as data (issue 12).

Pregnancy by stage (WHO 1999), spinal cord injury and skin without protective sensation, and
the further risk factors of the case (``risk_factors``). Each rule cites its sources; a value
that no source gives is marked ``design_choice: true`` and says so in its YAML comment (it
needs clinical sign-off). The evaluators live in ``clinical/_safety_patient.py``.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.knowledge._atlas import REGIONS, atlas
from acuneuro.knowledge._bibliography import check_cited

__all__ = [
    "InsensateElectroRule",
    "PatientSafetyRule",
    "PregnancyStage",
    "PregnancyStageRule",
    "RiskFactorsRule",
    "RiskItem",
    "SciLevelRule",
]

Severity = Literal["stop", "exclude", "caution"]
Technique = Literal["needling", "electroacupuncture", "moxibustion"]
RiskField = Literal[
    "immunosuppressed",
    "systemic_infection",
    "heart_valve",
    "epilepsy",
    "peripheral_arterial_disease",
    "prosthetic_joints",
    "tumour_sites",
    "node_dissection",
    "spinal_hardware",
]
AskWhen = Literal["always", "oncology", "regions", "electroacupuncture", "dermatomes"]


def _known_regions(regions: list[str], where: str) -> None:
    unknown = [r for r in regions if r not in REGIONS]
    if unknown:
        raise ValueError(f"{where}: unknown region(s) {unknown}")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _PatientRule(_Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    severity: Severity
    message: str
    sources: list[str] = Field(min_length=1)
    design_choice: bool = False  # True: a value no source gives; needs clinical sign-off

    @model_validator(mode="after")
    def _cited(self) -> Self:
        check_cited(self.sources, f"safety rule {self.id}")
        return self


class PregnancyStage(_Frozen):
    """What is left out at one stage of pregnancy."""

    regions: list[str]  # body regions left out on both sides
    points: list[str] = Field(default_factory=list)  # further points left out by code
    point_cautions: list[str] = Field(default_factory=list)  # atlas caution tags left out
    message: str

    @model_validator(mode="after")
    def _known(self) -> Self:
        _known_regions(self.regions, "pregnancy stage")
        unknown = [c for c in self.points if c not in atlas()]
        if unknown:
            raise ValueError(f"pregnancy stage: unknown point(s) {unknown}")
        return self

    def excluded_points(self) -> list[str]:
        tagged = {c for c, p in atlas().items() if set(self.point_cautions) & set(p.cautions)}
        return sorted(tagged | set(self.points))


class PregnancyStageRule(_PatientRule):
    kind: Literal["pregnancy_stage"]
    early: PregnancyStage  # first trimester
    late: PregnancyStage  # after the third month
    excluded_techniques: list[Technique]
    ask_sex: list[str]
    ask_age_from: int = Field(ge=0)
    ask_age_to: int = Field(ge=0)
    unknown_message: str  # pregnant, trimester not given
    missing_message: str  # pregnancy itself not assessed


class SciLevelRule(_PatientRule):
    kind: Literal["sci_level"]
    at_or_above: str = Field(pattern=r"^(C[1-8]|T([1-9]|1[0-2]))$")
    missing_message: str


class InsensateElectroRule(_PatientRule):
    kind: Literal["insensate_electro"]
    field: Literal["protective_sensation_lost"]
    regions: list[str] = Field(min_length=1)
    sci_message: str
    missing_message: str
    electro_note: str  # how the planner doses electroacupuncture there instead

    @model_validator(mode="after")
    def _known(self) -> Self:
        _known_regions(self.regions, self.id)
        return self


class RiskItem(_Frozen):
    """One fact of ``case.risk_factors``: what it does when present, when it must be known."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    field: RiskField
    label: str  # the fact in clinician language, for the not-assessed summary
    ask_when: AskWhen
    ask_regions: list[str] = Field(default_factory=list)  # for ask_when: regions
    severity: Severity
    message: str
    values: list[str] = Field(default_factory=list)  # enum fields: the values that count
    excluded_techniques: list[Technique] = Field(default_factory=list)
    missing_excluded_techniques: list[Technique] = Field(default_factory=list)
    near: dict[str, list[str]] = Field(default_factory=dict)  # site region -> regions left out
    margin_levels: int = Field(default=0, ge=0)  # spinal hardware: Jiaji levels either side
    insensate_regions: list[str] = Field(default_factory=list)  # left out when also insensate
    insensate_message: str | None = None
    sources: list[str] = Field(min_length=1)
    design_choice: bool = False

    @model_validator(mode="after")
    def _checked(self) -> Self:
        check_cited(self.sources, f"risk factor {self.id}")
        regions = [*self.ask_regions, *self.insensate_regions, *self.near]
        regions += [r for near in self.near.values() for r in near]
        _known_regions(regions, f"risk factor {self.id}")
        if self.insensate_regions and not self.insensate_message:
            raise ValueError(f"risk factor {self.id}: insensate_regions need insensate_message")
        return self


class RiskFactorsRule(_PatientRule):
    """The ``risk_factors`` facts; the ones not assessed are named together in one caution."""

    kind: Literal["risk_factors"]
    items: list[RiskItem] = Field(min_length=1)
    oncology_conditions: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        fields = [i.field for i in self.items]
        if len(set(fields)) != len(fields):
            raise ValueError(f"{self.id}: a risk factor is listed twice")
        return self


PatientSafetyRule = PregnancyStageRule | SciLevelRule | InsensateElectroRule | RiskFactorsRule
