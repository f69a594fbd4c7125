"""The research export leaks none of the 18 Safe Harbor identifier classes and is atomic."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from acuneuro.analytics.deidentify import ColumnSpec, DataDictionary, KAnonymityError, Profile
from acuneuro.analytics.research_export import spreadsheet_safe, write_research_export
from acuneuro.knowledge import privacy_policy

AS_OF = date(2026, 11, 24)
CREATED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
OUTPUTS = {"data.parquet", "data.csv", "data_dictionary.json", "manifest.json"}


def _texts(path: Path) -> list[bytes]:
    """The raw bytes of an output file, and for Parquet also every decoded value and metadata.

    Parquet pages may be compressed, so a leak could hide from a byte search; decoding the
    table closes that gap.
    """
    raw = path.read_bytes()
    found = [raw]
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        cells = [str(v) for column in table.columns for v in column.to_pylist()]
        metadata = table.schema.metadata or {}
        found.append("\n".join(cells).encode())
        found.extend(v for kv in metadata.items() for v in kv)
    return found


def _leaks(folder: Path, planted: dict[str, list[str]]) -> list[str]:
    """Every (class, value, file) where a planted value shows up, bounded so hex ids do not
    match digit-only plants by chance."""
    hits = []
    for path in sorted(folder.iterdir()):
        blobs = _texts(path)
        for code, values in planted.items():
            for value in values:
                pattern = re.compile(
                    rb"(?<![0-9A-Za-z])" + re.escape(value.encode()) + rb"(?![0-9A-Za-z])"
                )
                if any(pattern.search(blob) for blob in blobs):
                    hits.append(f"{code}:{value} in {path.name}")
    return hits


def _export(planted: Any, tmp_path: Path, profile: Profile, **kw: Any) -> Any:
    return write_research_export(
        planted.frame,
        planted.dictionary,
        tmp_path / "export",
        profile=profile,
        as_of=AS_OF,
        created=CREATED,
        **kw,
    )


def test_the_planted_dataset_covers_all_eighteen_classes(planted: Any) -> None:
    codes = [i.code for i in privacy_policy().safe_harbor.identifiers]
    assert sorted(planted.values) == codes
    assert all(planted.values[c] for c in codes)


def test_a_safe_harbor_export_contains_no_planted_identifier(planted: Any, tmp_path: Path) -> None:
    result = _export(planted, tmp_path, Profile.safe_harbor)
    assert {p.name for p in result.path.iterdir()} == OUTPUTS
    assert _leaks(result.path, planted.values) == []
    # The search is real: the same search finds the plants in the source table.
    source = tmp_path / "source"
    source.mkdir()
    planted.frame.to_csv(source / "source.csv", index=False)
    iso_only = {c: [v for v in vs if "/" not in v[:6]] for c, vs in planted.values.items()}
    assert len(_leaks(source, iso_only)) == sum(len(v) for v in iso_only.values())


def test_a_limited_export_contains_no_direct_identifier(planted: Any, tmp_path: Path) -> None:
    result = _export(planted, tmp_path, Profile.limited)
    values = {
        code: [v for v in found if v not in planted.visit_dates]
        for code, found in planted.values.items()
    }
    assert _leaks(result.path, values) == []


@pytest.mark.parametrize("profile", list(Profile))
def test_the_manifest_names_profile_k_and_smallest_class(
    planted: Any, tmp_path: Path, profile: Profile
) -> None:
    result = _export(planted, tmp_path, profile)
    manifest = json.loads((result.path / "manifest.json").read_text("utf-8"))
    assert manifest == result.manifest
    assert manifest["profile"] == profile.value
    assert manifest["k"] == 5
    assert manifest["smallest_class"] == 5
    assert manifest["rows_in"] == manifest["rows_out"] == len(planted.frame)
    assert manifest["patients"] == 20
    assert manifest["created_at"] == "2026-11-24T12:00:00+00:00"
    assert manifest["software"]["name"] == "acuneuro" and manifest["software"]["version"]
    assert set(manifest["files"]) == OUTPUTS - {"manifest.json"}


def test_csv_and_parquet_hold_the_same_table(planted: Any, tmp_path: Path) -> None:
    result = _export(planted, tmp_path, Profile.safe_harbor)
    parquet = pd.read_parquet(result.path / "data.parquet")
    csv = pd.read_csv(result.path / "data.csv", dtype=str, keep_default_na=False)
    assert list(parquet.columns) == list(csv.columns)
    assert len(parquet) == len(csv) == len(planted.frame)
    as_text = parquet.astype(str).replace({"<NA>": "", "None": ""})
    assert as_text.to_numpy().tolist() == csv.to_numpy().tolist()


def test_the_reidentification_key_is_returned_but_never_written(
    planted: Any, tmp_path: Path
) -> None:
    result = _export(planted, tmp_path, Profile.safe_harbor)
    assert set(result.reidentification.values()) == set(planted.frame["patient_id"])
    assert _leaks(result.path, {"key": list(result.reidentification.values())}) == []


def test_a_refused_export_leaves_nothing_behind(planted: Any, tmp_path: Path) -> None:
    frame = planted.frame.copy()
    frame.loc[frame.index[:VISITS_OF_ONE], "state"] = "ID"  # one patient alone in Idaho
    planted_one = type(planted)(frame, planted.dictionary, planted.values, planted.visit_dates)
    with pytest.raises(KAnonymityError) as refused:
        _export(planted_one, tmp_path, Profile.safe_harbor)
    assert refused.value.smallest == 1
    assert list(tmp_path.iterdir()) == []


VISITS_OF_ONE = 3


def test_it_refuses_an_existing_destination(planted: Any, tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    with pytest.raises(FileExistsError):
        _export(planted, tmp_path, Profile.safe_harbor)
    assert [p.name for p in tmp_path.iterdir()] == ["export"]


def test_a_failure_while_writing_leaves_no_partial_folder(
    planted: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: pd.DataFrame, *args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        _export(planted, tmp_path, Profile.safe_harbor)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("cell", "written"), [
    ("=HYPERLINK(x)", "'=HYPERLINK(x)"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("metformin", "metformin"), (-1.5, -1.5), (None, None),
])
def test_a_text_cell_a_spreadsheet_would_run_is_escaped(cell: object, written: object) -> None:
    assert spreadsheet_safe(cell) == written


def test_formula_cells_come_out_escaped_in_the_csv_and_unchanged_in_parquet(
    planted: Any, tmp_path: Path
) -> None:
    formulas = ["=1+2", "+A1", "-A1", "@A1"]
    frame = planted.frame.assign(code=[formulas[i % 4] for i in range(len(planted.frame))])
    column = ColumnSpec(name="code", kind="attribute", codes=frozenset(formulas))
    dictionary = DataDictionary(columns=[*planted.dictionary.columns, column])
    write_research_export(frame, dictionary, tmp_path / "out", profile=Profile.safe_harbor,
                          as_of=AS_OF, created=CREATED)
    csv = pd.read_csv(tmp_path / "out" / "data.csv", dtype=str, keep_default_na=False)
    assert set(csv["code"]) == {"'=1+2", "'+A1", "'-A1", "'@A1"}
    assert set(pq.read_table(tmp_path / "out" / "data.parquet").column("code").to_pylist()) == set(
        formulas)
