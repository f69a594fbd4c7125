"""Logical backup and restore of any SQLAlchemy database, consistent and checksummed.

A backup reads every table of the default schema (found by reflection, so it needs no model
code) inside ONE read transaction: on SQLite a deferred ``BEGIN`` whose first read fixes the
snapshot (in WAL mode writers carry on meanwhile); on PostgreSQL ``REPEATABLE READ READ ONLY``,
the snapshot ``pg_dump`` uses. The archive is a ZIP file holding one deflated JSON-lines member per
table and ``manifest.json``: format, dialect, the ``alembic_version`` revision, the DDL that
recreates the schema, and per table the row count, the SHA-256 of its member and an
order-independent digest of its content. It is written to a temporary file, fsynced and renamed,
so a crash never leaves a half-written backup under the final name.

Restore refuses a database that already has tables, verifies every checksum before it touches
the target, then recreates the schema and loads the rows in foreign-key order in one transaction,
re-reads what it wrote and commits only if the content digests match the manifest.

Not covered: views, triggers, schemas other than the default one, PostgreSQL ``GENERATED ALWAYS``
identity columns and foreign-key cycles. References: SQLite "Isolation In SQLite" and WAL
documentation; PostgreSQL ``pg_dump`` reference (consistent snapshot); HIPAA 164.308(a)(7).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from acuneuro.store.sealed_backup import SealedBackupError, SealingWriter, is_sealed, open_sealed

__all__ = [
    "FORMAT",
    "BackupError",
    "TargetNotEmptyError",
    "backup_database",
    "content_digests",
    "restore_database",
    "verify_archive",
]

FORMAT = "acuneuro-backup/1"
MANIFEST = "manifest.json"
_MODULUS = 1 << 256
_BATCH = 500
_SQLITE_DECIMAL = r".*does \*not\* support Decimal objects natively"

Progress = Callable[[str, int], None]


class BackupError(Exception):
    """The archive is unreadable, altered or does not fit the target database."""


class TargetNotEmptyError(BackupError):
    """Restore only writes into a database that has no tables yet."""


# --- values <-> JSON ------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    """A JSON value that :func:`_decode` turns back into exactly ``value``."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {"$t": "float", "v": repr(value)}  # keeps nan and inf, which JSON lacks
    if isinstance(value, Decimal):
        return {"$t": "decimal", "v": str(value)}
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)  # one spelling per instant, whatever the session zone
        return {"$t": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$t": "date", "v": value.isoformat()}
    if isinstance(value, time):
        return {"$t": "time", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$t": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$t": "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"$t": "uuid", "v": str(value)}
    if isinstance(value, dict):
        return {"$t": "json", "v": value}
    if isinstance(value, list | tuple):
        return {"$t": "array", "v": [_encode(v) for v in value]}
    raise BackupError(f"cannot back up a value of type {type(value).__name__}")


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "float": float,
    "decimal": Decimal,
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "timedelta": lambda v: timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    "bytes": base64.b64decode,
    "uuid": uuid.UUID,
    "json": lambda v: v,
    "array": lambda v: [_decode(x) for x in v],
}


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        try:
            return _DECODERS[value["$t"]](value["v"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError(f"archive holds a value it cannot decode: {value!r:.80}") from exc
    return value


def _line(row: Any) -> bytes:
    return json.dumps(
        [_encode(v) for v in row], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


def _add(digest: int, line: bytes) -> int:
    # Sum of per-row SHA-256 modulo 2**256 (Bellare and Micciancio's AdHash): independent of
    # row order, so the backend's physical order does not matter, yet sensitive to duplicates.
    return (digest + int.from_bytes(hashlib.sha256(line).digest(), "big")) % _MODULUS


# --- connections ----------------------------------------------------------------------------


def _engine(url: str | sa.URL) -> Engine:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    if engine.dialect.name == "sqlite":
        # pysqlite opens transactions lazily and never for reads; take control so that BEGIN
        # starts the one transaction that reads or restores everything (SQLAlchemy docs,
        # "Serializable isolation / Savepoints / Transactional DDL" for pysqlite).
        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction whose view of the database does not move."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with conn.begin():
            if engine.dialect.name == "sqlite":
                # The first read, not BEGIN, fixes a deferred transaction's snapshot.
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
            yield conn


@contextmanager
def _quiet_sqlite_decimal() -> Iterator[None]:
    # SQLite keeps NUMERIC as REAL; the values read are the values stored, so the precision
    # warning says nothing about the backup itself.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_SQLITE_DECIMAL, category=sa.exc.SAWarning)
        yield


def _reflect(conn: Connection) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(bind=conn)
    return metadata


def _rows(conn: Connection, table: sa.Table) -> Iterator[Any]:
    query = sa.select(table)
    if table.primary_key.columns:
        query = query.order_by(*table.primary_key.columns)
    yield from conn.execution_options(yield_per=1000).execute(query)


def _table_digest(conn: Connection, table: sa.Table) -> tuple[int, str]:
    count, digest = 0, 0
    for row in _rows(conn, table):
        count, digest = count + 1, _add(digest, _line(row))
    return count, f"{digest:064x}"


def content_digests(url: str | sa.URL) -> dict[str, tuple[int, str]]:
    """Row count and order-independent content digest of every table, in one snapshot."""
    engine = _engine(url)
    try:
        with _quiet_sqlite_decimal(), _snapshot(engine) as conn:
            metadata = _reflect(conn)
            return {t.name: _table_digest(conn, t) for t in metadata.sorted_tables}
    finally:
        engine.dispose()


# --- backup ---------------------------------------------------------------------------------


def _ddl(metadata: sa.MetaData, engine: Engine) -> list[str]:
    """CREATE statements for the reflected schema, compiled for the source dialect."""
    for table in metadata.tables.values():
        for column in table.columns:
            default = column.server_default
            text = str(getattr(default, "arg", "")) if default is not None else ""
            if text.startswith("nextval("):
                # A SERIAL column: the dialect emits SERIAL again, which recreates the sequence.
                column.server_default = None
    statements: list[str] = []

    def capture(sql: Any, *_args: Any, **_kwargs: Any) -> None:
        statements.append(str(sql.compile(dialect=engine.dialect)).strip())

    metadata.create_all(sa.create_mock_engine(engine.url, capture), checkfirst=False)
    return statements


def _revision(conn: Connection, metadata: sa.MetaData) -> list[str]:
    table = metadata.tables.get("alembic_version")
    if table is None or "version_num" not in table.columns:
        return []
    return sorted(str(v) for v in conn.execute(sa.select(table.c.version_num)).scalars())


def _software() -> str:
    try:
        return version("acuneuro")
    except PackageNotFoundError:  # pragma: no cover - uninstalled tree
        return "unknown"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_archive(
    conn: Connection, engine: Engine, handle: Any, progress: Progress | None
) -> dict[str, Any]:
    metadata = _reflect(conn)
    tables = []
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in metadata.sorted_tables:
            count, digest, sha = 0, 0, hashlib.sha256()
            with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as member:
                for row in _rows(conn, table):
                    line = _line(row) + b"\n"
                    member.write(line)
                    sha.update(line)
                    count, digest = count + 1, _add(digest, line[:-1])
            tables.append(
                {
                    "name": table.name,
                    "rows": count,
                    "sha256": sha.hexdigest(),
                    "digest": f"{digest:064x}",
                }
            )
            if progress is not None:
                progress(table.name, count)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "software": {"name": "acuneuro", "version": _software()},
            "dialect": engine.dialect.name,
            "alembic_revision": _revision(conn, metadata),
            "tables": tables,
            "ddl": _ddl(metadata, engine),
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def backup_database(
    url: str | sa.URL, out: Path, *, progress: Progress | None = None,
    passphrase: str | None = None,
) -> dict[str, Any]:
    """Write a consistent backup of the database at ``url`` to ``out``; return its manifest.

    ``progress(table, rows)`` is called after each table (the CLI reports it; tests use it to
    write while the snapshot is open). With ``passphrase`` the archive is sealed as it is
    written (``store.sealed_backup``): no plain copy reaches the disk.
    """
    out = Path(out)
    engine = _engine(url)
    fd, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w+b") as handle:
            sink = handle if passphrase is None else SealingWriter(handle, passphrase)
            with _quiet_sqlite_decimal(), _snapshot(engine) as conn:
                manifest = _write_archive(conn, engine, sink, progress)
            if isinstance(sink, SealingWriter):
                sink.finish()
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, out)
        _fsync_dir(out.parent)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    return manifest


# --- restore --------------------------------------------------------------------------------


@contextmanager
def _plain(archive_path: Path, passphrase: str | None) -> Iterator[Path | BinaryIO]:
    """The archive itself, or a sealed one opened into an unnamed temporary file."""
    if not is_sealed(archive_path):
        yield archive_path
        return
    if passphrase is None:
        raise BackupError(f"{archive_path}: the backup is sealed; give its passphrase")
    with open(archive_path, "rb") as source, tempfile.TemporaryFile() as plain:
        try:
            open_sealed(source, passphrase, plain)
        except SealedBackupError as exc:
            raise BackupError(f"{archive_path}: {exc}") from None
        plain.seek(0)
        yield plain


def verify_archive(archive_path: Path, passphrase: str | None = None) -> dict[str, Any]:
    """Check an archive's manifest, every member's SHA-256 and row count; return the manifest."""
    with _plain(archive_path, passphrase) as plain:
        return _verify(plain, archive_path)


def _verify(source: Path | BinaryIO, archive_path: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(source) as archive:
            manifest = json.loads(archive.read(MANIFEST))
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError(f"{archive_path}: not an {FORMAT} archive")
            for entry in manifest["tables"]:
                sha, rows = hashlib.sha256(), 0
                with archive.open(f"tables/{entry['name']}.jsonl") as member:
                    for line in member:
                        sha.update(line)
                        rows += 1
                if sha.hexdigest() != entry["sha256"] or rows != entry["rows"]:
                    raise BackupError(f"{archive_path}: table {entry['name']} fails its checksum")
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{archive_path}: unreadable backup archive ({exc})") from exc
    return manifest


def _load_table(conn: Connection, table: sa.Table, member: Any) -> None:
    names = [c.name for c in table.columns]
    batch: list[dict[str, Any]] = []
    for line in member:
        values = json.loads(line)
        if len(values) != len(names):
            raise BackupError(f"table {table.name}: a row does not fit the schema")
        batch.append(dict(zip(names, (_decode(v) for v in values), strict=True)))
        if len(batch) >= _BATCH:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)


def _reset_sequences(conn: Connection, table: sa.Table) -> None:
    quoted = conn.dialect.identifier_preparer.format_table(table)
    for column in table.columns:
        sequence = conn.execute(
            sa.select(sa.func.pg_get_serial_sequence(quoted, column.name))
        ).scalar()
        if sequence is not None:
            top = conn.execute(sa.select(sa.func.max(column))).scalar()
            # setval(seq, n, false): the next value handed out is n.
            conn.execute(sa.select(sa.func.setval(sequence, (top or 0) + 1, False)))


def restore_database(
    archive_path: Path, url: str | sa.URL, passphrase: str | None = None
) -> dict[str, Any]:
    """Restore ``archive_path`` (sealed: with ``passphrase``) into the EMPTY database at ``url``
    in one transaction."""
    with _plain(archive_path, passphrase) as plain:
        return _restore(plain, archive_path, url)


def _restore(source: Path | BinaryIO, archive_path: Path, url: str | sa.URL) -> dict[str, Any]:
    manifest = _verify(source, archive_path)
    if not isinstance(source, Path):
        source.seek(0)
    engine = _engine(url)
    try:
        if engine.dialect.name != manifest["dialect"]:
            raise BackupError(
                f"the backup is of a {manifest['dialect']} database; "
                f"the target is {engine.dialect.name}"
            )
        with (
            _quiet_sqlite_decimal(),
            zipfile.ZipFile(source) as archive,
            engine.connect() as conn,
            conn.begin(),
        ):
            existing = sa.inspect(conn).get_table_names()
            if existing:
                raise TargetNotEmptyError(
                    f"the target database is not empty (tables: {', '.join(sorted(existing))}); "
                    "restore needs a new, empty database"
                )
            for statement in manifest["ddl"]:
                conn.exec_driver_sql(statement)
            metadata = _reflect(conn)
            for entry in manifest["tables"]:
                table = metadata.tables[entry["name"]]
                with archive.open(f"tables/{entry['name']}.jsonl") as member:
                    _load_table(conn, table, member)
                if engine.dialect.name == "postgresql":
                    _reset_sequences(conn, table)
            for entry in manifest["tables"]:
                found = _table_digest(conn, metadata.tables[entry["name"]])
                if found != (entry["rows"], entry["digest"]):
                    raise BackupError(f"table {entry['name']}: restored content differs")
    finally:
        engine.dispose()
    return manifest
