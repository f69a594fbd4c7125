"""Study data and results as tables: CSV, Excel (openpyxl) and a RevMan-compatible study table.

Rows are plain dictionaries so the CLI, the web pages and the API export the same columns.
The RevMan table follows RevMan's data entry for continuous outcomes (mean, SD, total per
group) and, for trials that publish only a difference, its generic inverse variance layout
(estimate and standard error), acupuncture as the experimental group.

References
----------
Cochrane. RevMan Web knowledge base: data types (continuous; generic inverse variance).
https://documentation.cochrane.org/revman-kb/data-types-and-effect-measures
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from acuneuro.evidence.comparisons import Comparison, arm_sizes
from acuneuro.evidence.library import ConditionEvidence, trial_effect
from acuneuro.evidence.meta import MetaResult
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import ContinuousData, comparator_label

__all__ = [
    "REVMAN_COLUMNS",
    "STUDY_COLUMNS",
    "result_rows",
    "revman_rows",
    "study_rows",
    "to_csv",
    "to_xlsx",
]

STUDY_COLUMNS = ("condition", "comparison", "study", "trial_id", "comparator", "n1", "n2",
                 "estimate", "ci_lb", "ci_ub", "se", "weight_pct", "status", "sources")
REVMAN_COLUMNS = ("Study ID", "Comparison", "Outcome", "Experimental Mean", "Experimental SD",
                  "Experimental Total", "Control Mean", "Control SD", "Control Total",
                  "Estimate", "SE")
RESULT_COLUMNS = ("analysis", "k", "measure", "method", "test", "estimate", "ci_lb", "ci_ub",
                  "pi_lb", "pi_ub", "tau2", "I2", "Q", "Q_df", "Q_p", "p")
_Z = 1.959963984540054


def _comparisons(ev: ConditionEvidence, sensitivity: bool) -> list[Comparison]:
    found = list(ev.comparisons)
    if sensitivity and ev.sensitivity is not None:
        found.append(ev.sensitivity)
    return found


def study_rows(ev: ConditionEvidence, *, sensitivity: bool = False) -> list[dict[str, Any]]:
    """One row per trial and comparison: effect (0-10 scale), CI, SE, weight, provenance."""
    rows: list[dict[str, Any]] = []
    for cmp in _comparisons(ev, sensitivity):
        weights = cmp.result.weights if cmp.result is not None else [100.0] * cmp.k
        for trial, label, weight in zip(cmp.trials, cmp.labels, weights, strict=True):
            y, v = trial_effect(trial)
            se = math.sqrt(v)
            n1, n2 = arm_sizes(trial)
            rows.append({
                "condition": ev.condition, "comparison": cmp.label, "study": label,
                "trial_id": trial.id, "comparator": comparator_label(trial.comparator),
                "n1": n1, "n2": n2, "estimate": y, "ci_lb": y - _Z * se, "ci_ub": y + _Z * se,
                "se": se, "weight_pct": weight, "status": trial.status,
                "sources": "; ".join(trial.sources),
            })
    return rows


def result_rows(results: Sequence[tuple[str, MetaResult]]) -> list[dict[str, Any]]:
    """One row per pooled analysis (name, k, estimate, CI, PI, heterogeneity)."""
    return [{
        "analysis": name, "k": r.k, "measure": r.measure, "method": r.method, "test": r.test,
        "estimate": r.estimate, "ci_lb": r.ci[0], "ci_ub": r.ci[1], "pi_lb": r.pi[0],
        "pi_ub": r.pi[1], "tau2": r.tau2, "I2": r.I2, "Q": r.Q, "Q_df": r.Q_df, "Q_p": r.Q_p,
        "p": r.p,
    } for name, r in results]


def revman_rows(ev: ConditionEvidence) -> list[dict[str, Any]]:
    """RevMan study table: arm data where published, otherwise estimate and SE (GIV)."""
    rows: list[dict[str, Any]] = []
    for cmp in ev.comparisons:
        for trial, label in zip(cmp.trials, cmp.labels, strict=True):
            row: dict[str, Any] = dict.fromkeys(REVMAN_COLUMNS)
            row.update({"Study ID": label, "Comparison": _("Acupuncture versus %(c)s") % {
                "c": cmp.label.lower()}, "Outcome": trial.outcome.name})
            data = trial.data
            if isinstance(data, ContinuousData):
                row.update({"Experimental Mean": data.mean1, "Experimental SD": data.sd1,
                            "Experimental Total": data.n1, "Control Mean": data.mean2,
                            "Control SD": data.sd2, "Control Total": data.n2})
            else:
                y, v = trial_effect(trial)
                n1, n2 = arm_sizes(trial)
                row.update({"Estimate": y, "SE": math.sqrt(v), "Experimental Total": n1,
                            "Control Total": n2})
            rows.append(row)
    return rows


def to_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """CSV text with a header row; empty cells for missing values."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row.get(c) is None else row[c] for c in columns})
    return buffer.getvalue()


def to_xlsx(sheets: Sequence[tuple[str, Sequence[str], Sequence[dict[str, Any]]]]) -> bytes:
    """An Excel workbook with one sheet per ``(title, columns, rows)``."""
    book = Workbook()
    first = True
    for title, columns, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        first = False
        if sheet is None:  # a new Workbook always has an active sheet
            sheet = book.create_sheet()
        sheet.title = title[:31]
        sheet.append(list(columns))
        for row in rows:
            sheet.append([row.get(c) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
