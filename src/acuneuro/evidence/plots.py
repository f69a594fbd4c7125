"""Forest and funnel plots as SVG text or PNG bytes (matplotlib's Agg canvas, no display).

The figures are built on a private ``Figure`` (never pyplot's global state), so rendering is
safe in a web worker; SVG output is deterministic (fixed id salt, no date metadata).

References
----------
Lewis S, Clarke M. Forest plots: trying to see the wood and the trees. BMJ 2001;322:1479-1480.
Sterne JAC, Egger M. Funnel plots for detecting bias in meta-analysis: guidelines on choice of
axis. J Clin Epidemiol 2001;54:1046-1055 (standard error on a reversed vertical axis).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from acuneuro.evidence._figure import Format, measure_label, render
from acuneuro.evidence.forest import forest_chart, forest_values, funnel_chart, funnel_values
from acuneuro.evidence.meta import MetaResult
from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _

__all__ = ["Format", "forest_plot", "funnel_plot", "studies_plot"]


def forest_plot(
    res: MetaResult,
    *,
    title: str = "",
    favours: tuple[str, str] = (N_("Favours acupuncture"), N_("Favours control")),
    fmt: Format = "svg",
) -> str | bytes:
    """Forest plot of a fitted model: columns, squares by weight, diamond, PI, heterogeneity.

    Ratios are drawn back-transformed on a log axis. ``favours`` labels the left and right of
    the line of no effect (for pain scores a negative difference favours the experimental arm).
    """
    values = forest_values(res, res.labels, res.yi, res.vi, level=res.level)
    return forest_chart(values, title=title, favours=favours, arms=(_("Arm 1"), _("Arm 2")),
                        fmt=fmt)


def funnel_plot(res: MetaResult, *, title: str = "", fmt: Format = "svg") -> str | bytes:
    """Funnel plot with pseudo-95% limits and Egger's test (or why it is not shown)."""
    return funnel_chart(funnel_values(res), title=title, fmt=fmt)


def studies_plot(
    labels: list[str],
    yi: list[float],
    vi: list[float],
    *,
    measure: str = "MD",
    title: str = "",
    note: str = "",
    favours: tuple[str, str] = (N_("Favours acupuncture"), N_("Favours control")),
    fmt: Format = "svg",
) -> str | bytes:
    """Each study's effect and 95% CI without a pooled estimate (too few studies to pool)."""
    k = len(yi)
    z = stats.norm.isf(0.025)
    y = np.asarray(yi, dtype=float)
    se = np.sqrt(np.asarray(vi, dtype=float))
    rows = np.arange(k, 0, -1).astype(float)
    fig = Figure(figsize=(8.0, 1.4 + 0.32 * (k + 1)))
    ax = fig.add_subplot(1, 1, 1)
    ax.hlines(rows, y - z * se, y + z * se, color="#333333", linewidth=1)
    ax.scatter(y, rows, marker="s", s=60, color="#1f4e79", zorder=3)
    ax.axvline(0.0, color="#777777", linewidth=0.8)
    ax.set_yticks(rows)
    ax.set_yticklabels(labels)
    ax.set_ylim(0, k + 1)
    ax.set_xlabel(f"{measure_label(measure)}   ← {_(favours[0])} | {_(favours[1])} →")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    heading = "\n".join(part for part in (title, note) if part)
    if heading:
        ax.set_title(heading, fontsize=9, loc="left")
    return render(fig, fmt)
