"""Appraisal rules as data: comparator classes, GRADE thresholds, risk-of-bias 2 judgements.

Files: ``evidence/appraisal.yaml`` (which comparators may be pooled together, their labels, the
GRADE thresholds with the minimal important difference) and ``evidence/rob2.yaml`` (RoB 2
judgements per trial and outcome, each with its support and sources).

References
----------
Sterne JAC, Savovic J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in
randomised trials. BMJ 2019;366:l4898 (overall judgement from the five domains).
McKenzie JE et al. Cochrane Handbook v6.3, ch. 3 (comparisons grouped by comparator).
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from acuneuro.knowledge._bibliography import check_cited, knowledge_text

__all__ = [
    "ComparatorClass",
    "GradeRules",
    "RobDomain",
    "RobJudgement",
    "RobRecord",
    "comparator_classes",
    "comparator_label",
    "grade_rules",
    "rob2_records",
]

RobJudgement = Literal["low", "some_concerns", "high"]
ROB_DOMAINS = ("randomisation", "deviations", "missing", "measurement", "reporting")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComparatorClass(_Frozen):
    """Comparators that answer the same question and may be pooled together."""

    id: str
    label: str
    comparators: list[str]


class GradeRules(_Frozen):
    """Thresholds of the GRADE rating (see appraisal.yaml for which are design choices)."""

    mid: float = Field(gt=0)
    mid_sources: list[str]
    rob_high_weight_pct: float
    rob_sources: list[str]
    inconsistency_serious_i2: float
    inconsistency_very_serious_i2: float
    inconsistency_sources: list[str]
    indirect_weight_pct: float
    indirectness_sources: list[str]
    ois_participants: int
    imprecision_sources: list[str]
    egger_min_k: int
    egger_alpha: float
    pubbias_sources: list[str]
    statement_sources: list[str]


class RobDomain(_Frozen):
    """One RoB 2 domain's judgement and what supports it."""

    judgement: RobJudgement
    support: str


class RobRecord(_Frozen):
    """RoB 2 for one trial's pain outcome."""

    trial: str
    outcome: str
    randomisation: RobDomain
    deviations: RobDomain
    missing: RobDomain
    measurement: RobDomain
    reporting: RobDomain
    indirect: str | None
    sources: list[str]

    @property
    def domains(self) -> dict[str, RobDomain]:
        """The five domains in the tool's order."""
        return {name: getattr(self, name) for name in ROB_DOMAINS}

    @property
    def overall(self) -> RobJudgement:
        """High if any domain is high, some concerns if any has some, else low (Sterne 2019)."""
        found = {d.judgement for d in self.domains.values()}
        if "high" in found:
            return "high"
        if "some_concerns" in found:
            return "some_concerns"
        return "low"


@cache
def _appraisal() -> dict[str, object]:
    raw = yaml.safe_load(knowledge_text("evidence/appraisal.yaml"))
    if not isinstance(raw, dict):
        raise ValueError("evidence/appraisal.yaml: expected a mapping")
    check_cited(list(raw["comparator_sources"]), "evidence/appraisal.yaml")
    return raw


@cache
def comparator_classes() -> tuple[ComparatorClass, ...]:
    """Comparator classes in display order; every comparator belongs to exactly one."""
    raw = _appraisal()["comparator_classes"]
    if not isinstance(raw, list):
        raise ValueError("evidence/appraisal.yaml: comparator_classes must be a list")
    found = tuple(ComparatorClass.model_validate(c) for c in raw)
    members = [c for cls in found for c in cls.comparators]
    if len(members) != len(set(members)):
        raise ValueError("evidence/appraisal.yaml: a comparator sits in two classes")
    return found


def comparator_label(comparator: str) -> str:
    """The words for a comparator code (``usual_care`` -> "Usual care")."""
    labels = _appraisal()["comparator_labels"]
    if not isinstance(labels, dict) or comparator not in labels:
        raise KeyError(f"no label for comparator {comparator!r}")
    return str(labels[comparator])


@cache
def grade_rules() -> GradeRules:
    """The GRADE thresholds, each list of sources checked against the bibliography."""
    rules = GradeRules.model_validate(_appraisal()["grade"])
    for name, value in rules.model_dump().items():
        if name.endswith("sources"):
            check_cited(list(value), f"evidence/appraisal.yaml:grade.{name}")
    return rules


@cache
def rob2_records() -> dict[str, RobRecord]:
    """RoB 2 records by trial id."""
    raw = yaml.safe_load(knowledge_text("evidence/rob2.yaml")) or []
    out: dict[str, RobRecord] = {}
    for item in raw:
        rec = RobRecord.model_validate(item)
        if rec.trial in out:
            raise ValueError(f"evidence/rob2.yaml: trial {rec.trial!r} appears twice")
        check_cited(rec.sources, f"evidence/rob2.yaml:{rec.trial}")
        out[rec.trial] = rec
    return out
