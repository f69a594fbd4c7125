"""Sealed backups: a passphrase-keyed AES-GCM stream that refuses any change, cut or extension."""

from __future__ import annotations

import io
import os
import sqlite3
import struct
from pathlib import Path

import pytest

from acuneuro.store.backup import BackupError, backup_database, restore_database, verify_archive
from acuneuro.store.sealed_backup import (
    CHUNK,
    MAGIC,
    SealedBackupError,
    SealingWriter,
    is_sealed,
    open_sealed,
)

PASSPHRASE = "a long clinic backup passphrase"
FAST = 1 << 10  # scrypt N for the stream-format tests only; backups use the default (2**17)


def _sealed(data: bytes, *, pieces: int = 7) -> bytes:
    out = io.BytesIO()
    writer = SealingWriter(out, PASSPHRASE, scrypt_n=FAST)
    step = max(1, len(data) // pieces)
    for start in range(0, len(data), step):
        writer.write(data[start:start + step])
    writer.finish()
    return out.getvalue()


def _opened(sealed: bytes, passphrase: str = PASSPHRASE) -> bytes:
    plain = io.BytesIO()
    open_sealed(io.BytesIO(sealed), passphrase, plain)
    return plain.getvalue()


def _chunks(sealed: bytes) -> tuple[bytes, list[bytes]]:
    """The header and the framed chunks of a sealed stream."""
    header_end = sealed.index(b"\n", len(MAGIC)) + 1
    chunks, at = [], header_end
    while at < len(sealed):
        (length,) = struct.unpack(">I", sealed[at:at + 4])
        chunks.append(sealed[at:at + 4 + length])
        at += 4 + length
    return sealed[:header_end], chunks


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 12345])
def test_what_is_sealed_opens_to_the_same_bytes_at_every_chunk_boundary(size: int) -> None:
    data = os.urandom(size)
    sealed = _sealed(data)
    assert sealed.startswith(MAGIC)
    if size >= 64:
        assert data[:64] not in sealed
    assert _opened(sealed) == data


def test_a_wrong_passphrase_is_refused() -> None:
    with pytest.raises(SealedBackupError, match="wrong passphrase"):
        _opened(_sealed(b"patients"), "not the passphrase at all")


def test_dropped_reordered_or_extra_chunks_and_a_changed_header_are_refused() -> None:
    header, chunks = _chunks(_sealed(os.urandom(2 * CHUNK + 10)))
    assert len(chunks) == 3
    cut = header + b"".join(chunks[:2])
    swapped = header + chunks[1] + chunks[0] + chunks[2]
    extended = header + b"".join(chunks) + b"\x00"
    changed = header.replace(b'"chunk": ', b'"chunk":  ') + b"".join(chunks)
    flipped = bytearray(header + b"".join(chunks))
    flipped[len(header) + 100] ^= 1
    for damaged, reason in [(cut, "cut short"), (swapped, "altered"),
                            (extended, "after its last chunk"), (changed, "altered"),
                            (bytes(flipped), "altered")]:
        with pytest.raises(SealedBackupError, match=reason):
            _opened(damaged)


def _database(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        conn.executescript("CREATE TABLE patient (id INTEGER PRIMARY KEY, name TEXT);"
                           "INSERT INTO patient VALUES (1, 'Ana Example'), (2, 'Ben Example');")
    conn.close()
    return f"sqlite:///{path}"


def test_a_sealed_backup_hides_the_data_and_restores_with_its_passphrase(tmp_path: Path) -> None:
    archive = tmp_path / "clinic.backup"
    backup_database(_database(tmp_path / "a.db"), archive, passphrase=PASSPHRASE)
    raw = archive.read_bytes()
    assert is_sealed(archive) and b"Ana Example" not in raw and b"manifest" not in raw
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    manifest = verify_archive(archive, PASSPHRASE)
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == {"patient": 2}
    restore_database(archive, f"sqlite:///{tmp_path / 'b.db'}", PASSPHRASE)
    with sqlite3.connect(tmp_path / "b.db") as conn:
        assert conn.execute("SELECT name FROM patient ORDER BY id").fetchall() == [
            ("Ana Example",), ("Ben Example",)]
    conn.close()


def test_a_sealed_backup_without_or_with_a_wrong_passphrase_writes_nothing(
    tmp_path: Path,
) -> None:
    archive = tmp_path / "clinic.backup"
    backup_database(_database(tmp_path / "a.db"), archive, passphrase=PASSPHRASE)
    target = tmp_path / "b.db"
    with pytest.raises(BackupError, match="give its passphrase"):
        restore_database(archive, f"sqlite:///{target}")
    with pytest.raises(BackupError, match="wrong passphrase"):
        restore_database(archive, f"sqlite:///{target}", "not the passphrase at all")
    assert not target.exists() or target.stat().st_size == 0
