"""Backup and restore round trips on SQLite and PostgreSQL, consistent under concurrent writes."""

from __future__ import annotations

import threading
import uuid
import warnings
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from acuneuro.store.backup import (
    BackupError,
    TargetNotEmptyError,
    backup_database,
    content_digests,
    restore_database,
    verify_archive,
)

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _schema() -> sa.MetaData:
    """A small clinic-like schema: related tables with the awkward types."""
    md = sa.MetaData()
    sa.Table("alembic_version", md, sa.Column("version_num", sa.String(32), primary_key=True))
    sa.Table(
        "clinic",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("opened", sa.DateTime(timezone=True)),
    )
    sa.Table(
        "patient",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clinic_id", sa.ForeignKey("clinic.id"), nullable=False, index=True),
        sa.Column("pseudonym", sa.Uuid, nullable=False),
        sa.Column("born", sa.Date),
        sa.Column("weight_kg", sa.Numeric(6, 2)),
        sa.Column("photo", sa.LargeBinary),
        sa.Column("note", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    sa.Table(
        "visit",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.ForeignKey("patient.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("start", sa.Time),
        sa.Column("nrs", sa.Integer, sa.CheckConstraint("nrs BETWEEN 0 AND 10")),
        sa.Column("dose", sa.Float),
        sa.Column("extra", sa.JSON),
    )
    return md


def _fill(url: str) -> None:
    md = _schema()
    engine = sa.create_engine(url)
    t = md.tables
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Decimal objects natively")
        md.create_all(engine)
        with engine.begin() as conn:
            conn.execute(t["alembic_version"].insert(), [{"version_num": "0002_course"}])
            conn.execute(
                t["clinic"].insert(),
                [
                    {
                        "id": 1,
                        "name": "Clínica São João 東京",
                        "opened": datetime(2020, 5, 1, 8, tzinfo=UTC),
                    },
                    {"id": 2, "name": "Outsider clinic", "opened": None},
                ],
            )
            conn.execute(
                t["patient"].insert(),
                [
                    {
                        "id": i,
                        "clinic_id": 1 + i % 2,
                        "pseudonym": uuid.uuid4(),
                        "born": date(1940 + i, 1 + i % 12, 1 + i % 28),
                        "weight_kg": Decimal(f"{60 + i}.{i % 100:02d}") if i % 3 else None,
                        "photo": bytes(range(i % 7, 256, 7)) if i % 2 else None,
                        "note": None if i % 4 else f'Zoë 🚀 note {i}\n"quoted", comma',
                        "active": bool(i % 5),
                    }
                    for i in range(1, 41)
                ],
            )
            conn.execute(
                t["visit"].insert(),
                [
                    {
                        "patient_id": 1 + i % 40,
                        "at": datetime(2025, 1, 1, 9, i % 60, i % 60),
                        "start": time(9, i % 60),
                        "nrs": i % 11,
                        "dose": i / 3,
                        "extra": {"needles": i, "points": ["LI4", "ST36"], "ok": True},
                    }
                    for i in range(120)
                ],
            )
    engine.dispose()


def _python_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows as Python values, read independently of the backup code."""
    md = _schema()
    engine = sa.create_engine(url)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Decimal objects natively")
        with engine.connect() as conn:
            found = {
                name: [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key))]
                for name, t in md.tables.items()
            }
    engine.dispose()
    return found


@pytest.fixture
def make_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A factory of new, empty databases on the backend under test, dropped afterwards."""
    backend = request.param
    created: list[str] = []
    server: sa.Engine | None = None
    if backend == "postgresql":
        server = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        try:
            server.connect().close()
        except sa.exc.OperationalError as exc:
            pytest.skip(f"PostgreSQL not reachable: {exc}")

    def make() -> str:
        name = f"acuneuro_backup_{uuid.uuid4().hex[:12]}"
        if server is None:
            return f"sqlite:///{tmp_path / name}.db"
        with server.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return PG_SERVER.rsplit("/", 1)[0] + f"/{name}"

    yield make
    if server is not None:
        with server.connect() as conn:
            for name in created:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.mark.parametrize("make_url", BACKENDS, indirect=True)
def test_a_round_trip_restores_identical_content(make_url: Any, tmp_path: Path) -> None:
    source, target = make_url(), make_url()
    _fill(source)
    archive = tmp_path / "clinic.backup"
    manifest = backup_database(source, archive)
    assert manifest["alembic_revision"] == ["0002_course"]
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == {
        "alembic_version": 1,
        "clinic": 2,
        "patient": 40,
        "visit": 120,
    }
    restore_database(archive, target)
    assert _python_rows(target) == _python_rows(source)
    assert content_digests(target) == content_digests(source)
    # The schema came back too: constraints hold and new rows get fresh ids.
    engine = sa.create_engine(target)
    with engine.begin() as conn:
        new_id = conn.execute(
            sa.text("INSERT INTO clinic (name) VALUES ('New') RETURNING id")
        ).scalar()
        assert new_id == 3
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO visit (patient_id, at, nrs) VALUES (1, '2025-01-01', 11)")
        )
    engine.dispose()


@pytest.mark.parametrize("make_url", BACKENDS, indirect=True)
def test_it_refuses_a_target_that_is_not_empty(make_url: Any, tmp_path: Path) -> None:
    source, target = make_url(), make_url()
    _fill(source)
    archive = tmp_path / "clinic.backup"
    backup_database(source, archive)
    engine = sa.create_engine(target)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE keep_me (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO keep_me VALUES (7)")
    engine.dispose()
    with pytest.raises(TargetNotEmptyError, match=r"not empty.*keep_me"):
        restore_database(archive, target)
    assert content_digests(target)["keep_me"][0] == 1
    assert set(content_digests(target)) == {"keep_me"}


@pytest.mark.parametrize("make_url", BACKENDS, indirect=True)
def test_a_backup_taken_while_another_thread_writes_is_one_snapshot(
    make_url: Any, tmp_path: Path
) -> None:
    source, target = make_url(), make_url()
    _fill(source)
    writer_engine = sa.create_engine(source)
    if source.startswith("sqlite"):
        with writer_engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    committed = threading.Semaphore(0)
    acknowledged: list[int] = []
    stop = threading.Event()

    def write() -> None:
        # Each transaction adds a patient AND a visit: a torn snapshot would split the pair.
        n = 1000
        while not stop.is_set():
            n += 1
            with writer_engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO patient (id, clinic_id, pseudonym, active) "
                        "VALUES (:i, 1, :u, true)"
                    ),
                    {"i": n, "u": uuid.uuid4().hex},
                )
                conn.execute(
                    sa.text("INSERT INTO visit (id, patient_id, at) VALUES (:i, :i, '2025-02-02')"),
                    {"i": n},
                )
            acknowledged.append(n)
            committed.release()

    def between_tables(table: str, rows: int) -> None:
        # Let the writer commit several pairs after the snapshot began and before the next
        # table is read: only a real snapshot keeps them out of every table alike.
        for _ in range(5):
            assert committed.acquire(timeout=10)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        assert committed.acquire(timeout=10)
        before = set(acknowledged)
        manifest = backup_database(source, tmp_path / "hot.backup", progress=between_tables)
    finally:
        stop.set()
        thread.join()
        writer_engine.dispose()
    restore_database(tmp_path / "hot.backup", target)
    rows = _python_rows(target)
    patients = {r[0] for r in rows["patient"] if r[0] > 1000}
    visits = {r[0] for r in rows["visit"] if r[0] > 1000}
    assert patients == visits and patients
    assert before <= patients  # every write acknowledged before the backup began is in it
    final = _python_rows(source)
    assert len(final["patient"]) > len(rows["patient"])  # the writer went on after the snapshot
    assert {t["name"]: t["rows"] for t in manifest["tables"]}["patient"] == len(rows["patient"])


@pytest.mark.parametrize("make_url", ["sqlite"], indirect=True)
def test_it_refuses_an_altered_archive_before_touching_the_target(
    make_url: Any, tmp_path: Path
) -> None:
    source, target = make_url(), make_url()
    _fill(source)
    archive = tmp_path / "clinic.backup"
    backup_database(source, archive)
    altered = tmp_path / "altered.backup"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(altered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "tables/patient.jsonl":
                data = data.replace(b"1941-02-02", b"1941-02-03", 1)
                assert data != src.read(item)
            dst.writestr(item, data)
    with pytest.raises(BackupError, match="patient fails its checksum"):
        restore_database(altered, target)
    assert not Path(target.removeprefix("sqlite:///")).exists() or content_digests(target) == {}
    (tmp_path / "junk.backup").write_bytes(b"not a zip")
    with pytest.raises(BackupError, match="unreadable"):
        verify_archive(tmp_path / "junk.backup")


@pytest.mark.parametrize("make_url", ["sqlite"], indirect=True)
def test_a_failed_backup_leaves_no_file(make_url: Any, tmp_path: Path) -> None:
    source = make_url()
    _fill(source)
    out = tmp_path / "out"
    out.mkdir()

    def crash(table: str, rows: int) -> None:
        if table == "patient":
            raise RuntimeError("disk unplugged")

    with pytest.raises(RuntimeError, match="unplugged"):
        backup_database(source, out / "clinic.backup", progress=crash)
    assert list(out.iterdir()) == []
