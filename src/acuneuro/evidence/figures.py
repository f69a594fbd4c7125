"""The figures of the evidence pages: one forest (and funnel) plot per comparison.

A comparison is a comparator class (``sham_placebo``, ``usual_care_waitlist``, ``active_drug``)
or ``mixed``, the labelled sensitivity analysis that pools every class. Rows are labelled by
author and year with the participants per arm when the publication gives them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from acuneuro.evidence._figure import Format
from acuneuro.evidence.comparisons import MIXED, Comparison, arm_sizes
from acuneuro.evidence.forest import forest_chart, forest_values, funnel_chart, funnel_values
from acuneuro.evidence.library import ConditionEvidence, condition_evidence
from acuneuro.evidence.plots import studies_plot
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import Trial

__all__ = ["comparison_forest_values", "find_comparison", "forest_figure", "funnel_figure"]


def find_comparison(ev: ConditionEvidence, key: str | None) -> Comparison | None:
    """The comparison ``key`` (a class id or ``mixed``); the first one when ``key`` is None."""
    if key == MIXED:
        return ev.sensitivity
    for cmp in ev.comparisons:
        if key is None or cmp.class_id == key:
            return cmp
    return None


def comparison_forest_values(cmp: Comparison) -> dict[str, Any]:
    """What the forest plot of ``cmp`` draws (see ``forest.forest_values``)."""
    sizes = [arm_sizes(t) for t in cmp.trials]
    return forest_values(cmp.result, cmp.labels, cmp.yi, cmp.vi,
                         n1=[s[0] for s in sizes], n2=[s[1] for s in sizes])


def _title(ev: ConditionEvidence, cmp: Comparison) -> str:
    return _("%(title)s: pain, mean difference on a 0-10 scale. Acupuncture versus %(c)s") % {
        "title": ev.title, "c": cmp.label.lower()}


def forest_figure(
    condition: str,
    fmt: Format = "svg",
    *,
    comparison: str | None = None,
    method: str = "REML",
    test: str = "knha",
    library: Sequence[Trial] | None = None,
) -> str | bytes:
    """The forest plot of one comparison of a condition (the first comparison by default)."""
    ev = condition_evidence(condition, method=method, test=test, library=library)
    cmp = find_comparison(ev, comparison)
    if cmp is None:
        if comparison is not None:
            raise KeyError(comparison)
        title = _("%(title)s: pain, mean difference on a 0-10 scale") % {"title": ev.title}
        return studies_plot([], [], [], title=title,
                            note=_("No trial with readable pain data."), fmt=fmt)
    note = cmp.not_pooled_because or ""
    if cmp.sensitivity:
        note = _("Sensitivity analysis: comparator classes mixed; not an effect against any "
                 "one kind of control.")
    return forest_chart(comparison_forest_values(cmp), title=_title(ev, cmp), note=note,
                        fmt=fmt)


def funnel_figure(
    condition: str,
    fmt: Format = "svg",
    *,
    comparison: str | None = None,
    method: str = "REML",
    test: str = "knha",
    library: Sequence[Trial] | None = None,
) -> str | bytes | None:
    """The funnel plot of a pooled comparison; None when the comparison has no pooled model."""
    ev = condition_evidence(condition, method=method, test=test, library=library)
    cmp = find_comparison(ev, comparison)
    if cmp is None or cmp.result is None:
        return None
    return funnel_chart(funnel_values(cmp.result), title=_title(ev, cmp), fmt=fmt)
