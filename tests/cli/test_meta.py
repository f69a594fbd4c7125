"""``acuneuro meta FILE.csv``: JSON agreeing with metafor, and exit 2 naming the row and column."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from acuneuro.cli import app

from ..evidence._reference import close, reference

runner = CliRunner()


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def _dataset_csv(tmp_path: Path, name: str) -> str:
    data = reference()["datasets"][name]
    arms = data["arms"]
    cols = list(arms)
    rows = [[label, *(arms[c][i] for c in cols)] for i, label in enumerate(data["labels"])]
    return _write(tmp_path / f"{name}.csv", ["study", *cols], rows)


def _ref(dataset: str, method: str, test: str) -> dict[str, Any]:
    return next(
        f for f in reference()["fits"]
        if (f["dataset"], f["method"], f["test"]) == (dataset, method, test)
    )


def _run(*args: str) -> Any:
    return runner.invoke(app, ["meta", *args])


@pytest.mark.parametrize(
    ("dataset", "measure", "method", "test"),
    [
        ("normand_md", "MD", "PM", "knha"),
        ("normand_smd", "SMD", "REML", "z"),
        ("bcg_rr", "RR", "DL", "knha"),
        ("hine_rd", "RD", "SJ", "z"),
        ("hackshaw_gen", "GEN", "HE", "z"),
    ],
)
def test_it_prints_metafor_values_as_json(
    tmp_path: Path, dataset: str, measure: str, method: str, test: str
) -> None:
    path = _dataset_csv(tmp_path, dataset)
    result = _run(path, "--measure", measure, "--method", method, "--test", test)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    ref = _ref(dataset, method, test)
    k = len(reference()["datasets"][dataset]["yi"])
    assert (out["k"], out["measure"], out["method"], out["test"]) == (k, measure, method, test)
    for key in ("estimate", "se", "ci", "pi", "tau2", "I2", "H2", "Q", "Q_p"):
        close(out[key], ref[key], f"{key} of {ref['call']}")
    close(out["p"], ref["pval"], f"p of {ref['call']}")


def test_ratios_carry_back_transformed_values(tmp_path: Path) -> None:
    out = json.loads(_run(_dataset_csv(tmp_path, "bcg_rr"), "--measure", "RR").stdout)
    assert out["exp"]["estimate"] == pytest.approx(math.exp(out["estimate"]))
    assert out["exp"]["ci"] == pytest.approx([math.exp(x) for x in out["ci"]])


def test_defaults_are_reml_z_and_smd_for_means(tmp_path: Path) -> None:
    out = json.loads(_run(_dataset_csv(tmp_path, "normand_md")).stdout)
    assert (out["method"], out["test"], out["measure"]) == ("REML", "z", "SMD")


def test_it_accepts_standard_errors(tmp_path: Path) -> None:
    data = reference()["datasets"]["hackshaw_gen"]
    rows = [[s, y, math.sqrt(v)] for s, y, v in zip(data["labels"], data["yi"], data["vi"],
                                                     strict=True)]
    path = _write(tmp_path / "se.csv", ["study", "yi", "sei"], rows)
    out = json.loads(_run(path).stdout)
    close(out["estimate"], _ref("hackshaw_gen", "REML", "z")["estimate"], "yi,sei input")


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        (["study", "n1", "mean1", "sd1", "n2", "mean2"], [["a", 1, 1, 1, 1, 1]],
         "missing column(s) sd2"),
        (["study", "yi", "vi"], [["a", 0.1, 0.1], ["b", "x", 0.2]], "row 2, column yi"),
        (["study", "yi", "vi"], [["a", 0.1, 0.1], ["b", 0.2, -0.2]], "row 2, column vi"),
        (["study", "events1", "n1", "events2", "n2"], [["a", 1, 10, 2, 10], ["b", 12, 10, 1, 10]],
         "row 2, column events1"),
        (["study", "yi", "vi"], [["a", 0.1, 0.1]], "at least 2"),
        (["study", "yi", "vi"], [], "no study rows"),
    ],
)
def test_bad_tables_exit_2_naming_row_and_column(
    tmp_path: Path, header: list[str], rows: list[list[Any]], message: str
) -> None:
    result = _run(_write(tmp_path / "bad.csv", header, rows))
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_empty_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    result = _run(str(path))
    assert result.exit_code == 2
    assert "empty" in result.output


def test_a_measure_that_does_not_fit_the_columns_exits_2(tmp_path: Path) -> None:
    result = _run(_dataset_csv(tmp_path, "bcg_rr"), "--measure", "SMD")
    assert result.exit_code == 2
    assert "use RR or OR or RD" in result.output


def test_an_unknown_method_exits_2(tmp_path: Path) -> None:
    result = _run(_dataset_csv(tmp_path, "bcg_rr"), "--method", "XYZ")
    assert result.exit_code == 2
    assert "--method" in result.output


def test_meta_writes_forest_and_funnel_plots_and_prints_csv(tmp_path: Path) -> None:
    path = _dataset_csv(tmp_path, "bcg_rr")
    forest, funnel = tmp_path / "forest.svg", tmp_path / "funnel.png"
    result = runner.invoke(app, ["meta", path, "--format", "csv", "--plot", str(forest),
                                 "--funnel", str(funnel)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    fit = _ref("bcg_rr", "REML", "z")
    labels = reference()["datasets"]["bcg_rr"]["labels"]
    assert [r["study"] for r in rows[: len(labels)]] == labels
    pooled = rows[len(labels)]
    close([float(pooled["estimate"]), float(pooled["ci_lb"]), float(pooled["ci_ub"])],
          [fit["estimate"], *fit["ci"]], "pooled row")
    close(sum(float(r["weight_pct"]) for r in rows[: len(labels)]), 100.0, "weights")
    assert forest.read_text("utf-8").lstrip().startswith("<?xml")
    assert funnel.read_bytes().startswith(b"\x89PNG")


def test_meta_prints_an_aligned_table(tmp_path: Path) -> None:
    path = _dataset_csv(tmp_path, "bcg_rr")
    result = runner.invoke(app, ["meta", path, "--format", "table"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["study", "estimate", "ci_lb", "ci_ub", "weight_pct"]
    assert any(line.startswith("Pooled (REML, z)") for line in lines)
    assert "tau2 = " in lines[-1] and "I2 = " in lines[-1]


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--format", "xml", "--format: xml is not one of json|csv|table"),
    ("--plot", "forest.gif", "must end in .svg or .png"),
    ("--funnel", "funnel.pdf", "must end in .svg or .png"),
])
def test_meta_refuses_an_unknown_format_or_figure_type(
    tmp_path: Path, option: str, value: str, words: str
) -> None:
    path = _dataset_csv(tmp_path, "bcg_rr")
    result = runner.invoke(app, ["meta", path, option, value])
    assert result.exit_code == 2
    assert words in result.output
