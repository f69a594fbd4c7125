"""The cohort report equals an independent pandas computation, on SQLite, PostgreSQL and Parquet."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from acuneuro.analytics.cohort import (
    CohortQuery,
    SourceError,
    cohort_report,
    export_parquet,
    rows_to_csv,
    rows_to_json,
    source_for,
)
from acuneuro.analytics.registry import DatabaseSink, ParquetSink, generate_registry
from acuneuro.store import Base, make_engine, upgrade
from bench.cohort_pandas import cohort_pandas

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STAMP = datetime(2026, 11, 1, tzinfo=UTC)
# CDC 2022 MME conversion factors (Dowell D et al., MMWR Recomm Rep 2022;71(3):1-95, Table),
# per mg/day of the oral drug; the app reads them from knowledge/drugs.yaml.
CDC_2022_MME = {
    "morphine": 1.0,
    "oxycodone": 1.5,
    "hydrocodone": 1.0,
    "tramadol": 0.2,
    "tapentadol": 0.4,
    "codeine": 0.15,
    "hydromorphone": 5.0,
}
READ = (
    "patients",
    "episodes",
    "treatment_sessions",
    "score_records",
    "medication_statements",
    "adverse_events",
)


def assert_same_report(sql: list[dict[str, Any]], reference: list[dict[str, Any]]) -> None:
    """Row by row, column by column; floats to 1e-9 relative (summation order differs)."""
    assert len(sql) == len(reference) > 0
    for got, want in zip(sql, reference, strict=True):
        assert list(got) == list(want)
        for key, value in want.items():
            other = got[key]
            if isinstance(value, float) or isinstance(other, float):
                if value is None or other is None:
                    assert other is value, (got["condition"], got["clinic_id"], key)
                else:
                    assert math.isclose(other, value, rel_tol=1e-9, abs_tol=1e-9), (
                        got["condition"],
                        got["clinic_id"],
                        key,
                        other,
                        value,
                    )
            else:
                assert other == value, (got["condition"], got["clinic_id"], key, other, value)


def reference_from_db(url: str, **kwargs: Any) -> list[dict[str, Any]]:
    """The pandas computation on tables read with pandas through SQLAlchemy (no DuckDB)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = {name: pd.read_sql_table(name, conn) for name in READ}
    finally:
        engine.dispose()
    return list(cohort_pandas(tables, CDC_2022_MME, **kwargs).to_dict("records"))


def reference_from_parquet(folder: Path, **kwargs: Any) -> list[dict[str, Any]]:
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in READ}
    return list(cohort_pandas(tables, CDC_2022_MME, **kwargs).to_dict("records"))


def migrated(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
        Base.metadata.create_all(engine, checkfirst=True)
    finally:
        engine.dispose()


def generate_into(url: str, patients: int, clinics: int, seed: int) -> None:
    migrated(url)
    engine = make_engine(url)
    try:
        generate_registry(
            DatabaseSink(engine), patients, clinics=clinics, seed=seed, generated_at=STAMP
        )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def sqlite_registry(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('registry') / 'registry.db'}"
    generate_into(url, patients=400, clinics=3, seed=11)
    return url


@pytest.fixture(scope="module")
def postgres_registry() -> Iterator[str]:
    name = f"acuneuro_analytics_{uuid.uuid4().hex[:12]}"
    admin = make_url(PG_ADMIN_URL)
    dsn = f"host={admin.host} port={admin.port} user={admin.username} dbname={admin.database}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin.set(database=name).render_as_string(hide_password=False)
        generate_into(url, patients=300, clinics=2, seed=12)
        yield url
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_it_matches_pandas_on_sqlite(sqlite_registry: str) -> None:
    report = cohort_report(source_for(db_url=sqlite_registry), CohortQuery(CDC_2022_MME))
    assert_same_report(report.to_pylist(), reference_from_db(sqlite_registry))


def test_it_matches_pandas_on_sqlite_with_filters(sqlite_registry: str) -> None:
    query = CohortQuery(CDC_2022_MME, condition="dpn", since=date(2023, 6, 1))
    report = cohort_report(source_for(db_url=sqlite_registry), query).to_pylist()
    assert {row["condition"] for row in report} == {"dpn"}
    expected = reference_from_db(sqlite_registry, condition="dpn", since=date(2023, 6, 1))
    assert_same_report(report, expected)


@pytest.mark.postgres
def test_it_matches_pandas_on_postgresql(postgres_registry: str) -> None:
    report = cohort_report(source_for(db_url=postgres_registry), CohortQuery(CDC_2022_MME))
    assert_same_report(report.to_pylist(), reference_from_db(postgres_registry))


def test_it_matches_pandas_on_a_parquet_export(sqlite_registry: str, tmp_path: Path) -> None:
    out = tmp_path / "export"
    counts = export_parquet(source_for(db_url=sqlite_registry), out)
    assert counts["patients"] == 400
    report = cohort_report(source_for(parquet=out), CohortQuery(CDC_2022_MME)).to_pylist()
    assert_same_report(report, reference_from_parquet(out))
    # The same numbers as the live store: the export loses nothing the report reads.
    live = cohort_report(source_for(db_url=sqlite_registry), CohortQuery(CDC_2022_MME))
    assert_same_report(report, live.to_pylist())


def test_it_matches_pandas_on_generated_parquet(tmp_path: Path) -> None:
    generate_registry(ParquetSink(tmp_path), 500, clinics=4, seed=13, generated_at=STAMP)
    report = cohort_report(source_for(parquet=tmp_path), CohortQuery(CDC_2022_MME))
    assert_same_report(report.to_pylist(), reference_from_parquet(tmp_path))


def test_it_pools_every_condition_over_its_clinics(sqlite_registry: str) -> None:
    rows = cohort_report(source_for(db_url=sqlite_registry), CohortQuery(CDC_2022_MME))
    frame = rows.to_pandas()
    pooled = frame[frame["clinic_id"].isna()].set_index("condition")
    per_clinic = frame[frame["clinic_id"].notna()].groupby("condition")
    for column in ("patients", "sessions_attended", "responders_30", "adverse_events"):
        assert (per_clinic[column].sum() == pooled[column]).all()
    assert pooled["patients"].sum() == 400


def test_it_refuses_an_export_over_an_existing_folder(sqlite_registry: str, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="exists"):
        export_parquet(source_for(db_url=sqlite_registry), tmp_path)


def test_it_names_a_missing_parquet_table(tmp_path: Path) -> None:
    (tmp_path / "patients.parquet").write_bytes(b"")
    with pytest.raises(SourceError, match=r"clinics\.parquet is missing"):
        cohort_report(source_for(parquet=tmp_path), CohortQuery(CDC_2022_MME))


def test_it_names_missing_store_tables(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE patients (id INTEGER PRIMARY KEY)")
    engine.dispose()
    with pytest.raises(SourceError, match="tables missing: clinics, episodes"):
        cohort_report(source_for(db_url=f"sqlite:///{path}"), CohortQuery(CDC_2022_MME))


@pytest.mark.parametrize(
    ("db_url", "message"),
    [
        ("sqlite:////nonexistent/x.db", "no SQLite file"),
        ("mysql://u@h/d", "unsupported backend"),
        ("::not a url::", "not a database URL"),
    ],
)
def test_it_refuses_a_source_it_cannot_read(db_url: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        source_for(db_url=db_url)


def test_it_wants_exactly_one_source(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not both or neither"):
        source_for()
    with pytest.raises(SourceError, match="not both or neither"):
        source_for(db_url="sqlite:///x.db", parquet=tmp_path)


def test_it_formats_json_and_csv_with_the_same_rows(sqlite_registry: str) -> None:
    report = cohort_report(source_for(db_url=sqlite_registry), CohortQuery(CDC_2022_MME))
    csv_lines = rows_to_csv(report).splitlines()
    assert csv_lines[0].split(",") == report.column_names
    assert len(csv_lines) == report.num_rows + 1
    assert '"responder_30_ci_low"' in rows_to_json(report)
