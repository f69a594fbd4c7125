"""Shared figure plumbing: rendering to SVG/PNG on a private canvas, and axis words."""

from __future__ import annotations

import io
from typing import Literal

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _

__all__ = ["Format", "measure_label", "render"]

Format = Literal["svg", "png"]

_LABELS = {
    "MD": N_("Mean difference"),
    "SMD": N_("Standardised mean difference (Hedges' g)"),
    "RR": N_("Risk ratio"),
    "OR": N_("Odds ratio"),
    "RD": N_("Risk difference"),
    "GEN": N_("Effect"),
}


def measure_label(measure: str) -> str:
    """The words for an effect measure (``MD`` -> "Mean difference")."""
    return _(_LABELS[measure]) if measure in _LABELS else measure


def render(fig: Figure, fmt: Format) -> str | bytes:
    """SVG text (deterministic: fixed id salt, no date) or PNG bytes at 150 dpi."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "acuneuro", "svg.fonttype": "none"}):
        if fmt == "svg":
            fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
            return buffer.getvalue().decode("utf-8")
        fig.savefig(buffer, format="png", dpi=150, metadata={"Software": None},
                    bbox_inches="tight")
    return buffer.getvalue()
