"""A SQLite VFS (through APSW) that simulates power loss, after SQLite's own ``src/test6.c``.

Every write and truncate goes to the real file (so SQLite reads what it wrote) and is also kept in
a list of operations not yet made durable. ``xSync`` makes a file's pending operations durable.
At the cut the run stops, and each file is rewritten as its durable image plus what power loss
let through of the unsynced operations: nothing (``drop``), or each operation kept, dropped or
torn at 512-byte sectors at random (``tear``). Bytes outside an operation never change, which is
the "powersafe overwrite" SQLite assumes of the default unix VFS. The ``-shm`` file is removed:
it is shared memory, rebuilt from the WAL by the first connection after a reboot.

The workload commits numbered transactions the way the store does (``BEGIN IMMEDIATE``, several
rows, a counter row); the checker reopens the surviving file with the normal VFS and reports
whether ``PRAGMA integrity_check`` passes, which transactions are present, and whether any is
present only in part.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import apsw

__all__ = ["CrashDisk", "CutResult", "PowerCut", "run_cut"]

SECTOR = 512
ROWS_PER_TXN = 4

Mode = Literal["drop", "tear"]


class PowerCut(Exception):
    """Raised inside the VFS at the chosen operation: the power goes out here."""


@dataclass
class _File:
    durable: bytearray | None  # None: the file does not exist after a power cut
    pending: list[tuple[str, int, bytes]] = field(default_factory=list)


class CrashDisk:
    """What is durable on the simulated disk, and what is still only in the page cache."""

    def __init__(self, cut_at: int | None) -> None:
        self.files: dict[str, _File] = {}
        self.ops = 0
        self.cut_at = cut_at
        self.crashed = False

    def track(self, path: str) -> _File:
        if path not in self.files:
            existing = Path(path).read_bytes() if os.path.exists(path) else b""
            self.files[path] = _File(bytearray(existing))
        return self.files[path]

    def tick(self) -> bool:
        """Count one operation; False once the power is out. Raise at the cut itself."""
        if self.crashed:
            return False
        self.ops += 1
        if self.cut_at is not None and self.ops >= self.cut_at:
            self.crashed = True
            raise PowerCut(f"power cut at operation {self.ops}")
        return True

    def surviving(self, rng: random.Random, mode: Mode) -> dict[str, bytes | None]:
        """Each file's content after the cut."""
        images: dict[str, bytes | None] = {}
        for path, state in self.files.items():
            if state.durable is None:
                images[path] = None
                continue
            image = bytearray(state.durable)
            for op in state.pending if mode == "tear" else []:
                fate = rng.random()
                if fate < 1 / 3:
                    continue
                _apply(image, op, torn=rng if fate < 2 / 3 else None)
            images[path] = bytes(image)
        return images


def _apply(image: bytearray, op: tuple[str, int, bytes], torn: random.Random | None) -> None:
    kind, offset, data = op
    if kind == "t":
        del image[offset:]
        return
    if len(image) < offset:
        image.extend(b"\0" * (offset - len(image)))
    for start in range(0, len(data), SECTOR):
        if torn is not None and torn.random() < 0.5:
            continue
        chunk = data[start : start + SECTOR]
        image[offset + start : offset + start + len(chunk)] = chunk


class _CrashFile(apsw.VFSFile):
    def __init__(self, disk: CrashDisk, name: Any, flags: list[int]) -> None:
        super().__init__("", name, flags)
        self.disk = disk
        self.path = name.filename() if isinstance(name, apsw.URIFilename) else str(name)
        self.state = disk.track(self.path)

    def xWrite(self, data: bytes, offset: int) -> None:
        if self.disk.tick():
            self.state.pending.append(("w", offset, bytes(data)))
            super().xWrite(data, offset)

    def xTruncate(self, newsize: int) -> None:
        if self.disk.tick():
            self.state.pending.append(("t", newsize, b""))
            super().xTruncate(newsize)

    def xSync(self, flags: int) -> None:
        if self.disk.tick():
            # No real fsync: durability is what this class simulates, and fsync is slow.
            assert self.state.durable is not None
            for op in self.state.pending:
                _apply(self.state.durable, op, torn=None)
            self.state.pending.clear()


class CrashVFS(apsw.VFS):
    """Registers under ``name``; ``disk`` is replaced before every simulated run."""

    def __init__(self, name: str) -> None:
        super().__init__(name, "")
        self.name = name
        self.disk = CrashDisk(None)

    def xOpen(self, name: Any, flags: list[int]) -> _CrashFile:
        return _CrashFile(self.disk, name, flags)

    def xDelete(self, filename: str, syncdir: bool) -> None:
        if self.disk.tick():
            # Deleting a journal or WAL is an intentional, ordered step; treat it as durable.
            self.disk.track(filename).durable = None
            self.disk.files[filename].pending.clear()
            super().xDelete(filename, syncdir)


def _payload(txn: int, k: int) -> bytes:
    seed = hashlib.sha256(f"{txn}:{k}".encode()).digest()
    size = 200 + (txn * 7919 + k * 104729) % 2800  # rows from a few per page to overflow pages
    return (seed * (size // len(seed) + 1))[:size]


def _setup(path: Path) -> None:
    conn = apsw.Connection(str(path))
    conn.execute("PRAGMA synchronous=OFF")  # the simulated disk starts from what is written
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE ledger (txn INTEGER, k INTEGER, payload BLOB NOT NULL,"
        " PRIMARY KEY (txn, k)) WITHOUT ROWID;"
        "CREATE TABLE meta (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, last INTEGER NOT NULL);"
        "INSERT INTO meta VALUES (1, 0, 0);"
    )
    conn.close()


@dataclass(frozen=True)
class CutResult:
    committed: int  # transactions whose COMMIT returned before the cut
    found: int  # transactions present after reopening
    lost: int  # committed but not found
    partial: int  # present only in part (a broken transaction)
    intact: bool  # integrity_check said ok and the counter row agrees with the ledger


def _check(path: Path, acked: set[int]) -> CutResult:
    try:
        conn = apsw.Connection(str(path))
        ok = conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        counts: dict[int, int] = {}
        for txn, k, payload in conn.execute("SELECT txn, k, payload FROM ledger"):
            if payload == _payload(txn, k):
                counts[txn] = counts.get(txn, 0) + 1
        n, last = conn.execute("SELECT n, last FROM meta").fetchone() or (-1, -1)
        conn.close()
    except apsw.Error:
        return CutResult(len(acked), 0, len(acked), 0, intact=False)
    found = {t for t, c in counts.items() if c == ROWS_PER_TXN}
    partial = len(counts) - len(found)
    agrees = n == len(found) and last == max(found, default=0)
    return CutResult(len(acked), len(found), len(acked - found), partial, ok and agrees)


def run_cut(
    vfs: CrashVFS,
    folder: Path,
    *,
    synchronous: str,
    transactions: int,
    cut_at: int | None,
    rng: random.Random,
    mode: Mode,
) -> tuple[CutResult, int]:
    """Commit ``transactions`` until the power cut at operation ``cut_at``; check the survivor.

    Returns the result and the number of VFS operations counted (to size later cut points).
    """
    path = folder / "clinic.db"
    for leftover in folder.glob("clinic.db*"):
        leftover.unlink()
    _setup(path)
    vfs.disk = disk = CrashDisk(cut_at)
    acked: set[int] = set()
    conn = apsw.Connection(str(path), vfs=vfs.name)
    try:
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA wal_autocheckpoint=16")  # checkpoints during the run, cuts in them
        for txn in range(1, transactions + 1):
            conn.execute("BEGIN IMMEDIATE")
            for k in range(ROWS_PER_TXN):
                conn.execute("INSERT INTO ledger VALUES (?, ?, ?)", (txn, k, _payload(txn, k)))
            conn.execute("UPDATE meta SET n = n + 1, last = ? WHERE id = 1", (txn,))
            conn.execute("COMMIT")
            acked.add(txn)
    except (PowerCut, apsw.Error):
        pass
    disk.crashed = True  # whatever SQLite does while closing happens after the power is out
    with contextlib.suppress(apsw.Error):
        conn.close(force=True)
    for file_path, image in disk.surviving(rng, mode).items():
        if image is None:
            Path(file_path).unlink(missing_ok=True)
        else:
            Path(file_path).write_bytes(image)
    Path(f"{path}-shm").unlink(missing_ok=True)
    return _check(path, acked), disk.ops
