"""Forest and funnel plots a reviewer recognises, and the numbers they draw.

``forest_values`` / ``funnel_values`` return exactly what is drawn (each study's estimate, CI and
weight; the pooled diamond, prediction interval and heterogeneity; the funnel's points, limits
and Egger's test), so the figures can be checked against metafor's ``forest()``/``funnel()``
values. The charts follow the RevMan layout: study (author year), n per arm, the plot, effect
[95% CI], weight; diamond, prediction interval, tau², I², Q, and "favours" labels on the axis.

References
----------
Lewis S, Clarke M. Forest plots: trying to see the wood and the trees. BMJ 2001;322:1479-1480.
Viechtbauer W. metafor reference manual, ``forest.rma``, ``funnel``, ``weights.rma``
(weights 100 w_i / sum w, w_i = 1/(v_i + tau²)).
Sterne JAC, Sutton AJ, Ioannidis JPA, et al. BMJ 2011;343:d4002 (Egger's test from 10 studies).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory
from scipy import stats

from acuneuro.evidence._figure import Format, measure_label, render
from acuneuro.evidence.bias import egger_test
from acuneuro.evidence.meta import MetaResult
from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _

__all__ = ["EGGER_MIN_K", "forest_chart", "forest_values", "funnel_chart", "funnel_values"]

# Sterne 2011: the test has too little power below ten studies.
EGGER_MIN_K = 10


def _n(value: int | None) -> str:
    return "—" if value is None else str(value)


def forest_values(
    res: MetaResult | None,
    labels: Sequence[str],
    yi: Sequence[float],
    vi: Sequence[float],
    *,
    n1: Sequence[int | None] = (),
    n2: Sequence[int | None] = (),
    level: float = 0.95,
) -> dict[str, Any]:
    """Rows (label, n1, n2, estimate, ci_lb, ci_ub, weight %) and the pooled summary, if any.

    Values are on the analysis scale (log for RR and OR), as metafor's ``forest`` draws them
    before ``atransf``; weights are ``weights(res)`` (None without a pooled model).
    """
    z = float(stats.norm.isf((1 - level) / 2))
    weights: Sequence[float | None] = res.weights if res is not None else [None] * len(yi)
    rows = []
    for i, (y, v) in enumerate(zip(yi, vi, strict=True)):
        se = math.sqrt(v)
        rows.append({
            "label": labels[i] if i < len(labels) else f"Study {i + 1}",
            "n1": n1[i] if i < len(n1) else None,
            "n2": n2[i] if i < len(n2) else None,
            "estimate": y, "ci_lb": y - z * se, "ci_ub": y + z * se, "weight": weights[i],
        })
    pooled = None
    if res is not None:
        pooled = {
            "estimate": res.estimate, "ci_lb": res.ci[0], "ci_ub": res.ci[1],
            "pi_lb": res.pi[0], "pi_ub": res.pi[1], "tau2": res.tau2, "I2": res.I2,
            "Q": res.Q, "Q_df": res.Q_df, "Q_p": res.Q_p, "k": res.k,
            "method": res.method, "test": res.test,
        }
    return {"measure": res.measure if res else "MD", "rows": rows, "pooled": pooled}


def _fmt(values: dict[str, Any], x: float) -> float:
    return math.exp(x) if values["measure"] in ("RR", "OR") else x


def forest_chart(
    values: dict[str, Any],
    *,
    title: str = "",
    note: str = "",
    favours: tuple[str, str] = (N_("Favours acupuncture"), N_("Favours control")),
    arms: tuple[str, str] = (N_("Acupuncture"), N_("Control")),
    fmt: Format = "svg",
) -> str | bytes:
    """Draw ``forest_values``: columns, squares by weight, diamond, PI and heterogeneity."""
    rows, pooled, ratio = values["rows"], values["pooled"], values["measure"] in ("RR", "OR")
    k = len(rows)
    extra = 3 if pooled else 0
    fig = Figure(figsize=(10.0, 1.6 + 0.3 * (k + extra + 2)))
    ax = fig.add_axes((0.40, 0.18, 0.30, 0.68))
    y_rows = np.arange(k, 0, -1) + float(extra)
    text = blended_transform_factory(fig.transFigure, ax.transData)
    head = float(k + extra + 1)
    cols = ((0.01, _("Study"), "left"), (0.27, _(arms[0]) + " n", "right"),
            (0.36, _(arms[1]) + " n", "right"), (0.72, _("Effect [95% CI]"), "left"),
            (0.99, _("Weight"), "right"))
    for x, word, align in cols:
        ax.text(x, head, word, transform=text, ha=align, va="center", fontsize=8,
                fontweight="bold")
    for y, row in zip(y_rows, rows, strict=True):
        lo, mid, hi = (_fmt(values, row[key]) for key in ("ci_lb", "estimate", "ci_ub"))
        ax.hlines(y, lo, hi, color="#333333", linewidth=1)
        size = 30.0 if row["weight"] is None else 15 + 2.2 * row["weight"]
        ax.scatter([mid], [y], marker="s", s=size, color="#1f4e79", zorder=3)
        weight = "" if row["weight"] is None else f"{row['weight']:.1f}%"
        for x, word, align in ((0.01, row["label"], "left"), (0.27, _n(row["n1"]), "right"),
                               (0.36, _n(row["n2"]), "right"),
                               (0.72, f"{mid:.2f} [{lo:.2f}, {hi:.2f}]", "left"),
                               (0.99, weight, "right")):
            ax.text(x, y, word, transform=text, ha=align, va="center", fontsize=8)
    if pooled:
        est, lo, hi = (_fmt(values, pooled[key]) for key in ("estimate", "ci_lb", "ci_ub"))
        ax.fill([lo, est, hi, est], [2.0, 2.3, 2.0, 1.7], color="#b22222", zorder=3)
        model = "Knapp-Hartung" if pooled["test"] == "knha" else pooled["test"]
        ax.text(0.01, 2.0, _("Pooled (%(method)s, %(test)s)") % {
            "method": pooled["method"], "test": pooled["test"]}, transform=text, ha="left",
            va="center", fontsize=8, fontweight="bold")
        ax.text(0.72, 2.0, f"{est:.2f} [{lo:.2f}, {hi:.2f}]", transform=text, ha="left",
                va="center", fontsize=8, fontweight="bold")
        ax.text(0.99, 2.0, "100%", transform=text, ha="right", va="center", fontsize=8)
        if pooled["method"] != "EE":
            p_lo, p_hi = _fmt(values, pooled["pi_lb"]), _fmt(values, pooled["pi_ub"])
            ax.hlines(1.0, p_lo, p_hi, color="#b22222", linewidth=1.2, linestyles="dotted")
            ax.text(0.01, 1.0, _("Prediction interval"), transform=text, ha="left",
                    va="center", fontsize=8)
            ax.text(0.72, 1.0, f"[{p_lo:.2f}, {p_hi:.2f}]", transform=text, ha="left",
                    va="center", fontsize=8)
        het = _("Heterogeneity: tau² = %(tau2)s; Q = %(q)s, df = %(df)d (p = %(p)s); "
                "I² = %(i2)s%%; %(model)s") % {
            "tau2": f"{pooled['tau2']:.3g}", "q": f"{pooled['Q']:.2f}", "df": pooled["Q_df"],
            "p": f"{pooled['Q_p']:.3g}", "i2": f"{pooled['I2']:.0f}", "model": model}
        ax.text(0.01, 0.2, het, transform=text, ha="left", va="center", fontsize=7.5)
    ax.axvline(1.0 if ratio else 0.0, color="#777777", linewidth=0.8)
    if ratio:
        ax.set_xscale("log")
    ax.set_ylim(-0.3 if pooled else 0.3, head + 0.7)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(f"← {_(favours[0])}    {_(favours[1])} →\n{measure_label(values['measure'])}",
                  fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    heading = "\n".join(part for part in (title, note) if part)
    if heading:
        fig.suptitle(heading, x=0.01, ha="left", fontsize=9)
    return render(fig, fmt)


def funnel_values(res: MetaResult) -> dict[str, Any]:
    """Points (estimate, standard error), the pooled line, and Egger's test or why not."""
    sei = [math.sqrt(v) for v in res.vi]
    out: dict[str, Any] = {
        "measure": res.measure, "estimate": res.estimate,
        "points": [{"label": lab, "estimate": y, "se": s}
                   for lab, y, s in zip(res.labels or [""] * res.k, res.yi, sei, strict=True)],
        "egger": None, "egger_not_shown_because": None,
    }
    if res.k >= EGGER_MIN_K:
        eg = egger_test(res.yi, res.vi, method=res.method, test=res.test, level=res.level)
        out["egger"] = {"stat": eg.stat, "p": eg.p, "limit_estimate": eg.limit_estimate}
    else:
        out["egger_not_shown_because"] = _(
            "Egger's test is not shown: %(k)d trials, and the test needs at least %(min)d to "
            "tell asymmetry from chance (Sterne 2011).") % {"k": res.k, "min": EGGER_MIN_K}
    return out


def funnel_chart(values: dict[str, Any], *, title: str = "", fmt: Format = "svg") -> str | bytes:
    """Funnel plot: effects against standard error (reversed), pseudo-95% limits, Egger line."""
    y = np.asarray([p["estimate"] for p in values["points"]])
    se = np.asarray([p["se"] for p in values["points"]])
    fig = Figure(figsize=(6.5, 5.0))
    ax = fig.add_subplot(1, 1, 1)
    top = float(se.max()) * 1.1
    grid = np.linspace(0, top, 50)
    z = float(stats.norm.isf(0.025))
    est = values["estimate"]
    ax.plot(est - z * grid, grid, color="#777777", linewidth=0.8, linestyle="--")
    ax.plot(est + z * grid, grid, color="#777777", linewidth=0.8, linestyle="--")
    ax.axvline(est, color="#b22222", linewidth=1)
    ax.scatter(y, se, color="#1f4e79", zorder=3)
    ax.set_ylim(top, 0)
    scale = _(" (log scale)") if values["measure"] in ("RR", "OR") else ""
    ax.set_xlabel(f"{measure_label(values['measure'])}{scale}")
    ax.set_ylabel(_("Standard error"))
    egger = values["egger"]
    if egger is not None:
        words = _("Egger's test: %(stat)s, p = %(p)s") % {
            "stat": f"{egger['stat']:.2f}", "p": f"{egger['p']:.3g}"}
    else:
        words = values["egger_not_shown_because"]
    heading = "\n".join(part for part in (title, words) if part)
    ax.set_title(heading, fontsize=8, loc="left", wrap=True)
    return render(fig, fmt)
