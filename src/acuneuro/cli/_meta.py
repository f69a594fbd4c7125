"""``acuneuro meta``: a meta-analysis of a CSV study table, as JSON, CSV or a text table.

Thin shell over :mod:`acuneuro.evidence`: the CSV layouts and their checks live in
``evidence.tabular``; the statistics are metafor's (``rma.uni``, ``predict``, ``confint``).
Defaults: REML and the z test (metafor's defaults); SMD for continuous arms, RR for events.
``--plot forest.svg`` / ``--funnel funnel.png`` write the figures (format from the suffix).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from acuneuro.cli._common import _, emit_json, fail
from acuneuro.evidence.bias import egger_test
from acuneuro.evidence.export import to_csv
from acuneuro.evidence.forest import forest_values
from acuneuro.evidence.meta import METHODS, TESTS, meta_analysis
from acuneuro.evidence.plots import Format, forest_plot, funnel_plot
from acuneuro.evidence.tabular import TableError, read_table

__all__ = ["register"]

_MEASURES = ("MD", "SMD", "RR", "OR", "RD", "GEN")
_FORMATS = ("json", "csv", "table")


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
    out_format: Annotated[
        str, typer.Option("--format", help="json (default), csv (one row per study and the "
                                            "pooled row) or table (aligned text).")
    ] = "json",
    plot: Annotated[
        str | None, typer.Option("--plot", help="Write the forest plot to this .svg or .png.")
    ] = None,
    funnel: Annotated[
        str | None, typer.Option("--funnel", help="Write the funnel plot to this .svg or .png.")
    ] = None,
) -> None:
    """Pool the studies of FILE.csv and print the estimate, CI, PI and heterogeneity.

    Headers: study,n1,mean1,sd1,n2,mean2,sd2 | study,events1,n1,events2,n2 |
    study,yi,vi | study,yi,sei. Arm 1 is the experimental arm; ratios are on the log scale
    with an "exp" object for the back-transformed values; I2 is a percentage.
    """
    measure_u = measure.upper() if measure else None
    if measure_u is not None and measure_u not in _MEASURES:
        fail(_("--measure: %(value)s is not one of %(choices)s") % {
            "value": measure, "choices": "|".join(_MEASURES)})
    method_u = method.upper()
    if method_u not in METHODS:
        fail(_("--method: %(value)s is not one of %(choices)s") % {
            "value": method, "choices": "|".join(METHODS)})
    test = test.lower()
    if test not in TESTS:
        fail(_("--test: %(value)s is not one of %(choices)s") % {
            "value": test, "choices": "|".join(TESTS)})
    out_format = out_format.lower()
    if out_format not in _FORMATS:
        fail(_("--format: %(value)s is not one of %(choices)s") % {
            "value": out_format, "choices": "|".join(_FORMATS)})
    plot_fmt = _figure_format("--plot", plot)
    funnel_fmt = _figure_format("--funnel", funnel)
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(_("%(file)s: cannot read: %(reason)s") % {"file": file, "reason": exc})
    reader = list(csv.reader(io.StringIO(text)))
    header, rows = (reader[0], reader[1:]) if reader else ([], [])
    try:
        table = read_table(header, rows, measure_u)
    except TableError as exc:
        fail(f"{file}: {exc}")
    if len(table.yi) < 2:
        fail(_("%(file)s: k = %(k)s; a meta-analysis needs at least 2 studies") % {
            "file": file, "k": len(table.yi)})
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
    if plot is not None and plot_fmt is not None:
        _write_figure(plot, forest_plot(res, title=Path(file).name, fmt=plot_fmt))
    if funnel is not None and funnel_fmt is not None:
        _write_figure(funnel, funnel_plot(res, title=Path(file).name, fmt=funnel_fmt))
    if out_format == "json":
        emit_json(out)
        return
    values = forest_values(res, res.labels, res.yi, res.vi, level=res.level)
    out_rows = [{"study": r["label"], "estimate": r["estimate"], "ci_lb": r["ci_lb"],
             "ci_ub": r["ci_ub"], "weight_pct": r["weight"]} for r in values["rows"]]
    pooled = values["pooled"]
    out_rows.append({"study": f"Pooled ({res.method}, {res.test})", "estimate": pooled["estimate"],
                 "ci_lb": pooled["ci_lb"], "ci_ub": pooled["ci_ub"], "weight_pct": 100.0})
    out_rows.append({"study": "Prediction interval", "ci_lb": pooled["pi_lb"],
                 "ci_ub": pooled["pi_ub"]})
    columns = ("study", "estimate", "ci_lb", "ci_ub", "weight_pct")
    if out_format == "csv":
        typer.echo(to_csv(columns, out_rows), nl=False)
        return
    typer.echo(_table(columns, out_rows))
    typer.echo(f"tau2 = {res.tau2:.4g}; I2 = {res.I2:.1f}%; Q = {res.Q:.3f} "
               f"(df = {res.Q_df}, p = {res.Q_p:.4g}); measure {res.measure}"
               + (" (log scale)" if res.ratio else ""))


def _figure_format(option: str, path: str | None) -> Format | None:
    if path is None:
        return None
    suffix = Path(path).suffix.lower()
    if suffix == ".svg":
        return "svg"
    if suffix == ".png":
        return "png"
    fail(_("%(option)s: %(path)s must end in .svg or .png") % {"option": option, "path": path})


def _write_figure(path: str, figure: str | bytes) -> None:
    try:
        if isinstance(figure, str):
            Path(path).write_text(figure, "utf-8")
        else:
            Path(path).write_bytes(figure)
    except OSError as exc:
        fail(_("%(path)s: cannot write the figure: %(reason)s") % {
            "path": path, "reason": exc.strerror})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _table(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    cells = [list(columns)] + [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
    app.command("meta")(meta)
