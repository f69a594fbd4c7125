"""The store on SQLite and PostgreSQL: durability settings, tenancy constraints, time zones."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from acuneuro.store import (
    AuditEvent,
    Base,
    Clinic,
    Database,
    Episode,
    Patient,
    PatientIdentity,
    upgrade,
)


def _clinic_and_patient(database: Database, name: str) -> tuple[int, int]:
    with database.write() as session:
        clinic = Clinic(name=name)
        session.add(clinic)
        session.flush()
        patient = Patient(clinic_id=clinic.id, pseudo_id=f"P{name[-1]}TEST")
        patient.identity = PatientIdentity(clinic_id=clinic.id, given_name="Test",
                                           family_name="Person", date_of_birth=date(1960, 1, 1))
        session.add(patient)
        session.flush()
        return clinic.id, patient.id


def test_every_table_with_patient_data_carries_clinic_id() -> None:
    patient_tables = {t.name for t in Base.metadata.sorted_tables if "patient_id" in t.c}
    assert {"patient_identities", "episodes", "encounters"} <= patient_tables
    for name in patient_tables | {"patients"}:
        assert "clinic_id" in Base.metadata.tables[name].c, name


def test_identity_lives_apart_from_the_clinical_record() -> None:
    record = Base.metadata.tables["patients"].c
    identity = Base.metadata.tables["patient_identities"].c
    for column in ("given_name", "family_name", "date_of_birth", "phone", "email",
                   "record_number"):
        assert column in identity and column not in record


def test_a_child_row_cannot_point_into_another_clinic(database: Database) -> None:
    clinic_a, patient_a = _clinic_and_patient(database, "Clinic A")
    clinic_b, _ = _clinic_and_patient(database, "Clinic B")
    with pytest.raises(IntegrityError), database.write() as session:
        session.add(Episode(clinic_id=clinic_b, patient_id=patient_a, condition_kind="dpn"))
        session.flush()
    with database.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Episode)) == 0
        assert clinic_a != clinic_b


def test_an_error_inside_a_write_leaves_nothing_behind(database: Database) -> None:
    with pytest.raises(RuntimeError), database.write() as session:
        session.add(Clinic(name="Half-made"))
        session.flush()
        raise RuntimeError("crash after the insert")
    with database.read() as session:
        assert session.scalar(sa.select(Clinic).where(Clinic.name == "Half-made")) is None


def test_times_come_back_aware_and_in_utc(database: Database) -> None:
    moment = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    with database.write() as session:
        session.add(AuditEvent(at=moment, action="read", resource="patient", outcome="success"))
    with database.read() as session:
        stored = session.scalar(sa.select(AuditEvent.at))
    assert stored == moment and stored is not None and stored.tzinfo == UTC


def test_naive_times_are_refused(database: Database) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), database.write() as s:
        s.add(AuditEvent(at=datetime(2026, 3, 1), action="read", resource="patient",
                         outcome="success"))
        s.flush()


def test_the_migrations_build_exactly_the_models(database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_upgrading_twice_changes_nothing(database: Database) -> None:
    from acuneuro.store import current_revision, head_revision

    upgrade(database.engine)
    assert current_revision(database.engine) == head_revision(database.engine)


def test_sqlite_runs_wal_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'sub' / 'a.db'}")
    try:
        with database.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
            assert pragma("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.dispose()


def test_sqlite_write_transactions_begin_immediate(tmp_path: Path) -> None:
    statements: list[str] = []
    database = Database(f"sqlite:///{tmp_path / 'a.db'}")
    sa.event.listen(database.engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    # BEGIN is sent by the "begin" hook through exec_driver_sql, which the listener sees.
    try:
        with database.write() as session:
            session.execute(sa.text("SELECT 1"))
        with database.read() as session:
            session.execute(sa.text("SELECT 1"))
    finally:
        database.dispose()
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN"]


def test_sqlite_writers_queue_instead_of_failing(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'a.db'}")
    upgrade(database.engine)
    errors: list[BaseException] = []

    def add_clinics(prefix: str) -> None:
        try:
            for n in range(15):
                with database.write() as session:
                    count = session.scalar(sa.select(sa.func.count()).select_from(Clinic))
                    session.add(Clinic(name=f"{prefix}-{n}-{count}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add_clinics, args=(p,)) for p in "abcd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        with database.read() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(Clinic)) == 60
    finally:
        database.dispose()


def test_sqlite_writes_of_one_database_queue_in_process_before_sqlites_lock(
    tmp_path: Path
) -> None:
    # Waiting on SQLite's busy handler means sleeping up to 100 ms past the moment the lock came
    # free; queued in-process, the second writer only issues BEGIN once the first committed.
    database = Database(f"sqlite:///{tmp_path / 'q.db'}")
    upgrade(database.engine)
    log: list[str] = []

    @sa.event.listens_for(database.engine, "before_cursor_execute")
    def begins(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            log.append(f"begin {threading.current_thread().name}")

    @sa.event.listens_for(database.engine, "commit")
    def commits(_c: object) -> None:
        log.append(f"commit {threading.current_thread().name}")

    inside = threading.Event()

    def first() -> None:
        with database.write() as session:
            session.add(Clinic(name="first"))
            session.flush()  # the transaction has begun and holds SQLite's write lock
            inside.set()
            threading.Event().wait(0.3)

    def second() -> None:
        inside.wait()
        with database.write() as session:
            session.add(Clinic(name="second"))

    threads = [threading.Thread(target=first, name="A"), threading.Thread(target=second, name="B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    database.dispose()
    assert log == ["begin A", "commit A", "begin B", "commit B"]


def test_after_write_hooks_run_after_a_commit_and_not_after_a_rollback(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'h.db'}")
    upgrade(database.engine)
    seen: list[int] = []

    def count_clinics() -> None:  # runs outside the transaction: sees what was committed
        with database.read() as session:
            seen.append(session.scalar(sa.select(sa.func.count()).select_from(Clinic)) or 0)

    database.after_write(count_clinics)
    with database.write() as session:
        session.add(Clinic(name="kept"))
    with pytest.raises(RuntimeError), database.write() as session:
        session.add(Clinic(name="rolled back"))
        raise RuntimeError("refused")
    database.dispose()
    assert seen == [1]


def test_a_new_sqlite_database_and_its_wal_are_readable_by_their_owner_only(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'clinic.db'}")
    try:
        with database.write() as session:
            session.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            session.execute(sa.text("INSERT INTO t VALUES (1)"))
        for name in ("clinic.db", "clinic.db-wal"):
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
    finally:
        database.dispose()
