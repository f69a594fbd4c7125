"""Like with like: trials are pooled only against comparators that answer the same question.

A comparison is a condition, an outcome (pain, mean difference on a 0-10 scale) and a comparator
class: sham or placebo; usual care or wait-list; active drug. ``pool`` refuses to mix classes
unless ``mixed=True`` is asked for, and a mixed pool is labelled a sensitivity analysis.

References
----------
McKenzie JE et al. Defining the criteria for including studies and how they will be grouped for
the synthesis. Cochrane Handbook v6.3, 2022, ch. 3 (comparisons by comparator).
Vickers AJ et al. Acupuncture for chronic pain: update of an individual patient data
meta-analysis. J Pain 2018;19:455-474 (sham and non-acupuncture controls analysed apart).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from acuneuro.evidence.meta import MetaResult, meta_analysis
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import (
    ComparatorClass,
    ContinuousData,
    EffectData,
    Trial,
    bibliography,
    comparator_classes,
)

__all__ = [
    "MIXED",
    "Comparison",
    "MixedComparatorsError",
    "arm_sizes",
    "class_of",
    "pool",
    "study_label",
]

MIXED = "mixed"


class MixedComparatorsError(ValueError):
    """Trials with comparators of different classes were offered to one pooled estimate."""


def class_of(comparator: str) -> ComparatorClass:
    """The comparator class a comparator code belongs to."""
    for cls in comparator_classes():
        if comparator in cls.comparators:
            return cls
    raise KeyError(f"comparator {comparator!r} belongs to no class")


def study_label(trial: Trial) -> str:
    """Author-year label ("Garrow 2014"): first author of the first source, year of the id."""
    known = bibliography()
    year = re.search(r"(19|20)\d\d", trial.id)
    if trial.sources and trial.sources[0] in known:
        surname = re.split(r"[ ,]", known[trial.sources[0]].citation.strip(), maxsplit=1)[0]
        surname = surname.rstrip(".;:")
    else:  # a trial entered by a researcher: its id names the first author
        surname = re.sub(r"[^a-z].*$", "", trial.id).capitalize() or trial.id
    return f"{surname} {year.group(0)}" if year else surname


def arm_sizes(trial: Trial) -> tuple[int | None, int | None]:
    """Participants per arm (acupuncture, control) when the data give them."""
    data = trial.data
    if isinstance(data, ContinuousData):
        return data.n1, data.n2
    if isinstance(data, EffectData):
        return data.n1, data.n2
    return None, None


@dataclass(frozen=True)
class Comparison:
    """One comparison's trials (poolable ones only), effects and pooled estimate."""

    class_id: str
    label: str
    sensitivity: bool
    trials: tuple[Trial, ...]
    labels: tuple[str, ...]
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    result: MetaResult | None
    not_pooled_because: str | None

    @property
    def k(self) -> int:
        """Number of trials in the comparison."""
        return len(self.trials)


def pool(
    selected: Sequence[Trial],
    effects: Sequence[tuple[float, float]],
    *,
    method: str = "REML",
    test: str = "knha",
    mixed: bool = False,
) -> Comparison:
    """Pool ``selected`` (with their ``(yi, vi)``) after checking they share a comparator class.

    Raises ``MixedComparatorsError`` when classes differ and ``mixed`` is not set; with
    ``mixed=True`` the result is labelled a sensitivity analysis.
    """
    classes = {class_of(t.comparator).id for t in selected}
    if len(classes) > 1 and not mixed:
        raise MixedComparatorsError(
            _("These trials use comparators of different kinds (%(kinds)s); they are pooled "
              "only as a labelled sensitivity analysis.")
            % {"kinds": ", ".join(class_of(t.comparator).label for t in selected)}
        )
    if mixed:
        class_id, label = MIXED, _("All comparators mixed (sensitivity analysis)")
    elif classes:
        cls = class_of(selected[0].comparator)
        class_id, label = cls.id, _(cls.label)
    else:
        class_id, label = MIXED, _("No trial")
    yi = tuple(e[0] for e in effects)
    vi = tuple(e[1] for e in effects)
    labels = tuple(study_label(t) for t in selected)
    result = None
    why = None
    if len(selected) >= 2:
        result = meta_analysis(yi, vi, method=method, test=test, measure="MD", labels=labels)
    else:
        why = _("%(k)d trial(s) with readable pain data; a pooled estimate needs at least 2.") % {
            "k": len(selected)}
    return Comparison(
        class_id=class_id, label=label, sensitivity=mixed, trials=tuple(selected),
        labels=labels, yi=yi, vi=vi, result=result, not_pooled_because=why,
    )
