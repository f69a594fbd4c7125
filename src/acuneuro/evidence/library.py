"""The evidence behind each plan: pooled trials per condition, forest plots, trials per protocol.

Pure functions over ``knowledge/evidence``. The pain outcome is pooled as a mean difference on a
0-10 scale (acupuncture minus control; negative favours acupuncture): arm data give
``mean1 - mean2`` with ``sd1²/n1 + sd2²/n2``, published differences give their estimate with the
standard error recovered from the 95% CI; 0-100 mm scales are divided by 10. Only trials whose
numbers were read ("verified" or "secondary") and that report continuous pain data are pooled,
and only with trials of the same comparator class (``comparisons``); every other trial is
listed with the reason it is left out. The default test is Knapp-Hartung,
the safer choice with few small trials (IntHout 2014).

References
----------
Higgins JPT, Li T, Deeks JJ. Choosing effect measures and computing estimates of effect.
Cochrane Handbook for Systematic Reviews of Interventions, version 6.3, 2022, ch. 6 (standard
error from a confidence interval: ``(upper - lower) / (2 x 1.96)``).
IntHout J, Ioannidis JPA, Borm GF. BMC Med Res Methodol 2014;14:25.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from acuneuro.evidence.comparisons import Comparison, class_of, pool
from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import (
    EVIDENCE_CONDITIONS,
    ContinuousData,
    EffectData,
    Guideline,
    Review,
    Trial,
    comparator_classes,
    guidelines,
    protocol,
    reviews,
    trials,
)

__all__ = [
    "ConditionEvidence",
    "condition_evidence",
    "pooled_across_conditions",
    "trial_effect",
    "trials_for_protocol",
]

_Z = float(stats.norm.isf(0.025))
_TITLES = {
    "dpn": N_("Painful diabetic neuropathy"),
    "phn": N_("Herpes zoster and postherpetic neuralgia"),
    "cipn": N_("Chemotherapy-induced peripheral neuropathy"),
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
    """Everything the evidence page shows for one condition.

    ``comparisons`` holds one entry per comparator class (never mixed); ``sensitivity`` is the
    pool of every class together, present only when at least two classes have data.
    """

    condition: str
    title: str
    trials: tuple[Trial, ...]
    pooled_ids: tuple[str, ...]
    excluded: dict[str, str]
    comparisons: tuple[Comparison, ...]
    sensitivity: Comparison | None
    reviews: tuple[Review, ...]
    guidelines: tuple[Guideline, ...]


def _exclusion(trial: Trial) -> str:
    if trial.excluded_because:
        return trial.excluded_because
    if trial.data is not None and trial.data.kind == "events":
        return _("Responder counts only (a different measure from the pooled pain difference).")
    return _("Not poolable.")


def _comparisons(
    pooled: Sequence[Trial], method: str, test: str
) -> tuple[tuple[Comparison, ...], Comparison | None]:
    by_class: dict[str, list[Trial]] = {}
    for trial in pooled:
        by_class.setdefault(class_of(trial.comparator).id, []).append(trial)
    order = [c.id for c in comparator_classes()]
    found = tuple(
        pool(by_class[cid], [trial_effect(t) for t in by_class[cid]], method=method, test=test)
        for cid in order if cid in by_class
    )
    sensitivity = None
    if len(by_class) > 1:
        sensitivity = pool(pooled, [trial_effect(t) for t in pooled], method=method, test=test,
                           mixed=True)
    return found, sensitivity


def _evidence(
    condition: str, title: str, selected: tuple[Trial, ...], method: str, test: str
) -> ConditionEvidence:
    pooled = tuple(t for t in selected if t.poolable)
    found, sensitivity = _comparisons(pooled, method, test)
    return ConditionEvidence(
        condition=condition,
        title=title,
        trials=selected,
        pooled_ids=tuple(t.id for t in pooled),
        excluded={t.id: _exclusion(t) for t in selected if not t.poolable},
        comparisons=found,
        sensitivity=sensitivity,
        reviews=tuple(r for r in reviews() if r.group == condition),
        guidelines=tuple(g for g in guidelines() if condition in g.conditions),
    )


def condition_evidence(
    condition: str,
    *,
    method: str = "REML",
    test: str = "knha",
    library: Sequence[Trial] | None = None,
) -> ConditionEvidence:
    """Trials, pooled pain difference per comparator class, reviews, guidelines.

    ``library`` replaces the hand-kept trials (the curated library: seed plus verified entries).
    """
    if condition not in EVIDENCE_CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; use {', '.join(EVIDENCE_CONDITIONS)}")
    source = trials() if library is None else tuple(library)
    selected = tuple(t for t in source if t.condition == condition)
    return _evidence(condition, _(_TITLES[condition]), selected, method, test)


def pooled_across_conditions(
    *, method: str = "REML", test: str = "knha", library: Sequence[Trial] | None = None
) -> ConditionEvidence:
    """All neuropathic-pain trials with readable data, as a sensitivity analysis.

    Conditions and comparators differ, so the mixed pool (``sensitivity``) answers only "is
    there any signal across the library"; read it with its prediction interval.
    """
    source = trials() if library is None else tuple(library)
    return _evidence("all", _("Neuropathic pain, all conditions"), source, method, test)


def trials_for_protocol(protocol_id: str) -> tuple[Trial, ...]:
    """Trials behind a protocol: those it cites, then the other trials of its condition."""
    proto = protocol(protocol_id)
    cited = set(proto.sources)
    ours = [t for t in trials() if cited & set(t.sources)]
    same = [t for t in trials() if t.condition == proto.condition and t not in ours]
    return tuple(ours + same)
