"""The command line behaves: version, completion, one-line failures with documented exit codes,
keys found from any directory and never made by a command that only reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from acuneuro import __version__
from acuneuro.cli import app
from acuneuro.cli._common import (
    EXIT_CHECK_FAILED,
    EXIT_CONFIGURATION,
    EXIT_DATABASE_DOWN,
)

runner = CliRunner()
_MAIN = "from acuneuro.cli import main; main()"


@pytest.fixture(autouse=True)
def _clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "SECRET_KEY", "AUDIT_KEY", "MFA_KEY", "KEY_DIR", "PUBLIC_URL",
                 "SECRET_KEY_FILE", "AUDIT_KEY_FILE", "MFA_KEY_FILE"):
        monkeypatch.delenv(f"ACUNEURO_{name}", raising=False)


def _run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _MAIN, *args], cwd=cwd, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=120)


def _files(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*")}


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"acuneuro {__version__}"


def test_help_names_the_exit_codes_and_completion() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "3 configuration" in text and "4 the database" in text
    assert "--install-completion" in text


def test_a_database_url_in_a_missing_folder_is_refused_and_creates_nothing(
    tmp_path: Path,
) -> None:
    before = _files(tmp_path)
    url = f"sqlite:///{tmp_path}/no-such-folder/x.db"
    for args in (["db", "upgrade", "--db", url], ["audit", "verify", "--db", url],
                 ["clinic", "add", "C", "--db", url]):
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_CONFIGURATION, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1
        assert "does not exist" in result.output
    assert _files(tmp_path) == before


def test_a_reading_command_on_a_missing_database_file_creates_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["patients", "list", "--db", f"sqlite:///{tmp_path}/typo.db"])
    assert result.exit_code == EXIT_CONFIGURATION and "no database file" in result.output
    assert not (tmp_path / "typo.db").exists() and not list(tmp_path.glob("*.key"))


def test_audit_verify_gives_the_same_answer_from_any_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    url = f"sqlite:///{data}/clinic.db"
    assert runner.invoke(app, ["clinic", "add", "Clinica", "--db", url]).exit_code == 0
    answers = []
    for where in (tmp_path, data, Path("/")):
        result = _run("audit", "verify", "--db", url, cwd=where)
        assert result.returncode == 0, result.stderr
        answers.append(json.loads(result.stdout))
    assert answers[0] == answers[1] == answers[2] and answers[0]["intact"] is True
    assert sorted(p.name for p in data.glob("*.key")) == ["audit.key", "mfa.key", "secret.key"]
    assert not list(tmp_path.glob("*.key")) and not (tmp_path / "var").exists()


def test_a_missing_key_is_named_and_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/clinic.db"
    assert runner.invoke(app, ["clinic", "add", "Clinica", "--db", url]).exit_code == 0
    (tmp_path / "audit.key").unlink()
    result = _run("audit", "verify", "--db", url, cwd=tmp_path)
    assert result.returncode == EXIT_CONFIGURATION, result.stderr
    assert result.stderr.count("\n") == 1 and "audit.key" in result.stderr
    assert not (tmp_path / "audit.key").exists()


def test_a_tampered_trail_still_exits_1(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/clinic.db"
    assert runner.invoke(app, ["clinic", "add", "Clinica", "--db", url]).exit_code == 0
    (tmp_path / "audit.key").write_text("x" * 43 + "\n")
    result = _run("audit", "verify", "--db", url, cwd=tmp_path)
    assert result.returncode == EXIT_CHECK_FAILED


def test_a_database_that_is_down_is_one_line_and_exit_4(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=3"
    env = {"ACUNEURO_KEY_DIR": str(tmp_path / "keys")}
    (tmp_path / "keys").mkdir()
    for name in ("secret", "audit", "mfa"):
        (tmp_path / "keys" / f"{name}.key").write_text("k" * 43 + "\n")
    result = _run("patients", "list", "--db", url, cwd=tmp_path, env=env)
    assert result.returncode == EXIT_DATABASE_DOWN, result.stderr
    assert result.stderr.startswith("error: database unavailable")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_bash_completion_offers_the_commands(tmp_path: Path) -> None:
    result = _run(cwd=tmp_path, env={"_ACUNEURO_COMPLETE": "complete_bash",
                                     "COMP_WORDS": "acuneuro au", "COMP_CWORD": "1"})
    assert "audit" in result.stdout.split()
    result = _run(cwd=tmp_path, env={"_ACUNEURO_COMPLETE": "complete_bash",
                                     "COMP_WORDS": "acuneuro audit ", "COMP_CWORD": "2"})
    assert {"verify", "export"} <= set(result.stdout.split())


def test_a_backup_of_a_mistyped_sqlite_file_creates_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["backup", "--out", str(tmp_path / "b.zip"),
                                 "--db", f"sqlite:///{tmp_path}/typo.db"])
    assert result.exit_code == EXIT_CONFIGURATION, result.output
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "b.zip").exists()
