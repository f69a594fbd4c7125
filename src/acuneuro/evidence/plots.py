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

import io
import math
from typing import Literal

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy import stats

from acuneuro.evidence.meta import MetaResult

__all__ = ["Format", "forest_plot", "funnel_plot", "studies_plot"]

Format = Literal["svg", "png"]

_LABELS = {
    "MD": "Mean difference",
    "SMD": "Standardised mean difference (Hedges' g)",
    "RR": "Risk ratio",
    "OR": "Odds ratio",
    "RD": "Risk difference",
    "GEN": "Effect",
}


def _render(fig: Figure, fmt: Format) -> str | bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "acuneuro", "svg.fonttype": "none"}):
        if fmt == "svg":
            fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
            return buffer.getvalue().decode("utf-8")
        fig.savefig(buffer, format="png", dpi=150, metadata={"Software": None},
                    bbox_inches="tight")
    return buffer.getvalue()


def _scale(res: MetaResult, x: float) -> float:
    return math.exp(x) if res.ratio else x


def forest_plot(
    res: MetaResult,
    *,
    title: str = "",
    favours: tuple[str, str] = ("favours acupuncture", "favours control"),
    fmt: Format = "svg",
) -> str | bytes:
    """Forest plot: each study's effect and CI, square sized by weight, pooled diamond and PI.

    Ratios are drawn back-transformed on a log axis. ``favours`` labels the left and right of
    the line of no effect (for pain scores a negative difference favours the experimental arm).
    """
    k = res.k
    labels = list(res.labels) or [f"Study {i + 1}" for i in range(k)]
    z = stats.norm.isf((1 - res.level) / 2)
    y = np.asarray(res.yi)
    se = np.sqrt(np.asarray(res.vi))
    rows = np.arange(k, 0, -1) + 1.0
    fig = Figure(figsize=(8.0, 1.2 + 0.32 * (k + 3)))
    ax = fig.add_subplot(1, 1, 1)
    lo = [_scale(res, a) for a in y - z * se]
    hi = [_scale(res, a) for a in y + z * se]
    mid = [_scale(res, a) for a in y]
    ax.hlines(rows, lo, hi, color="#333333", linewidth=1)
    sizes = 20 + 180 * np.asarray(res.weights) / max(res.weights)
    ax.scatter(mid, rows, marker="s", s=sizes, color="#1f4e79", zorder=3)
    est, (c_lo, c_hi), (p_lo, p_hi) = res.estimate, res.ci, res.pi
    diamond_x = [_scale(res, v) for v in (c_lo, est, c_hi, est)]
    ax.fill(diamond_x, [1.0, 1.25, 1.0, 0.75], color="#b22222", zorder=3)
    if res.method != "EE":
        ax.hlines(0.4, _scale(res, p_lo), _scale(res, p_hi), color="#b22222", linewidth=1,
                  linestyles="dotted")
    ax.axvline(1.0 if res.ratio else 0.0, color="#777777", linewidth=0.8)
    ax.set_yticks([*rows, 1.0, 0.4])
    pooled = f"Pooled ({res.method}, {res.test})"
    ax.set_yticklabels([*labels, pooled, "Prediction interval" if res.method != "EE" else ""])
    if res.ratio:
        ax.set_xscale("log")
    ax.set_xlabel(f"{_LABELS.get(res.measure, res.measure)}   ← {favours[0]} | {favours[1]} →")
    ax.set_ylim(0, rows[0] + 1)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    summary = (
        f"{_scale(res, est):.2f} [{_scale(res, c_lo):.2f}, {_scale(res, c_hi):.2f}];"
        f" tau²={res.tau2:.3g}, I²={res.I2:.0f}%, k={k}"
    )
    ax.set_title(f"{title}\n{summary}" if title else summary, fontsize=9, loc="left")
    return _render(fig, fmt)


def funnel_plot(res: MetaResult, *, title: str = "", fmt: Format = "svg") -> str | bytes:
    """Funnel plot: effects against standard errors (reversed axis) with pseudo-95% limits."""
    y = np.asarray(res.yi)
    se = np.sqrt(np.asarray(res.vi))
    fig = Figure(figsize=(6.0, 4.5))
    ax = fig.add_subplot(1, 1, 1)
    top = float(se.max()) * 1.1
    grid = np.linspace(0, top, 50)
    z = stats.norm.isf(0.025)
    ax.plot(res.estimate - z * grid, grid, color="#777777", linewidth=0.8, linestyle="--")
    ax.plot(res.estimate + z * grid, grid, color="#777777", linewidth=0.8, linestyle="--")
    ax.axvline(res.estimate, color="#b22222", linewidth=1)
    ax.scatter(y, se, color="#1f4e79", zorder=3)
    ax.set_ylim(top, 0)
    scale = " (log scale)" if res.ratio else ""
    ax.set_xlabel(f"{_LABELS.get(res.measure, res.measure)}{scale}")
    ax.set_ylabel("Standard error")
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return _render(fig, fmt)


def studies_plot(
    labels: list[str],
    yi: list[float],
    vi: list[float],
    *,
    measure: str = "MD",
    title: str = "",
    note: str = "",
    favours: tuple[str, str] = ("favours acupuncture", "favours control"),
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
    ax.set_xlabel(f"{_LABELS.get(measure, measure)}   ← {favours[0]} | {favours[1]} →")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    heading = "\n".join(part for part in (title, note) if part)
    if heading:
        ax.set_title(heading, fontsize=9, loc="left")
    return _render(fig, fmt)
