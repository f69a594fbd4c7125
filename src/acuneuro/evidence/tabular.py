"""Study tables (rows of text, as read from a CSV) to effect sizes, with row-and-column errors.

Three layouts, told apart by their header:

* continuous arms ``study,n1,mean1,sd1,n2,mean2,sd2`` (measures MD, SMD; default SMD, which is
  comparable across pain scales),
* binary arms ``study,events1,n1,events2,n2`` (RR, OR, RD; default RR),
* precomputed ``study,yi,vi`` or ``study,yi,sei`` (measure GEN).

Arm 1 is the experimental arm. Every refusal is a ``TableError`` naming the row (1 = first data
row) and the column, so that a user can fix the file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from acuneuro.evidence._effects import binary_effects, continuous_effects

__all__ = ["LAYOUTS", "StudyTable", "TableError", "read_table"]

# Beyond these no trial's numbers lie, and the estimators' squares and weights would overflow
# (a variance of 1e161 next to 1 left REML a Fisher information of zero). Design choice, wide
# enough for any real effect size or log ratio and any real sampling variance.
MAX_EFFECT = 1e6
MIN_VARIANCE = 1e-12
MAX_VARIANCE = 1e12

LAYOUTS: dict[str, tuple[str, ...]] = {
    "continuous": ("study", "n1", "mean1", "sd1", "n2", "mean2", "sd2"),
    "binary": ("study", "events1", "n1", "events2", "n2"),
    "yi_vi": ("study", "yi", "vi"),
    "yi_sei": ("study", "yi", "sei"),
}
_MEASURES = {
    "continuous": ("SMD", "MD"),
    "binary": ("RR", "OR", "RD"),
    "yi_vi": ("GEN",),
    "yi_sei": ("GEN",),
}
_COUNTS = {"n1", "n2", "events1", "events2"}
_NON_NEGATIVE = {"sd1", "sd2", "vi", "sei"}


class TableError(ValueError):
    """A study table that cannot be analysed; the message names the row and column."""


@dataclass(frozen=True)
class StudyTable:
    """Effects ready for ``meta_analysis``."""

    measure: str
    labels: tuple[str, ...]
    yi: tuple[float, ...]
    vi: tuple[float, ...]


def _layout(header: Sequence[str]) -> str:
    names = {h.strip() for h in header}
    for layout in ("continuous", "binary", "yi_vi", "yi_sei"):
        if set(LAYOUTS[layout]) <= names:
            return layout
    best = max(LAYOUTS.values(), key=lambda cols: len(set(cols) & names))
    missing = [c for c in best if c not in names]
    raise TableError(
        f"header: missing column(s) {', '.join(missing)}; expected one of "
        + " | ".join(",".join(cols) for cols in LAYOUTS.values())
    )


def _number(text: str, row: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise TableError(f"row {row}, column {column}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise TableError(f"row {row}, column {column}: {text!r} is not a finite number")
    if column in _COUNTS and (value != int(value) or value < 0):
        raise TableError(f"row {row}, column {column}: {text!r} is not a whole count >= 0")
    if column in ("n1", "n2") and value <= 0:
        raise TableError(f"row {row}, column {column}: the group size must be > 0")
    if column in _NON_NEGATIVE and value < 0:
        raise TableError(f"row {row}, column {column}: {value:g} is negative")
    return value


def read_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], measure: str | None = None
) -> StudyTable:
    """Parse and check a study table; ``measure`` defaults to the layout's first measure."""
    if not header:
        raise TableError("the file is empty (no header row)")
    layout = _layout(header)
    allowed = _MEASURES[layout]
    chosen = measure or allowed[0]
    if chosen not in allowed:
        raise TableError(
            f"measure {chosen} does not fit columns {','.join(LAYOUTS[layout])};"
            f" use {' or '.join(allowed)}"
        )
    index = {h.strip(): i for i, h in enumerate(header)}
    columns: dict[str, list[float]] = {c: [] for c in LAYOUTS[layout][1:]}
    labels: list[str] = []
    numbers: list[int] = []
    for number, raw in enumerate(rows, start=1):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) < len(header):
            raise TableError(f"row {number}: {len(raw)} cells, the header has {len(header)}")
        labels.append(raw[index["study"]].strip() or f"row {number}")
        numbers.append(number)
        for column in columns:
            columns[column].append(_number(raw[index[column]].strip(), number, column))
        if layout == "binary":
            for ev, n in (("events1", "n1"), ("events2", "n2")):
                if columns[ev][-1] > columns[n][-1]:
                    raise TableError(f"row {number}, column {ev}: events exceed {n}")
        if layout == "yi_vi" and columns["vi"][-1] == 0:
            raise TableError(f"row {number}, column vi: the sampling variance must be > 0")
        if layout == "yi_sei" and columns["sei"][-1] == 0:
            raise TableError(f"row {number}, column sei: the standard error must be > 0")
    if not labels:
        raise TableError("the file has a header but no study rows")
    c = {k: np.asarray(v) for k, v in columns.items()}
    # Finite inputs can still overflow (an SE of 1e200 squared); such a row is named below.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if layout == "continuous":
            eff = continuous_effects(chosen, c["n1"], c["mean1"], c["sd1"], c["n2"],
                                     c["mean2"], c["sd2"])
            yi, vi = eff.yi, eff.vi
        elif layout == "binary":
            eff = binary_effects(chosen, c["events1"], c["n1"], c["events2"], c["n2"])
            yi, vi = eff.yi, eff.vi
        else:
            yi = c["yi"]
            vi = c["vi"] if layout == "yi_vi" else c["sei"] ** 2
    for number, y, v in zip(numbers, yi, vi, strict=True):
        if not (math.isfinite(y) and math.isfinite(v)) or v <= 0:
            raise TableError(
                f"row {number}: the effect cannot be computed (check the SDs and group sizes)"
            )
        if abs(y) > MAX_EFFECT or not MIN_VARIANCE <= v <= MAX_VARIANCE:
            raise TableError(
                f"row {number}: effect {y:.3g} with variance {v:.3g} is outside what can be "
                f"pooled (|effect| at most {MAX_EFFECT:.0e}, variance between "
                f"{MIN_VARIANCE:.0e} and {MAX_VARIANCE:.0e}); check the row's numbers"
            )
    return StudyTable(
        measure=chosen,
        labels=tuple(labels),
        yi=tuple(float(x) for x in yi),
        vi=tuple(float(x) for x in vi),
    )
