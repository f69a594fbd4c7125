"""The synthetic registry: deterministic, clinically shaped, bulk-loaded into every sink."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from acuneuro.analytics.registry import (
    DatabaseSink,
    ParquetSink,
    RegistryError,
    generate_registry,
)
from acuneuro.clinical.scoring import score
from acuneuro.store import Base, make_engine, upgrade

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STAMP = datetime(2026, 11, 1, tzinfo=UTC)
TABLES = ("clinics", "patients", "patient_identities", "episodes", "plans", "planned_sessions",
          "treatment_sessions", "score_records", "medication_statements", "adverse_events")


def read(folder: Path, table: str) -> pa.Table:
    return pq.read_table(folder / f"{table}.parquet")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("registry")
    generate_registry(ParquetSink(folder), 2000, clinics=5, seed=3, generated_at=STAMP)
    return folder


def migrated_sqlite(path: Path) -> sa.Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    Base.metadata.create_all(engine, checkfirst=True)
    return engine


def test_the_same_seed_gives_the_same_registry(registry: Path, tmp_path: Path) -> None:
    generate_registry(ParquetSink(tmp_path), 2000, clinics=5, seed=3, generated_at=STAMP)
    for table in TABLES:
        assert read(tmp_path, table).equals(read(registry, table)), table


def test_another_seed_gives_another_registry(registry: Path, tmp_path: Path) -> None:
    generate_registry(ParquetSink(tmp_path), 2000, clinics=5, seed=4, generated_at=STAMP)
    assert not read(tmp_path, "score_records").equals(read(registry, "score_records"))


def test_every_patient_has_one_course_of_8_to_12_sessions(registry: Path) -> None:
    planned = read(registry, "planned_sessions").to_pandas()
    per_patient = planned.groupby("patient_id").size()
    assert len(per_patient) == 2000
    assert per_patient.between(8, 12).all()
    sessions = read(registry, "treatment_sessions").to_pandas()
    assert set(sessions["attendance"]) == {"attended", "missed", "cancelled"}
    first = sessions.sort_values("occurred_on").groupby("patient_id").head(1)
    assert (first["attendance"] == "attended").all()
    adherence = (sessions["attendance"] == "attended").mean()
    assert 0.75 < adherence < 0.97


def test_conditions_are_the_four_studied_with_their_icd10(registry: Path) -> None:
    episodes = read(registry, "episodes").to_pandas()
    pairs = set(zip(episodes["condition_kind"], episodes["icd10"], strict=True))
    assert pairs == {("dpn", "E11.42"), ("phn", "B02.29"), ("cipn", "G62.0"), ("other", "G62.9")}


def test_nrs_scores_are_whole_points_with_responders_and_non_responders(registry: Path) -> None:
    scores = read(registry, "score_records").to_pandas()
    assert set(scores["instrument_id"]) == {"nrs"}
    assert scores["total"].between(0, 10).all()
    assert (scores["total"] == scores["total"].round()).all()
    first = scores.sort_values(["patient_id", "taken_on"]).groupby("patient_id")["total"]
    change = (first.last() - first.first()) / first.first().where(first.first() > 0)
    assert (change <= -0.5).mean() > 0.1  # some halve their pain
    assert (change > -0.3).mean() > 0.2  # many do not reach 30%


def test_some_take_an_opioid_and_some_taper_it(registry: Path) -> None:
    meds = read(registry, "medication_statements").to_pandas()
    opioids = meds[meds["drug"].isin(["tramadol", "oxycodone", "morphine", "hydrocodone",
                                      "tapentadol", "codeine", "hydromorphone"])]
    users = opioids["patient_id"].nunique()
    assert 0.15 < users / 2000 < 0.35
    tapered = opioids.groupby("patient_id").size()
    assert (tapered == 2).sum() > 0  # a stopped statement and a new one at a lower dose
    assert (meds["stop_on"].isna() | (meds["stop_on"] >= meds["start_on"])).all()


def test_adverse_events_are_rare_and_mostly_mild(registry: Path) -> None:
    events = read(registry, "adverse_events").to_pandas()
    attended = pc.sum(pc.equal(read(registry, "treatment_sessions")["attendance"],
                               "attended")).as_py()
    assert 0.005 < len(events) / attended < 0.05
    assert (events["grade"] == 1).mean() > 0.85


def test_names_are_visibly_synthetic(registry: Path) -> None:
    identities = read(registry, "patient_identities").to_pandas()
    assert set(identities["given_name"]) == {"Synthetic"}
    assert identities["family_name"].str.startswith("Testpatient-").all()
    assert identities["record_number"].is_unique
    assert read(registry, "patients")["pseudo_id"].to_pandas().is_unique
    clinics = read(registry, "clinics").to_pandas()
    assert clinics["name"].str.startswith("Synthetic registry clinic").all()
    assert clinics["is_demo"].all()


def test_it_loads_sqlite_after_existing_rows_with_the_same_content(
    registry: Path, tmp_path: Path
) -> None:
    engine = migrated_sqlite(tmp_path / "store.db")
    try:
        generate_registry(DatabaseSink(engine), 30, clinics=2, seed=99, generated_at=STAMP)
        report = generate_registry(DatabaseSink(engine), 2000, clinics=5, seed=3,
                                   generated_at=STAMP)
        assert report.rows["patients"] == 2000 and report.rows_per_second > 0
        with engine.connect() as conn:
            count = conn.exec_driver_sql("SELECT count(*) FROM score_records").scalar_one()
            scores = conn.exec_driver_sql(
                "SELECT total FROM score_records ORDER BY id"
            ).scalars().all()
            problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        assert problems == []
        expected = read(registry, "score_records")["total"].to_pylist()
        assert scores[-len(expected):] == expected
        assert count > len(expected)
    finally:
        engine.dispose()


def test_it_refuses_to_generate_the_same_seed_twice_into_one_store(tmp_path: Path) -> None:
    engine = migrated_sqlite(tmp_path / "store.db")
    try:
        generate_registry(DatabaseSink(engine), 20, clinics=2, seed=5, generated_at=STAMP)
        with pytest.raises(RegistryError, match="generated here already"):
            generate_registry(DatabaseSink(engine), 20, clinics=2, seed=5, generated_at=STAMP)
    finally:
        engine.dispose()


def test_it_names_the_missing_tables_of_an_unmigrated_store(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(RegistryError, match="tables missing: clinics, patients"):
            DatabaseSink(engine)
    finally:
        engine.dispose()


def test_it_refuses_a_parquet_folder_that_holds_a_registry(registry: Path) -> None:
    with pytest.raises(RegistryError, match="already holds"):
        ParquetSink(registry)


@pytest.mark.parametrize(("patients", "clinics"), [(0, 1), (5, 0), (3, 4)])
def test_it_refuses_impossible_sizes(tmp_path: Path, patients: int, clinics: int) -> None:
    with pytest.raises(RegistryError):
        generate_registry(ParquetSink(tmp_path), patients, clinics=clinics)


@pytest.mark.postgres
def test_it_copies_into_postgresql_and_moves_the_sequences_past_its_rows() -> None:
    admin = make_url(PG_ADMIN_URL)
    name = f"acuneuro_registry_{uuid.uuid4().hex[:12]}"
    dsn = f"host={admin.host} port={admin.port} user={admin.username} dbname={admin.database}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(admin.set(database=name))
    try:
        upgrade(engine)
        Base.metadata.create_all(engine, checkfirst=True)
        report = generate_registry(DatabaseSink(engine), 50, clinics=2, seed=8, generated_at=STAMP)
        with engine.begin() as conn:
            stored = conn.exec_driver_sql("SELECT count(*) FROM score_records").scalar_one()
            new_id = conn.exec_driver_sql(
                "INSERT INTO clinics (name, is_demo, created_at) "
                "VALUES ('after the registry', true, now()) RETURNING id"
            ).scalar_one()
        assert stored == report.rows["score_records"]
        assert new_id == 3
    finally:
        engine.dispose()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_scores_are_stored_as_the_scoring_service_stores_them(registry: Path) -> None:
    rows = read(registry, "score_records").slice(0, 200).to_pylist()
    for row in rows:
        result = score("nrs", json.loads(row["answers_json"]))
        assert (result.total, result.version) == (row["total"], row["instrument_version"])
        assert json.loads(row["subscales_json"]) == dict(result.subscales)
