"""``acuneuro meta``: a meta-analysis of a CSV study table, printed as JSON.

Thin shell over :mod:`acuneuro.evidence`: the CSV layouts and their checks live in
``evidence.tabular``; the statistics are metafor's (``rma.uni``, ``predict``, ``confint``).
Defaults: REML and the z test (metafor's defaults); SMD for continuous arms, RR for events.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from acuneuro.cli._common import emit_json, fail
from acuneuro.evidence.bias import egger_test
from acuneuro.evidence.meta import METHODS, TESTS, meta_analysis
from acuneuro.evidence.tabular import TableError, read_table

__all__ = ["register"]

_MEASURES = ("MD", "SMD", "RR", "OR", "RD", "GEN")


def meta(
    file: Annotated[str, typer.Argument(metavar="FILE.csv", help="Study table; '-' reads stdin.")],
    measure: Annotated[
        str | None,
        typer.Option(
            "--measure",
            help="MD|SMD|RR|OR|RD|GEN (default: SMD for means, RR for events, GEN for yi).",
        ),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="tau² estimator: EE|DL|REML|PM|ML|HE|SJ.")
    ] = "REML",
    test: Annotated[
        str, typer.Option("--test", help="z, or knha (Knapp-Hartung, t with k-1 df).")
    ] = "z",
) -> None:
    """Pool the studies of FILE.csv and print the estimate, CI, PI and heterogeneity as JSON.

    Headers: study,n1,mean1,sd1,n2,mean2,sd2 | study,events1,n1,events2,n2 |
    study,yi,vi | study,yi,sei. Arm 1 is the experimental arm; ratios are on the log scale
    with an "exp" object for the back-transformed values; I2 is a percentage.
    """
    measure_u = measure.upper() if measure else None
    if measure_u is not None and measure_u not in _MEASURES:
        fail(f"--measure: {measure} is not one of {'|'.join(_MEASURES)}")
    method_u = method.upper()
    if method_u not in METHODS:
        fail(f"--method: {method} is not one of {'|'.join(METHODS)}")
    test = test.lower()
    if test not in TESTS:
        fail(f"--test: {test} is not one of {'|'.join(TESTS)}")
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: cannot read: {exc}")
    reader = list(csv.reader(io.StringIO(text)))
    header, rows = (reader[0], reader[1:]) if reader else ([], [])
    try:
        table = read_table(header, rows, measure_u)
    except TableError as exc:
        fail(f"{file}: {exc}")
    if len(table.yi) < 2:
        fail(f"{file}: k = {len(table.yi)}; a meta-analysis needs at least 2 studies")
    try:
        res = meta_analysis(
            table.yi, table.vi, method=method_u, test=test, measure=table.measure,
            labels=table.labels,
        )
    except ValueError as exc:
        fail(f"{file}: {exc}")
    out: dict[str, Any] = res.summary()
    out["studies"] = [
        {"study": s, "yi": y, "vi": v, "weight": w}
        for s, y, v, w in zip(res.labels, res.yi, res.vi, res.weights, strict=True)
    ]
    if res.k >= 3:
        egger = egger_test(res.yi, res.vi, method=method_u, test=test)
        out["egger"] = {"stat": egger.stat, "p": egger.p, "underpowered": egger.underpowered}
    emit_json(out)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
    app.command("meta")(meta)
