"""The evidence library as data: trials with their published pain data, reviews, guidelines.

Files under ``knowledge/evidence/``: ``trials.yaml`` (randomised trials per condition, arm data as
published, a verification status and, when the data could not be read, why the trial is left
out of pooling), ``reviews.yaml`` (published pooled estimates, shown as context) and
``guidelines.yaml`` (statements with their grade explained, and corrections of overstatements).
Every item cites sources from the bibliography.

The prose is written once, in English; the patient leaflets (``knowledge/patient_info/``) too.
Other languages come from the gettext catalogue: babel.cfg names the prose fields of each file
(``acuneuro.i18n.extract``) and ``acuneuro.evidence.pages`` translates them where a document is
built. No ``text_it`` fields: a paragraph without its Italian entry fails tests/i18n.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.knowledge._bibliography import check_cited, knowledge_text

__all__ = [
    "EVIDENCE_CONDITIONS",
    "PATIENT_SECTIONS",
    "ContinuousData",
    "EffectData",
    "EventsData",
    "Guideline",
    "Outcome",
    "PatientInfo",
    "Review",
    "Trial",
    "guidelines",
    "patient_info",
    "reviews",
    "trials",
]

EVIDENCE_CONDITIONS: tuple[str, ...] = ("dpn", "phn", "cipn")
Status = Literal["verified", "secondary", "unverified"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContinuousData(_Frozen):
    """Arm size, mean and SD per arm (arm 1 acupuncture)."""

    kind: Literal["continuous"]
    n1: int = Field(gt=0)
    mean1: float
    sd1: float = Field(ge=0)
    n2: int = Field(gt=0)
    mean2: float
    sd2: float = Field(ge=0)


class EffectData(_Frozen):
    """A published between-group difference (acupuncture minus control) with its 95% CI."""

    kind: Literal["effect"]
    estimate: float
    ci_lower: float
    ci_upper: float
    n1: int | None = Field(default=None, gt=0)
    n2: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> EffectData:
        if not self.ci_lower <= self.estimate <= self.ci_upper:
            raise ValueError("effect: need ci_lower <= estimate <= ci_upper")
        return self


class EventsData(_Frozen):
    """Responders per arm."""

    kind: Literal["events"]
    events1: int = Field(ge=0)
    n1: int = Field(gt=0)
    events2: int = Field(ge=0)
    n2: int = Field(gt=0)

    @model_validator(mode="after")
    def _within(self) -> EventsData:
        if self.events1 > self.n1 or self.events2 > self.n2:
            raise ValueError("events: responders cannot exceed the arm size")
        return self


TrialData = Annotated[ContinuousData | EffectData | EventsData, Field(discriminator="kind")]


class Outcome(_Frozen):
    """The pain outcome a trial's data describe."""

    name: str
    scale_max: float = Field(gt=0)
    kind: Literal["change", "final"]


class Trial(_Frozen):
    """A randomised trial and its published pain result."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    condition: Literal["dpn", "phn", "cipn"]
    design: str
    comparator: Literal["sham", "placebo", "waitlist", "usual_care", "drug", "other"]
    n_randomised: int = Field(gt=0)
    intervention: str
    points: list[str]
    outcome: Outcome
    data: TrialData | None
    status: Status
    excluded_because: str | None = None
    # Where the missing numbers are (document, table or registry section), for the clinic's
    # researchers to read and enter through the trial library.
    to_read: str | None = None
    note: str | None = None
    sources: list[str]

    @model_validator(mode="after")
    def _data_or_reason(self) -> Trial:
        if self.data is None and not self.excluded_because:
            raise ValueError(f"trial {self.id}: without data it needs excluded_because")
        if self.data is not None and self.status == "unverified":
            raise ValueError(f"trial {self.id}: unverified numbers must not be stored as data")
        return self

    @property
    def poolable(self) -> bool:
        """Whether the trial has continuous or effect data that a pain meta-analysis can use."""
        return self.data is not None and self.data.kind in ("continuous", "effect")


class Review(_Frozen):
    """A published pooled estimate, shown beside the trials but never re-pooled with them."""

    id: str
    group: str
    label: str
    measure: Literal["MD", "SMD"]
    direction: Literal["benefit_positive", "benefit_negative"]
    estimate: float
    ci_lower: float
    ci_upper: float
    scope: str
    sources: list[str]


class Guideline(_Frozen):
    """A guideline statement with its grade and what the grade means."""

    id: str
    body: str
    conditions: list[Literal["dpn", "phn", "cipn"]]
    statement: str
    grade: str
    meaning: str
    correction: str | None = None
    status: Status
    sources: list[str]


class CitedText(_Frozen):
    """A paragraph of patient information and the sources behind it."""

    id: str
    heading: str
    text: str
    sources: list[str]


class Answer(_Frozen):
    """An answer to one of the source article's FAQ questions."""

    question: str
    answer: str
    sources: list[str]


class Correction(_Frozen):
    """A claim of the source article that the evidence does not support, and the fix."""

    claim: str
    correction: str
    sources: list[str]


# The four sections every condition's patient information must have.
PATIENT_SECTIONS = ("what_is_it", "what_acupuncture_can_do", "with_medication", "safety")


class PatientInfo(_Frozen):
    """Plain-language information for one condition (``patient_info/<condition>.yaml``)."""

    condition: Literal["dpn", "phn", "cipn"]
    title: str
    sections: list[CitedText]
    faq: list[Answer] = Field(min_length=1)
    corrections: list[Correction]

    @model_validator(mode="after")
    def _complete(self) -> PatientInfo:
        missing = [s for s in PATIENT_SECTIONS if s not in {x.id for x in self.sections}]
        if missing:
            raise ValueError(f"patient_info/{self.condition}: missing section(s) {missing}")
        return self


def _load(name: str) -> list[dict[str, object]]:
    raw = yaml.safe_load(knowledge_text(f"evidence/{name}")) or []
    if not isinstance(raw, list):
        raise ValueError(f"evidence/{name}: expected a list")
    return raw


def _unique(ids: list[str], where: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"{where}: id {item!r} appears twice")
        seen.add(item)


@cache
def trials() -> tuple[Trial, ...]:
    """Every trial, validated, each citing known sources."""
    found = tuple(Trial.model_validate(raw) for raw in _load("trials.yaml"))
    _unique([t.id for t in found], "evidence/trials.yaml")
    for t in found:
        check_cited(t.sources, f"evidence/trials.yaml:{t.id}")
    return found


@cache
def reviews() -> tuple[Review, ...]:
    """Every published pooled estimate."""
    found = tuple(Review.model_validate(raw) for raw in _load("reviews.yaml"))
    _unique([r.id for r in found], "evidence/reviews.yaml")
    for r in found:
        check_cited(r.sources, f"evidence/reviews.yaml:{r.id}")
    return found


@cache
def guidelines() -> tuple[Guideline, ...]:
    """Every guideline statement."""
    found = tuple(Guideline.model_validate(raw) for raw in _load("guidelines.yaml"))
    _unique([g.id for g in found], "evidence/guidelines.yaml")
    for g in found:
        check_cited(g.sources, f"evidence/guidelines.yaml:{g.id}")
    return found


@cache
def patient_info(condition: str) -> PatientInfo:
    """Patient information for ``condition`` (dpn, phn or cipn), every paragraph cited."""
    if condition not in EVIDENCE_CONDITIONS:
        raise KeyError(f"no patient information for condition {condition!r}")
    info = PatientInfo.model_validate(
        yaml.safe_load(knowledge_text(f"patient_info/{condition}.yaml"))
    )
    if info.condition != condition:
        raise ValueError(f"patient_info/{condition}.yaml describes {info.condition!r}")
    where = f"patient_info/{condition}.yaml"
    cited: list[list[str]] = [x.sources for x in info.sections]
    cited += [x.sources for x in info.faq] + [x.sources for x in info.corrections]
    for sources in cited:
        check_cited(sources, where)
    return info
