"""Diabetic foot: protective sensation over time and the IWGDF foot-ulcer risk category.

Loss of protective sensation (LOPS) is read from the 10 g monofilament or the 128 Hz tuning
fork, each concluded per foot as present or absent by the IWGDF procedure (2 of 3 answers at a
site). The risk category follows the IWGDF risk stratification (Schaper et al., Diabetes Metab
Res Rev 2020;36(S1):e3266, Table 1; unchanged in Bus et al., IWGDF 2023 update, 2024), held as
data in ``knowledge/foot_risk.yaml`` and evaluated with three-valued logic: a fact that was not
assessed is unknown, never absent, so the result can be "at least category N".
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from acuneuro.knowledge.course import Condition, foot_risk_knowledge

__all__ = [
    "FootExam",
    "FootFacts",
    "FootRisk",
    "FootTimepoint",
    "Referral",
    "foot_risk",
    "foot_timeline",
    "lops_referral",
]

Sensation = Literal["present", "absent"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FootExam(_Frozen):
    on: date
    side: Literal["left", "right"]
    monofilament: Sensation | None = None
    vibration: Sensation | None = None

    @property
    def lops(self) -> bool | None:
        """True if either test found sensation absent; None if neither test was done."""
        results = [r for r in (self.monofilament, self.vibration) if r is not None]
        if not results:
            return None
        return "absent" in results


class FootFacts(_Frozen):
    lops: bool | None = None
    pad: bool | None = None
    deformity: bool | None = None
    ulcer_history: bool | None = None
    amputation: bool | None = None
    esrd: bool | None = None


class FootRisk(_Frozen):
    version: str
    category: int | None  # None when a missing fact could change it
    at_least: int | None  # the lowest category the known facts already establish
    risk: str | None
    screening: str | None
    not_assessed: list[str]
    sources: list[str]


def _evaluate(cond: Condition | str, facts: FootFacts) -> bool | None:
    if isinstance(cond, str):
        value: bool | None = getattr(facts, cond)
        return value
    if cond.all is not None:
        vals = [_evaluate(c, facts) for c in cond.all]
        return False if False in vals else (None if None in vals else True)
    items = cond.any if cond.any is not None else cond.none or []
    vals = [_evaluate(c, facts) for c in items]
    found = True if True in vals else (None if None in vals else False)
    if cond.any is not None:
        return found
    return None if found is None else not found


def _facts_in(cond: Condition | str) -> set[str]:
    if isinstance(cond, str):
        return {cond}
    parts = (cond.all or []) + (cond.any or []) + (cond.none or [])
    return set().union(*(_facts_in(c) for c in parts))


def foot_risk(facts: FootFacts) -> FootRisk:
    """IWGDF category from the facts; unknown facts can leave it open ("at least N")."""
    k = foot_risk_knowledge()
    undecided: list[int] = []
    missing: set[str] = set()
    for cat in k.categories:
        verdict = _evaluate(cat.when, facts)
        if verdict is None:
            undecided.append(cat.category)
            missing |= {f for f in _facts_in(cat.when) if getattr(facts, f) is None}
            continue
        if verdict:
            exact = not undecided
            return FootRisk(
                version=k.version,
                category=cat.category if exact else None,
                at_least=cat.category,
                risk=cat.risk if exact else None,
                screening=cat.screening if exact else None,
                not_assessed=sorted(missing),
                sources=cat.sources,
            )
    return FootRisk(
        version=k.version,
        category=None,
        at_least=None,
        risk=None,
        screening=None,
        not_assessed=sorted(missing),
        sources=k.categories[-1].sources,
    )


class FootTimepoint(_Frozen):
    on: date
    left: bool | None  # LOPS in the left foot
    right: bool | None
    lops: bool | None  # either foot
    newly_lost: bool  # LOPS now, and protective sensation was present at the previous exam


def foot_timeline(exams: list[FootExam]) -> list[FootTimepoint]:
    """Protective sensation per exam date, oldest first, flagging a new loss."""
    by_day: dict[date, dict[str, bool | None]] = {}
    for e in exams:
        by_day.setdefault(e.on, {"left": None, "right": None})[e.side] = e.lops
    points: list[FootTimepoint] = []
    previous: bool | None = None
    for day in sorted(by_day):
        sides = by_day[day]
        vals = [sides["left"], sides["right"]]
        lops = True if True in vals else (None if None in vals else False)
        points.append(
            FootTimepoint(
                on=day,
                left=sides["left"],
                right=sides["right"],
                lops=lops,
                newly_lost=lops is True and previous is False,
            )
        )
        if lops is not None:
            previous = lops
    return points


class Referral(_Frozen):
    message: str
    sides: list[str]
    sources: list[str]


def lops_referral(exams: list[FootExam]) -> Referral | None:
    """A referral prompt when the most recent exam of a foot found protective sensation lost."""
    latest: dict[str, FootExam] = {}
    for e in sorted(exams, key=lambda e: e.on):
        if e.lops is not None:
            latest[e.side] = e
    sides = sorted(side for side, e in latest.items() if e.lops)
    if not sides:
        return None
    ref = foot_risk_knowledge().lops_referral
    return Referral(message=ref.message, sides=sides, sources=ref.sources)
