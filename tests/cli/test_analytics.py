"""``acuneuro analytics``: generate a registry, report on it, export it; refuse bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from acuneuro.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'registry.db'}"
    result = runner.invoke(
        app, ["analytics", "generate", "--patients", "150", "--clinics", "2", "--seed", "1",
              "--db", url],
    )
    assert result.exit_code == 0, result.output
    return url


def test_generate_reports_what_it_wrote_and_how_fast(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    result = runner.invoke(app, ["analytics", "generate", "--patients", "40", "--db", url,
                                 "--clinics", "3"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["patients"] == report["rows"]["patients"] == 40
    assert report["clinics"] == 3
    assert report["total_rows"] == sum(report["rows"].values())
    assert report["rows_per_second"] > 0


def test_cohort_json_reports_every_condition_with_the_knowledge_thresholds(store: str) -> None:
    result = runner.invoke(app, ["analytics", "cohort", "--db", store])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    pooled = [r for r in rows if r["clinic_id"] is None]
    assert sum(r["patients"] for r in pooled) == 150
    assert {r["condition"] for r in pooled} <= {"dpn", "phn", "cipn", "other"}
    for row in pooled:
        assert row["responder_30_ci_low"] <= row["responder_30_rate"] <= row[
            "responder_30_ci_high"]
        assert row["responders_50"] <= row["responders_30"]


def test_cohort_csv_and_filters(store: str) -> None:
    result = runner.invoke(app, ["analytics", "cohort", "--db", store, "--format", "csv",
                                 "--condition", "dpn", "--since", "2022-01-01"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {r["condition"] for r in rows} == {"dpn"}


def test_export_parquet_then_cohort_over_it_gives_the_same_report(
    store: str, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    result = runner.invoke(app, ["analytics", "export-parquet", "--db", store, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]["patients"] == 150
    over_parquet = runner.invoke(app, ["analytics", "cohort", "--parquet", str(out)])
    over_store = runner.invoke(app, ["analytics", "cohort", "--db", store])
    a, b = json.loads(over_parquet.stdout), json.loads(over_store.stdout)
    assert len(a) == len(b) > 0
    for left, right in zip(a, b, strict=True):
        assert left == pytest.approx(right)


def test_generate_can_write_parquet(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analytics", "generate", "--patients", "30", "--parquet",
                                 str(tmp_path / "pq"), "--clinics", "2"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pq" / "score_records.parquet").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cohort", "--since", "2024-13-01", "--db", "sqlite:///x.db"], "since: not an ISO date"),
        (["cohort", "--db", "sqlite:////no/such/file.db"], "no SQLite file"),
        (["cohort", "--parquet", "/no/such/folder"], "is not a folder"),
        (["generate", "--patients", "5", "--clinics", "9", "--db", "sqlite:///x.db"],
         "clinics: must not exceed"),
        (["generate", "--patients", "5", "--db", "sqlite:///x.db", "--parquet", "p"],
         "not both"),
    ],
)
def test_it_refuses_bad_input_with_status_2_and_no_traceback(
    args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["analytics", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_export_refuses_an_existing_folder(store: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["analytics", "export-parquet", "--db", store,
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "exists" in result.output


def test_generate_refuses_a_seed_already_in_the_store(store: str) -> None:
    result = runner.invoke(app, ["analytics", "generate", "--patients", "150", "--clinics", "2",
                                 "--seed", "1", "--db", store])
    assert result.exit_code == 2
    assert "generated here already" in result.output
