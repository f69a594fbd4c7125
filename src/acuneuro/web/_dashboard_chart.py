"""Inline SVG interval charts of the clinic dashboard: one row per condition, a point or bar
with its 95% interval as a whisker.

Drawn on the server as plain SVG (no script, no style attribute: the pages run under a strict
CSP); every text is escaped. A withheld or missing figure is written as text in its row, never
drawn as zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from acuneuro.i18n import N_, format_decimal
from acuneuro.i18n import gettext as _

__all__ = ["Bar", "interval_chart"]

_W, _ROW, _L, _R, _T, _B = 640, 30, 150, 24, 12, 30


@dataclass(frozen=True)
class Bar:
    """One condition's figure: ``value`` with an optional interval; None is "not shown"."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    missing: str = N_("no data")


def interval_chart(title: str, bars: list[Bar], *, span: tuple[float, float], unit: str = "",
                   percent: bool = False) -> str:
    """A horizontal chart on the scale ``span`` (low, high), a zero line when 0 is inside."""
    lo, hi = span
    height = _T + _B + _ROW * max(len(bars), 1)
    width = (hi - lo) or 1.0

    def x(v: float) -> float:
        return _L + (min(max(v, lo), hi) - lo) / width * (_W - _L - _R)

    def fmt(v: float) -> str:
        return f"{format_decimal(100 * v, 0)}%" if percent else f"{format_decimal(v, 1)}{unit}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" role="img" '
             f'aria-label="{escape(title)}" class="dashboard-chart">',
             f"<title>{escape(title)}</title>"]
    bottom = height - _B
    for k in range(5):
        v = lo + width * k / 4
        parts.append(f'<line x1="{x(v):.1f}" y1="{_T}" x2="{x(v):.1f}" y2="{bottom}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{x(v):.1f}" y="{bottom + 16}" text-anchor="middle" '
                     f'font-size="11">{escape(fmt(v))}</text>')
    if lo < 0 < hi:
        parts.append(f'<line x1="{x(0):.1f}" y1="{_T}" x2="{x(0):.1f}" y2="{bottom}" '
                     'stroke="#555"/>')
    for i, bar in enumerate(bars):
        mid = _T + _ROW * i + _ROW / 2
        parts.append(f'<text x="{_L - 8}" y="{mid + 4:.1f}" text-anchor="end" '
                     f'font-size="12">{escape(bar.label)}</text>')
        if bar.value is None:
            parts.append(f'<text x="{_L + 6}" y="{mid + 4:.1f}" font-size="12" '
                         f'class="not-shown">{escape(_(bar.missing))}</text>')
            continue
        start = x(max(lo, 0.0)) if lo >= 0 else x(0.0)
        left, right = sorted((start, x(bar.value)))
        parts.append(f'<rect class="value" x="{left:.1f}" y="{mid - 8:.1f}" '
                     f'width="{max(right - left, 1.0):.1f}" height="16" fill="#1f5fa8"/>')
        if bar.low is not None and bar.high is not None:
            parts.append(f'<line class="interval" x1="{x(bar.low):.1f}" y1="{mid:.1f}" '
                         f'x2="{x(bar.high):.1f}" y2="{mid:.1f}" stroke="#b35900" '
                         'stroke-width="2"/>')
            for end in (bar.low, bar.high):
                parts.append(f'<line x1="{x(end):.1f}" y1="{mid - 6:.1f}" x2="{x(end):.1f}" '
                             f'y2="{mid + 6:.1f}" stroke="#b35900" stroke-width="2"/>')
        parts.append(f'<text class="figure" x="{_W - 2}" y="{mid + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{escape(fmt(bar.value))}</text>')
    parts.append("</svg>")
    return "".join(parts)
