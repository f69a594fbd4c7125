"""``acuneuro backup`` and ``acuneuro restore`` on the command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from acuneuro.cli import app


def _db(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE clinic (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE TABLE patient (id INTEGER PRIMARY KEY,
                                  clinic_id INTEGER NOT NULL REFERENCES clinic(id),
                                  born DATE, photo BLOB);
            INSERT INTO clinic VALUES (1, 'Clínica Norte');
            INSERT INTO patient VALUES (1, 1, '1950-02-03', x'00ff10'), (2, 1, NULL, NULL);
            """
        )
    conn.close()
    return f"sqlite:///{path}"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_backup_then_restore_prints_the_same_tables(runner: CliRunner, tmp_path: Path) -> None:
    source, target = _db(tmp_path / "a.db"), f"sqlite:///{tmp_path / 'b.db'}"
    archive = tmp_path / "a.backup"
    made = runner.invoke(app, ["backup", "--out", str(archive), "--db", source])
    assert made.exit_code == 0, made.output
    summary = json.loads(made.stdout)
    assert summary["tables"] == {"clinic": 1, "patient": 2}
    assert len(summary["archive_sha256"]) == 64
    assert summary["seconds"] >= 0
    back = runner.invoke(app, ["restore", str(archive)], env={"ACUNEURO_DATABASE_URL": target})
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout)["tables"] == summary["tables"]
    with sqlite3.connect(tmp_path / "b.db") as conn:
        rows = conn.execute("SELECT id, clinic_id, born, photo FROM patient ORDER BY id").fetchall()
    conn.close()
    assert rows == [(1, 1, "1950-02-03", b"\x00\xff\x10"), (2, 1, None, None)]


def test_restore_into_a_non_empty_database_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    source = _db(tmp_path / "a.db")
    archive = tmp_path / "a.backup"
    assert runner.invoke(app, ["backup", "--out", str(archive), "--db", source]).exit_code == 0
    refused = runner.invoke(app, ["restore", str(archive), "--db", source])
    assert refused.exit_code == 2
    assert "not empty" in refused.stderr and "Traceback" not in refused.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["restore", "missing.backup", "--db", "sqlite:///x.db"], "no such backup file"),
        (["restore", "{archive}", "--db", "nonsense://"], "--db"),
        (["backup", "--out", "{tmp}/nowhere/x.backup", "--db", "{source}"], "does not exist"),
        (["backup", "--out", "{archive}", "--db", "{source}"], "already exists"),
        (["backup", "--out", "{tmp}/new.backup"], "no database"),
        (["restore", "{tmp}/a.db", "--db", "sqlite:///{tmp}/c.db"], "unreadable"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    runner: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    source = _db(tmp_path / "a.db")
    archive = tmp_path / "a.backup"
    assert runner.invoke(app, ["backup", "--out", str(archive), "--db", source]).exit_code == 0
    filled = [a.format(tmp=tmp_path, archive=archive, source=source) for a in args]
    result = runner.invoke(app, filled, env={"ACUNEURO_DATABASE_URL": ""})
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_the_password_of_a_url_is_never_printed(runner: CliRunner, tmp_path: Path) -> None:
    url = "postgresql+psycopg://admin:hunter2-secret@127.0.0.1:1/none"
    result = runner.invoke(app, ["backup", "--out", str(tmp_path / "x.backup"), "--db", url])
    assert result.exit_code == 4  # the database cannot be reached (docs/operations.md)
    assert "hunter2-secret" not in result.output


def test_an_encrypted_backup_restores_with_its_passphrase_and_names_a_missing_one(
    runner: CliRunner, tmp_path: Path
) -> None:
    source, archive = _db(tmp_path / "a.db"), tmp_path / "a.backup"
    env = {"ACUNEURO_BACKUP_PASSPHRASE": "a long clinic backup passphrase"}
    made = runner.invoke(app, ["backup", "--encrypt", "--out", str(archive), "--db", source],
                         env=env)
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["sealed"] is True
    assert "Clínica".encode() not in archive.read_bytes()
    target = f"sqlite:///{tmp_path / 'b.db'}"
    missing = runner.invoke(app, ["restore", str(archive), "--db", target])
    assert missing.exit_code == 2 and "ACUNEURO_BACKUP_PASSPHRASE" in missing.stderr
    wrong = runner.invoke(app, ["restore", str(archive), "--db", target],
                          env={"ACUNEURO_BACKUP_PASSPHRASE": "another long passphrase"})
    assert wrong.exit_code == 2 and "wrong passphrase" in wrong.stderr
    assert "Traceback" not in wrong.output
    back = runner.invoke(app, ["restore", str(archive), "--db", target], env=env)
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout)["tables"] == {"clinic": 1, "patient": 2}


def test_a_short_backup_passphrase_is_refused_before_anything_is_written(
    runner: CliRunner, tmp_path: Path
) -> None:
    archive = tmp_path / "a.backup"
    refused = runner.invoke(app, ["backup", "--encrypt", "--out", str(archive),
                                  "--db", _db(tmp_path / "a.db")],
                            env={"ACUNEURO_BACKUP_PASSPHRASE": "short"})
    assert refused.exit_code == 2 and "at least 12 characters" in refused.stderr
    assert not archive.exists()
