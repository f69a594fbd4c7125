"""The evidence behind each plan: pooled trials per condition, forest plots, trials per protocol.

Pure functions over ``knowledge/evidence``. The pain outcome is pooled as a mean difference on a
0-10 scale (acupuncture minus control; negative favours acupuncture): arm data give
``mean1 - mean2`` with ``sd1²/n1 + sd2²/n2``, published differences give their estimate with the
standard error recovered from the 95% CI; 0-100 mm scales are divided by 10. Only trials whose
numbers were read ("verified" or "secondary") and that report continuous pain data are pooled;
every other trial is listed with the reason it is left out. The default test is Knapp-Hartung,
the safer choice with few small trials (IntHout 2014).

References
----------
Higgins JPT, Li T, Deeks JJ. Choosing effect measures and computing estimates of effect.
Cochrane Handbook for Systematic Reviews of Interventions, version 6.3, 2022, ch. 6 (standard
error from a confidence interval: ``(upper - lower) / (2 x 1.96)``).
IntHout J, Ioannidis JPA, Borm GF. BMC Med Res Methodol 2014;14:25.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scipy import stats

from acuneuro.evidence.meta import MetaResult, meta_analysis
from acuneuro.evidence.plots import forest_plot, studies_plot
from acuneuro.knowledge import (
    EVIDENCE_CONDITIONS,
    ContinuousData,
    EffectData,
    Guideline,
    Review,
    Trial,
    guidelines,
    protocol,
    reviews,
    trials,
)

__all__ = [
    "ConditionEvidence",
    "condition_evidence",
    "forest_svg",
    "pooled_across_conditions",
    "trial_effect",
    "trials_for_protocol",
]

_Z = float(stats.norm.isf(0.025))
_TITLES = {
    "dpn": "Painful diabetic neuropathy",
    "phn": "Herpes zoster and postherpetic neuralgia",
    "cipn": "Chemotherapy-induced peripheral neuropathy",
}


def trial_effect(trial: Trial) -> tuple[float, float]:
    """``(yi, vi)``: mean difference on a 0-10 scale and its variance, for a poolable trial."""
    scale = 10.0 / trial.outcome.scale_max
    data = trial.data
    if isinstance(data, ContinuousData):
        yi = (data.mean1 - data.mean2) * scale
        vi = (data.sd1**2 / data.n1 + data.sd2**2 / data.n2) * scale**2
        return yi, vi
    if isinstance(data, EffectData):
        se = (data.ci_upper - data.ci_lower) / (2 * _Z) * scale
        return data.estimate * scale, se**2
    raise ValueError(f"trial {trial.id} has no continuous pain data to pool")


@dataclass(frozen=True)
class ConditionEvidence:
    """Everything the evidence page shows for one condition."""

    condition: str
    title: str
    trials: tuple[Trial, ...]
    pooled_ids: tuple[str, ...]
    excluded: dict[str, str]
    result: MetaResult | None
    not_pooled_because: str | None
    reviews: tuple[Review, ...]
    guidelines: tuple[Guideline, ...]
    labels: tuple[str, ...] = field(default=())
    yi: tuple[float, ...] = field(default=())
    vi: tuple[float, ...] = field(default=())


def _label(trial: Trial) -> str:
    return f"{trial.id} ({trial.comparator})"


def _exclusion(trial: Trial) -> str:
    if trial.excluded_because:
        return trial.excluded_because
    if trial.data is not None and trial.data.kind == "events":
        return "Responder counts only (a different measure from the pooled pain difference)."
    return "Not poolable."


def _evidence(
    condition: str, title: str, selected: tuple[Trial, ...], method: str, test: str
) -> ConditionEvidence:
    pooled = tuple(t for t in selected if t.poolable)
    effects = [trial_effect(t) for t in pooled]
    labels = tuple(_label(t) for t in pooled)
    yi = tuple(e[0] for e in effects)
    vi = tuple(e[1] for e in effects)
    result = None
    why = None
    if len(pooled) >= 2:
        result = meta_analysis(
            yi, vi, method=method, test=test, measure="MD", labels=labels
        )
    else:
        why = (
            f"{len(pooled)} trial(s) with readable pain data; a pooled estimate needs at least 2."
        )
    return ConditionEvidence(
        condition=condition,
        title=title,
        trials=selected,
        pooled_ids=tuple(t.id for t in pooled),
        excluded={t.id: _exclusion(t) for t in selected if not t.poolable},
        result=result,
        not_pooled_because=why,
        reviews=tuple(r for r in reviews() if r.group == condition),
        guidelines=tuple(g for g in guidelines() if condition in g.conditions),
        labels=labels,
        yi=yi,
        vi=vi,
    )


def condition_evidence(
    condition: str, *, method: str = "REML", test: str = "knha"
) -> ConditionEvidence:
    """Trials, pooled pain difference (when at least two trials allow it), reviews, guidelines."""
    if condition not in EVIDENCE_CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; use {', '.join(EVIDENCE_CONDITIONS)}")
    selected = tuple(t for t in trials() if t.condition == condition)
    return _evidence(condition, _TITLES[condition], selected, method, test)


def pooled_across_conditions(*, method: str = "REML", test: str = "knha") -> ConditionEvidence:
    """All neuropathic-pain trials with readable data, any comparator, as one analysis.

    Conditions and comparators differ (wait-list, active drugs), so the pooled value answers
    only "is there any signal across the library"; read it with its prediction interval.
    """
    return _evidence("all", "Neuropathic pain, all conditions", trials(), method, test)


def forest_svg(condition: str, *, method: str = "REML", test: str = "knha") -> str:
    """Forest plot (SVG) of a condition's trials, with the pooled diamond when there is one."""
    ev = (
        pooled_across_conditions(method=method, test=test)
        if condition == "all"
        else condition_evidence(condition, method=method, test=test)
    )
    title = f"{ev.title}: pain, mean difference on a 0-10 scale"
    if ev.result is not None:
        svg = forest_plot(ev.result, title=title)
    elif ev.yi:
        svg = studies_plot(
            list(ev.labels), list(ev.yi), list(ev.vi), title=title,
            note=ev.not_pooled_because or "",
        )
    else:
        svg = studies_plot([], [], [], title=title, note="No trial with readable pain data.")
    if not isinstance(svg, str):  # fmt="svg" always returns text
        raise TypeError("forest plot did not render as SVG text")
    return svg


def trials_for_protocol(protocol_id: str) -> tuple[Trial, ...]:
    """Trials behind a protocol: those it cites, then the other trials of its condition."""
    proto = protocol(protocol_id)
    cited = set(proto.sources)
    ours = [t for t in trials() if cited & set(t.sources)]
    same = [t for t in trials() if t.condition == proto.condition and t not in ours]
    return tuple(ours + same)
