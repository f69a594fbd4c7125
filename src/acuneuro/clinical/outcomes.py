"""Outcome series over a course: baseline, change, IMMPACT category and responders.

Percent reduction = (baseline - follow-up) / baseline x 100 (not computed when the baseline
is 0). Categories for pain intensity: >=50% substantial, >=30% moderate (Dworkin et al.,
J Pain 2008;9:105-121; Farrar et al., Pain 2001;94:149-158), >=15% minimal (lower band as
used by Sadosky et al., J Pain Res 2016), otherwise no meaningful change; any rise from
baseline is worse (an acuneuro design choice, labelled so: Dworkin 2008 benchmarks only
improvement). Responders: >=30% and >=50% reduction. The raw point change is reported beside
the percent and never classifies pain intensity. BPI interference is classified in points:
a decrease of at least 1 point is a clinically important improvement (Dworkin 2008), any
rise is worse. Every category carries its clinician label from ``knowledge/outcomes.yaml``.

Arithmetic is exact (fractions of the decimal scores), so a score that sits on a boundary, such
as 6 -> 4.2 (30%), is classified by the boundary and not by floating-point noise. The baseline
rule is data (``knowledge/outcomes.yaml``) and is returned with every result.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.knowledge import ChangeCategory
from acuneuro.knowledge.course import outcome_knowledge

__all__ = [
    "Baseline",
    "OutcomeSummary",
    "Score",
    "baseline",
    "immpact_category",
    "percent_reduction",
    "pgic_improved",
    "point_category",
    "summarise",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Score(_Frozen):
    instrument: str
    value: float = Field(allow_inf_nan=False)
    on: date

    @model_validator(mode="after")
    def _in_range(self) -> Score:
        try:
            spec = outcome_knowledge().instrument(self.instrument)
        except KeyError:
            known = [i.id for i in outcome_knowledge().instruments]
            raise ValueError(
                f"score.instrument: {self.instrument!r} is not one of {known}"
            ) from None
        if not spec.minimum <= self.value <= spec.maximum:
            raise ValueError(
                f"score {self.instrument}: {self.value} is outside {spec.minimum}-{spec.maximum}"
            )
        return self


class Baseline(_Frozen):
    value: float | None  # None = not assessed
    rule: str  # the rule that produced the value (after any fallback)
    label: str
    entries: int
    dates: list[date]
    fell_back: bool
    sources: list[str]


def _exact(x: float) -> Fraction:
    return Fraction(repr(x))


def _mean(values: list[float]) -> Fraction:
    return sum((_exact(v) for v in values), Fraction(0)) / len(values)


def _baseline_exact(
    scores: list[Score], instrument: str, first_session: date
) -> tuple[Baseline, Fraction | None]:
    k = outcome_knowledge()
    wanted = k.instrument(instrument).baseline
    series = sorted((s for s in scores if s.instrument == instrument), key=lambda s: s.on)
    rule = k.baseline(wanted)
    fell_back = False
    if rule.id == "run_in_mean":
        start = first_session - timedelta(days=rule.window_days or 0)
        window = [s for s in series if start <= s.on < first_session]
        if len(window) >= rule.min_entries:
            return (
                Baseline(
                    value=float(_mean([s.value for s in window])),
                    rule=rule.id,
                    label=rule.label,
                    entries=len(window),
                    dates=[s.on for s in window],
                    fell_back=False,
                    sources=rule.sources,
                ),
                _mean([s.value for s in window]),
            )
        rule, fell_back = k.baseline("last_pre_treatment"), True
    pre = [s for s in series if s.on <= first_session]
    last = pre[-1] if pre else None
    return (
        Baseline(
            value=last.value if last else None,
            rule=rule.id,
            label=rule.label,
            entries=1 if last else 0,
            dates=[last.on] if last else [],
            fell_back=fell_back,
            sources=rule.sources,
        ),
        _exact(last.value) if last else None,
    )


def baseline(scores: list[Score], instrument: str, first_session: date) -> Baseline:
    """The instrument's baseline by its stored rule; ``value`` None when not assessed."""
    return _baseline_exact(scores, instrument, first_session)[0]


def percent_reduction(before: Fraction, after: Fraction) -> Fraction | None:
    """(before - after) / before x 100, exactly; None when ``before`` is 0."""
    if before == 0:
        return None
    return (before - after) / before * 100


def _pain_change(percent: Fraction) -> ChangeCategory:
    """The category, with its clinician label, of a percent improvement in pain intensity."""
    pain = outcome_knowledge().immpact_pain
    if percent < 0:
        return pain.worse
    for band in pain.bands:
        if percent >= _exact(band.min_percent):
            return ChangeCategory(category=band.category, label=band.label, sources=band.sources)
    return pain.below


def immpact_category(percent: Fraction | float) -> str:
    """IMMPACT category of a percent improvement in pain intensity (bands from the knowledge file).

    A negative percent (pain rose) is ``worse``, never "no meaningful change".
    """
    return _pain_change(percent if isinstance(percent, Fraction) else _exact(percent)).category


def point_category(improvement: Fraction | float) -> ChangeCategory:
    """BPI interference category of an improvement in points (positive = interference fell).

    At least ``min_decrease`` (1 point, Dworkin 2008) is a clinically important improvement;
    any rise is worse; anything between is no clinically important change.
    """
    rule = outcome_knowledge().bpi_interference
    points = improvement if isinstance(improvement, Fraction) else _exact(improvement)
    if points >= _exact(rule.min_decrease):
        return rule.improved
    if points < 0:
        return rule.worse
    return rule.unchanged


def pgic_improved(label: str) -> bool:
    """PGIC "much improved" or "very much improved": the Farrar 2001 anchor of importance."""
    pgic = outcome_knowledge().pgic
    if label not in pgic.labels:
        raise ValueError(f"PGIC answer {label!r} is not one of {pgic.labels}")
    return label in pgic.improved


class OutcomeSummary(_Frozen):
    instrument: str
    label: str
    baseline: Baseline
    latest: Score | None
    change: float | None  # latest - baseline, in the instrument's points
    # Percent improvement from baseline: the reduction for lower-is-better scales.
    percent_improvement: float | None
    category: str | None  # a code for comparisons; pages and reports show category_label
    category_label: str | None = None
    category_note: str | None = None  # set when the category is a design choice
    responders: dict[str, bool]
    not_computed: str | None  # why change could not be computed
    raw_points_reference: float | None
    sources: list[str]


def summarise(
    scores: list[Score], instrument: str, first_session: date, as_of: date | None = None
) -> OutcomeSummary:
    """Baseline, latest follow-up (after ``first_session``, up to ``as_of``) and their change."""
    k = outcome_knowledge()
    spec = k.instrument(instrument)
    base, exact_base = _baseline_exact(scores, instrument, first_session)
    follow = sorted(
        (
            s
            for s in scores
            if s.instrument == instrument
            and s.on > first_session
            and (as_of is None or s.on <= as_of)
        ),
        key=lambda s: s.on,
    )
    latest = follow[-1] if follow else None
    sources = list(dict.fromkeys(spec.sources + base.sources))
    pain = k.immpact_pain if spec.classification == "immpact_pain" else None
    points = k.bpi_interference if spec.classification == "bpi_interference" else None
    if pain is not None:
        sources = list(dict.fromkeys(sources + pain.sources))
    if points is not None:
        sources = list(dict.fromkeys(sources + points.sources))
    reason: str | None = None
    change = percent = None
    named: ChangeCategory | None = None
    responders: dict[str, bool] = {}
    if exact_base is None:
        reason = "baseline not assessed"
    elif latest is None:
        reason = "no score after the first session"
    else:
        after = _exact(latest.value)
        change = float(after - exact_base)
        gained = exact_base - after if spec.lower_is_better else after - exact_base
        if points is not None:
            named = point_category(gained)
        reduction = percent_reduction(exact_base, after)
        if reduction is None:
            reason = "baseline is 0: percent change not computed"
            if pain is not None and gained < 0:
                named = pain.worse  # from no pain to some pain is a rise, whatever its percent
        else:
            signed = reduction if spec.lower_is_better else -reduction
            percent = float(signed)
            if pain is not None:
                named = _pain_change(signed)
                responders = {r.id: signed >= _exact(r.min_percent) for r in pain.responders}
    if named is not None:
        sources = list(dict.fromkeys(sources + named.sources))
    return OutcomeSummary(
        instrument=instrument,
        label=spec.label,
        baseline=base,
        latest=latest,
        change=change,
        percent_improvement=percent,
        category=named.category if named else None,
        category_label=named.label if named else None,
        category_note=named.note if named else None,
        responders=responders,
        not_computed=reason,
        raw_points_reference=pain.raw_points_reference if pain else None,
        sources=sources,
    )
