"""A researcher's entry of a trial's numbers, from a form or a CSV row, checked field by field.

``curated_trial`` turns the flat fields of one entry (the web form's fields, or one CSV row's
columns) into a ``knowledge.Trial``; every problem is reported with the column it concerns, and
``parse_csv`` reports each problem with its row and column and returns nothing unless every row
is valid. A correction of a hand-kept trial may leave descriptive fields empty: they keep the
hand-kept values. Provenance (source, page or table) is required for every entry.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from acuneuro.i18n import gettext as _
from acuneuro.knowledge import EVIDENCE_CONDITIONS, Trial

__all__ = ["COLUMNS", "CurationError", "Problem", "curated_trial", "parse_csv"]

COLUMNS = ("trial_id", "condition", "comparator", "design", "n_randomised", "outcome",
           "scale_max", "outcome_kind", "data_kind", "n1", "mean1", "sd1", "n2", "mean2",
           "sd2", "estimate", "ci_lower", "ci_upper", "source", "location", "note")
_COMPARATORS = ("sham", "placebo", "waitlist", "usual_care", "drug", "other")
_ARMS = ("n1", "mean1", "sd1", "n2", "mean2", "sd2")
_EFFECT = ("estimate", "ci_lower", "ci_upper")
_INTS = ("n_randomised", "n1", "n2")


@dataclass(frozen=True)
class Problem:
    """One refused value: the CSV row (None for a form), the column and a sentence."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.column}: {self.message}"
        return _("Row %(row)d, column %(column)s: %(message)s") % {
            "row": self.row, "column": self.column, "message": self.message}


class CurationError(ValueError):
    """Entries refused; ``problems`` names each row and column. Nothing was taken in."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _number(raw: str, column: str, problems: dict[str, str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        problems[column] = _("“%(raw)s” is not a number.") % {"raw": raw[:40]}
        return None
    if not math.isfinite(value):
        problems[column] = _("Enter a finite number.")
        return None
    if column in _INTS and (value != int(value) or value <= 0):
        problems[column] = _("Enter a whole number of participants above 0.")
        return None
    if column.startswith("sd") and value < 0:
        problems[column] = _("A standard deviation cannot be negative.")
        return None
    return value


def _fields(row: Mapping[str, str], seed: Trial | None) -> tuple[dict[str, Any], dict[str, str]]:
    problems: dict[str, str] = {}
    given = {c: (row.get(c) or "").strip() for c in COLUMNS}
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,63}", given["trial_id"]):
        problems["trial_id"] = _("Give the trial's id in lower case, e.g. iravani2020.")
    for column in ("source", "location"):
        if not given[column]:
            problems[column] = _("Say where the numbers were read (source, and page or table).")
    defaults: dict[str, Any] = {}
    if seed is not None:
        defaults = {"condition": seed.condition, "comparator": seed.comparator,
                    "design": seed.design, "n_randomised": seed.n_randomised,
                    "outcome": seed.outcome.name, "scale_max": seed.outcome.scale_max,
                    "outcome_kind": seed.outcome.kind}
    values: dict[str, Any] = {}
    for column in ("condition", "comparator", "design", "outcome", "outcome_kind",
                   "n_randomised", "scale_max"):
        if given[column]:
            values[column] = given[column]
        elif column in defaults:
            values[column] = defaults[column]
        else:
            problems[column] = _("This field is required for a new trial.")
    if values.get("condition") not in (None, *EVIDENCE_CONDITIONS):
        problems["condition"] = _("Choose dpn, phn or cipn.")
    if values.get("comparator") not in (None, *_COMPARATORS):
        problems["comparator"] = _("Choose sham, placebo, waitlist, usual_care, drug or other.")
    if values.get("outcome_kind") not in (None, "change", "final"):
        problems["outcome_kind"] = _("Choose change (from baseline) or final (end value).")
    for column in ("n_randomised", "scale_max"):
        if isinstance(values.get(column), str):
            values[column] = _number(values[column], column, problems)
    kind = given["data_kind"]
    wanted = {"continuous": _ARMS, "effect": _EFFECT}.get(kind)
    if wanted is None:
        problems["data_kind"] = _("Choose continuous (arm means and SDs) or effect (a "
                                  "difference with its 95% CI).")
        wanted = ()
    data: dict[str, Any] = {"kind": kind}
    for column in (*wanted, *(("n1", "n2") if kind == "effect" else ())):
        if not given[column]:
            if column in wanted:
                problems[column] = _("This number is required for %(kind)s data.") % {"kind": kind}
            continue
        number = _number(given[column], column, problems)
        data[column] = int(number) if number is not None and column in _INTS else number
    return {"given": given, "values": values, "data": data}, problems


def curated_trial(row: Mapping[str, str], seed: Trial | None) -> Trial:
    """The trial an entry describes, or ``CurationError`` naming each bad column."""
    parts, problems = _fields(row, seed)
    values, data, given = parts["values"], parts["data"], parts["given"]
    trial: Trial | None = None
    if not problems:
        try:
            trial = Trial.model_validate({
                "id": given["trial_id"], "condition": values["condition"],
                "design": values["design"], "comparator": values["comparator"],
                "n_randomised": int(values["n_randomised"]),
                "intervention": seed.intervention if seed else "",
                "points": list(seed.points) if seed else [],
                "outcome": {"name": values["outcome"], "scale_max": values["scale_max"],
                            "kind": values["outcome_kind"]},
                "data": data, "status": "verified", "note": given["note"] or None,
                "sources": list(seed.sources) if seed else [],
            })
        except ValidationError as exc:
            for err in exc.errors():
                loc = [str(x) for x in err["loc"] if str(x) not in ("data", "continuous",
                                                                  "effect")]
                column = loc[-1] if loc else "data_kind"
                column = {"ci_lower": "ci_lower"}.get(column, column)
                problems[column if column in COLUMNS else "data_kind"] = _(
                    "These numbers do not fit together: %(why)s") % {
                    "why": str(err["msg"]).removeprefix("Value error, ")}
    if problems or trial is None:
        raise CurationError([Problem(None, c, m) for c, m in problems.items()])
    return trial


def parse_csv(text: str, seeds: Mapping[str, Trial]) -> list[tuple[Trial, dict[str, str]]]:
    """Every row as ``(trial, provenance)``; ``CurationError`` with every bad row and column.

    The header must name the columns in ``COLUMNS`` (any order; unknown columns are refused).
    """
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in ("trial_id", "data_kind", "source", "location") if c not in header]
    if not header or unknown or missing:
        problems = [Problem(1, h, _("Unknown column; use the columns of the template."))
                    for h in unknown]
        problems += [Problem(1, c, _("This column is required.")) for c in missing]
        raise CurationError(problems or [Problem(1, "trial_id", _("The file is empty."))])
    out: list[tuple[Trial, dict[str, str]]] = []
    problems = []
    for number, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "") for k, v in raw.items() if k is not None}
        try:
            trial = curated_trial(row, seeds.get(row.get("trial_id", "").strip()))
        except CurationError as exc:
            problems += [Problem(number, p.column, p.message) for p in exc.problems]
            continue
        out.append((trial, {"source": row["source"].strip(), "location": row["location"].strip()}))
    if problems:
        raise CurationError(problems)
    if not out:
        raise CurationError([Problem(2, "trial_id", _("The file has no trial rows."))])
    return out
