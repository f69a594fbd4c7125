"""Treatment-course knowledge: drugs and the MME table, outcomes, foot risk, adverse events.

Each YAML file under ``knowledge/`` is validated by the pydantic models below when first loaded,
and every ``sources:`` list is checked against the bibliography, so a typo in the data fails
loudly instead of silently changing a rule.
"""

from __future__ import annotations

import itertools
from functools import cache
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.knowledge._bibliography import check_cited, knowledge_text
from acuneuro.knowledge._outcome_change import ChangeCategory, PointChange

__all__ = [
    "AdverseEventKnowledge",
    "AeAction",
    "AeType",
    "Band",
    "BaselineRule",
    "Combination",
    "Condition",
    "DoseRange",
    "Drug",
    "DrugKnowledge",
    "FootRiskCategory",
    "FootRiskKnowledge",
    "Grade",
    "Grades",
    "ImmpactBand",
    "ImmpactPain",
    "InstrumentOutcome",
    "Line",
    "MmeFactor",
    "MmeTable",
    "NoMmeFactor",
    "OutcomeKnowledge",
    "Pgic",
    "Referral",
    "Relatedness",
    "RenalBands",
    "Responder",
    "adverse_event_knowledge",
    "drug_knowledge",
    "foot_risk_knowledge",
    "outcome_knowledge",
]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- drugs -----------------------------------------------------------------------------------


class Line(_Data):
    line: int = Field(ge=1, le=3)
    strength: Literal["strong", "weak"] | None


class DoseRange(_Data):
    min: float = Field(gt=0)
    max: float = Field(gt=0)
    unit: str


class Drug(_Data):
    name: str = Field(pattern=r"^[a-z][a-z0-9 -]*$")
    classes: list[str] = Field(min_length=1)
    neupsig_2015: Line | None
    neupsig_2025: Line | None
    daily_dose: DoseRange | None
    note: str | None = None
    sources: list[str]


class MmeFactor(_Data):
    drug: str
    unit: Literal["mg", "mcg/h"]
    factor: float = Field(gt=0)
    note: str | None = None


class NoMmeFactor(_Data):
    """An opioid the table leaves out on purpose, with the reason the MME result must show."""

    drug: str
    reason: str = Field(min_length=1)


class MmeTable(_Data):
    version: str
    sources: list[str]
    factors: list[MmeFactor]
    no_factor: list[NoMmeFactor] = Field(default_factory=list)


class Band(_Data):
    crcl_min: float | None
    crcl_max: float | None
    min: float | None  # None where the label gives only a ceiling (tramadol)
    max: float
    note: str | None = None

    def holds(self, crcl: float) -> bool:
        low_ok = self.crcl_min is None or crcl >= self.crcl_min
        return low_ok and (self.crcl_max is None or crcl < self.crcl_max)


class RenalBands(_Data):
    drug: str
    sources: list[str]
    note: str | None = None
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _cover_every_clearance(self) -> RenalBands:
        # Every clearance must fall in exactly one band, or a dose would go unchecked.
        low = float("-inf")
        edges = sorted(
            ((b.crcl_min if b.crcl_min is not None else low, b.crcl_max) for b in self.bands),
            key=lambda edge: edge[0],
        )
        ok = edges[0][0] == low and edges[-1][1] is None
        ok = ok and all(a[1] == b[0] for a, b in itertools.pairwise(edges))
        if not ok:
            raise ValueError(f"drugs.yaml renal_bands {self.drug}: bands must tile 0 to infinity")
        return self


class Combination(_Data):
    id: str
    a_classes: list[str] = Field(min_length=1)
    b_classes: list[str] = Field(min_length=1)
    message: str
    sources: list[str]


class DrugKnowledge(_Data):
    drugs: list[Drug]
    mme: MmeTable
    renal_bands: list[RenalBands]
    combinations: list[Combination]

    @model_validator(mode="after")
    def _consistent(self) -> DrugKnowledge:
        names = [d.name for d in self.drugs]
        if len(set(names)) != len(names):
            raise ValueError("drugs.yaml: a drug is listed twice")
        refs = [f.drug for f in self.mme.factors] + [r.drug for r in self.renal_bands]
        for ref in refs + [n.drug for n in self.mme.no_factor]:
            if ref not in names:
                raise ValueError(f"drugs.yaml: {ref!r} is not in the drug catalogue")
        keys = [(f.drug, f.unit) for f in self.mme.factors]
        if len(set(keys)) != len(keys):
            raise ValueError("drugs.yaml: an MME factor is listed twice")
        return self

    def drug(self, name: str) -> Drug | None:
        return next((d for d in self.drugs if d.name == name), None)


@cache
def drug_knowledge() -> DrugKnowledge:
    """The drug catalogue, the versioned MME table and the medication cautions."""
    data = DrugKnowledge.model_validate(yaml.safe_load(knowledge_text("drugs.yaml")))
    for d in data.drugs:
        check_cited(d.sources, f"drugs.yaml drug {d.name}")
    check_cited(data.mme.sources, "drugs.yaml mme")
    for r in data.renal_bands:
        check_cited(r.sources, f"drugs.yaml renal_bands {r.drug}")
    for c in data.combinations:
        check_cited(c.sources, f"drugs.yaml combination {c.id}")
    return data


# --- outcomes --------------------------------------------------------------------------------


class BaselineRule(_Data):
    id: Literal["run_in_mean", "last_pre_treatment"]
    label: str
    window_days: int | None = Field(default=None, ge=1)
    min_entries: int = Field(ge=1)
    fallback: Literal["last_pre_treatment"] | None
    sources: list[str]


class ImmpactBand(_Data):
    min_percent: float = Field(gt=0, le=100)
    category: str
    label: str  # the clinician's words; the category code is never shown
    sources: list[str]


class Responder(_Data):
    id: str
    min_percent: float = Field(gt=0, le=100)
    sources: list[str]


class ImmpactPain(_Data):
    bands: list[ImmpactBand] = Field(min_length=1)
    below: ChangeCategory  # improvement under the lowest band
    worse: ChangeCategory  # any rise from baseline
    responders: list[Responder]
    raw_points_reference: float
    sources: list[str]

    @model_validator(mode="after")
    def _descending(self) -> ImmpactPain:
        cuts = [b.min_percent for b in self.bands]
        if cuts != sorted(cuts, reverse=True) or len(set(cuts)) != len(cuts):
            raise ValueError("outcomes.yaml: IMMPACT bands must be strictly descending")
        return self


class Pgic(_Data):
    labels: list[str] = Field(min_length=2)
    improved: list[str]
    sources: list[str]


class InstrumentOutcome(_Data):
    id: str
    instrument: str  # the instrument id in knowledge/instruments
    score: str  # which of its scores is followed ("total" or a subscale id)
    label: str
    minimum: float
    maximum: float
    lower_is_better: bool
    baseline: Literal["run_in_mean", "last_pre_treatment"]
    classification: Literal["immpact_pain", "bpi_interference"] | None
    loinc: str | None
    sources: list[str]


class OutcomeKnowledge(_Data):
    baselines: list[BaselineRule]
    immpact_pain: ImmpactPain
    bpi_interference: PointChange
    pgic: Pgic
    instruments: list[InstrumentOutcome]

    def baseline(self, rule_id: str) -> BaselineRule:
        return next(b for b in self.baselines if b.id == rule_id)

    def instrument(self, instrument_id: str) -> InstrumentOutcome:
        for i in self.instruments:
            if i.id == instrument_id:
                return i
        raise KeyError(f"unknown outcome instrument {instrument_id!r}")


@cache
def outcome_knowledge() -> OutcomeKnowledge:
    """Baseline rules, IMMPACT bands, PGIC labels and the followed instruments."""
    data = OutcomeKnowledge.model_validate(yaml.safe_load(knowledge_text("outcomes.yaml")))
    for b in data.baselines:
        check_cited(b.sources, f"outcomes.yaml baseline {b.id}")
    for band in data.immpact_pain.bands:
        check_cited(band.sources, f"outcomes.yaml band {band.category}")
    for r in data.immpact_pain.responders:
        check_cited(r.sources, f"outcomes.yaml responder {r.id}")
    check_cited(data.immpact_pain.sources, "outcomes.yaml immpact_pain")
    bpi = data.bpi_interference
    for c in [data.immpact_pain.below, data.immpact_pain.worse, *bpi.categories()]:
        check_cited(c.sources, f"outcomes.yaml category {c.category}")
    check_cited(bpi.sources, "outcomes.yaml bpi_interference")
    check_cited(data.pgic.sources, "outcomes.yaml pgic")
    for i in data.instruments:
        check_cited(i.sources, f"outcomes.yaml instrument {i.id}")
    for i in data.instruments:
        expected = i.instrument if i.score == "total" else f"{i.instrument}.{i.score}"
        if i.id != expected:
            raise ValueError(f"outcomes.yaml: instrument id {i.id!r} should be {expected!r}")
    if not set(data.pgic.improved) <= set(data.pgic.labels):
        raise ValueError("outcomes.yaml: pgic.improved names an unknown label")
    return data


# --- foot risk -------------------------------------------------------------------------------

FootFact = Literal["lops", "pad", "deformity", "ulcer_history", "amputation", "esrd"]


class Condition(_Data):
    """A three-valued condition over foot facts: exactly one of all / any / none."""

    all: list[FootFact | Condition] | None = None
    any: list[FootFact | Condition] | None = None
    none: list[FootFact | Condition] | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        if sum(x is not None for x in (self.all, self.any, self.none)) != 1:
            raise ValueError("foot_risk.yaml: a condition needs exactly one of all/any/none")
        return self


class FootRiskCategory(_Data):
    category: int = Field(ge=0, le=3)
    risk: str
    screening: str
    when: Condition
    sources: list[str]


class Referral(_Data):
    message: str
    sources: list[str]


class FootRiskKnowledge(_Data):
    version: str
    facts: dict[FootFact, str]
    categories: list[FootRiskCategory]
    lops_referral: Referral


@cache
def foot_risk_knowledge() -> FootRiskKnowledge:
    """IWGDF risk categories as data, highest first."""
    data = FootRiskKnowledge.model_validate(yaml.safe_load(knowledge_text("foot_risk.yaml")))
    for c in data.categories:
        check_cited(c.sources, f"foot_risk.yaml category {c.category}")
    check_cited(data.lops_referral.sources, "foot_risk.yaml lops_referral")
    cats = [c.category for c in data.categories]
    if cats != sorted(cats, reverse=True):
        raise ValueError("foot_risk.yaml: categories must run from the highest down")
    return data


# --- adverse events --------------------------------------------------------------------------


class AeType(_Data):
    id: str
    label: str
    sources: list[str]


class Grade(_Data):
    grade: int = Field(ge=1, le=5)
    label: str
    definition: str


class Grades(_Data):
    sources: list[str]
    levels: list[Grade] = Field(min_length=5, max_length=5)


class Relatedness(_Data):
    sources: list[str]
    levels: list[str]
    related: list[str]


class AeAction(_Data):
    id: str
    label: str


class AdverseEventKnowledge(_Data):
    types: list[AeType]
    grades: Grades
    relatedness: Relatedness
    actions: list[AeAction]
    outcomes: list[str]


@cache
def adverse_event_knowledge() -> AdverseEventKnowledge:
    """Adverse-event types, CTCAE v5.0 grades, attribution scale, actions and outcomes."""
    raw = yaml.safe_load(knowledge_text("adverse_events.yaml"))
    data = AdverseEventKnowledge.model_validate(raw)
    for t in data.types:
        check_cited(t.sources, f"adverse_events.yaml type {t.id}")
    check_cited(data.grades.sources, "adverse_events.yaml grades")
    check_cited(data.relatedness.sources, "adverse_events.yaml relatedness")
    if [g.grade for g in data.grades.levels] != [1, 2, 3, 4, 5]:
        raise ValueError("adverse_events.yaml: grades must be 1 to 5 in order")
    return data
