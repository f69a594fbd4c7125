"""Core commands: db upgrade, clinic/user add, demo, patients list, audit verify, serve."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from acuneuro.cli import app
from acuneuro.store import AuditEvent, Database, current_revision, head_revision

runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Key files and the default database land under ./var: keep them in the test's folder.
    monkeypatch.chdir(tmp_path)
    for name in ("ACUNEURO_DATABASE_URL", "ACUNEURO_SECRET_KEY", "ACUNEURO_AUDIT_KEY", "PORT",
                 "ACUNEURO_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_db_upgrade_brings_an_empty_database_to_the_newest_revision(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    result = runner.invoke(app, ["db", "upgrade", "--db", url])
    assert result.exit_code == 0, result.output
    database = Database(url)
    try:
        assert current_revision(database.engine) == head_revision(database.engine)
    finally:
        database.dispose()
    assert "database at revision" in result.output


def test_without_db_it_uses_the_environment_then_the_default_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (tmp_path / "var" / "acuneuro.db").exists()
    monkeypatch.setenv("ACUNEURO_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_a_bad_database_url_is_exit_2_with_the_setting_named(tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--db", "mysql://x/y"])
    assert result.exit_code == 2 and "Database URL" in result.stderr
    assert "Traceback" not in result.output


def test_clinic_and_user_add_make_an_account_that_can_log_in(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    clinic = runner.invoke(app, ["clinic", "add", "North Clinic", "--db", url])
    assert clinic.exit_code == 0 and json.loads(clinic.stdout)["name"] == "North Clinic"
    user = runner.invoke(app, ["user", "add", "--clinic", "North Clinic", "--role", "clinician",
                               "--email", "nora@example.org", "--db", url],
                         input="a long enough passphrase\n")
    assert user.exit_code == 0, user.output
    shown = json.loads(user.stdout)
    assert shown["email"] == "nora@example.org" and shown["role"] == "clinician"
    assert "hash" not in user.stdout and "passphrase" not in user.stdout
    assert runner.invoke(app, ["patients", "list", "--db", url]).stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--clinic", "North Clinic", "--role", "clinician", "--email", "n@example.org"],
         "short\n", "The password needs at least 12"),
        (["--clinic", "Nowhere", "--role", "clinician", "--email", "n@example.org"],
         "a long enough passphrase\n", "no clinic named Nowhere"),
        (["--clinic", "North Clinic", "--role", "wizard", "--email", "n@example.org"],
         "a long enough passphrase\n", "wizard"),
    ],
    ids=["short-password", "unknown-clinic", "unknown-role"],
)
def test_user_add_refuses_bad_input_with_exit_2(
    tmp_path: Path, args: list[str], stdin: str, message: str
) -> None:
    url = _sqlite(tmp_path)
    runner.invoke(app, ["clinic", "add", "North Clinic", "--db", url])
    result = runner.invoke(app, ["user", "add", *args, "--db", url], input=stdin)
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output


def test_user_disable_enable_and_reset_mfa_print_the_account_or_name_the_unknown_one(
    tmp_path: Path,
) -> None:
    url = _sqlite(tmp_path)
    runner.invoke(app, ["clinic", "add", "North Clinic", "--db", url])
    runner.invoke(app, ["user", "add", "--clinic", "North Clinic", "--role", "admin",
                        "--email", "ada@example.org", "--db", url],
                  input="a long enough passphrase\n")
    disabled = runner.invoke(app, ["user", "disable", "ada@example.org", "--db", url])
    assert disabled.exit_code == 0, disabled.output
    assert json.loads(disabled.stdout)["active"] is False
    enabled = runner.invoke(app, ["user", "enable", "ada@example.org", "--db", url])
    assert json.loads(enabled.stdout)["active"] is True
    reset = runner.invoke(app, ["user", "reset-mfa", "ada@example.org", "--db", url])
    assert json.loads(reset.stdout)["had_second_factor"] is False
    unknown = runner.invoke(app, ["user", "reset-mfa", "nobody@example.org", "--db", url])
    assert unknown.exit_code == 2 and "nobody@example.org" in unknown.stderr
    assert "Traceback" not in unknown.output


def test_user_enrol_mfa_and_reset_password_print_a_one_time_link_with_its_expiry(
    tmp_path: Path,
) -> None:
    url = _sqlite(tmp_path)
    runner.invoke(app, ["clinic", "add", "North Clinic", "--db", url])
    runner.invoke(app, ["user", "add", "--clinic", "North Clinic", "--role", "researcher",
                        "--email", "rea@example.org", "--db", url],
                  input="a long enough passphrase\n")
    for command, path in (("enrol-mfa", "/enrol/"), ("reset-password", "/reset/")):
        issued = runner.invoke(app, ["user", command, "rea@example.org", "--db", url])
        assert issued.exit_code == 0, issued.output
        shown = json.loads(issued.stdout)
        assert shown["link"] == path + shown["token"] and shown["single_use"] is True
        assert shown["expires_at"] and shown["email"] == "rea@example.org"
    reset = json.loads(runner.invoke(app, ["user", "reset-mfa", "rea@example.org", "--db", url]
                                     ).stdout)
    assert reset["enrolment_link"]["link"].startswith("/enrol/")
    unknown = runner.invoke(app, ["user", "enrol-mfa", "nobody@example.org", "--db", url])
    assert unknown.exit_code == 2 and "nobody@example.org" in unknown.stderr
    weak = runner.invoke(app, ["user", "add", "--clinic", "North Clinic", "--role", "clinician",
                               "--email", "wes@example.org", "--db", url],
                         input="password1234\n")
    assert weak.exit_code == 2 and "very common password" in weak.stderr


def test_a_second_clinic_with_the_same_name_is_refused(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    assert runner.invoke(app, ["clinic", "add", "Twin", "--db", url]).exit_code == 0
    again = runner.invoke(app, ["clinic", "add", "Twin", "--db", url])
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_demo_without_serving_seeds_prints_the_login_and_is_idempotent(db_url: str) -> None:
    result = runner.invoke(app, ["demo", "--no-serve", "--db", db_url, "--patients", "6",
                                 "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.stdout
    assert "demo@demo.acuneuro.invalid / invented-records-only" in result.stdout
    listed = json.loads(runner.invoke(app, ["patients", "list", "--db", db_url]).stdout)
    assert len(listed) == 6
    assert {p["episodes"][0]["kind"] for p in listed} == {"dpn", "phn", "cipn"}
    again = runner.invoke(app, ["demo", "--no-serve", "--db", db_url])
    assert again.exit_code == 0 and "already seeded" in again.stdout
    assert len(json.loads(runner.invoke(app, ["patients", "list", "--db", db_url]).stdout)) == 6


def test_the_port_comes_from_port_when_not_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORT", "9321")
    result = runner.invoke(app, ["demo", "--no-serve", "--db", _sqlite(tmp_path),
                                 "--patients", "0"])
    assert "http://127.0.0.1:9321/" in result.stdout
    monkeypatch.setenv("PORT", "eighty")
    bad = runner.invoke(app, ["demo", "--no-serve", "--db", _sqlite(tmp_path)])
    assert bad.exit_code == 2 and "PORT" in bad.stderr


def test_patients_list_searches_and_needs_a_clinic_when_there_are_several(
    tmp_path: Path
) -> None:
    url = _sqlite(tmp_path)
    runner.invoke(app, ["demo", "--no-serve", "--db", url, "--patients", "3"])
    found = json.loads(runner.invoke(app, ["patients", "list", "--db", url,
                                           "--search", "DEMO-0002"]).stdout)
    assert [p["record_number"] for p in found] == ["DEMO-0002"]
    runner.invoke(app, ["clinic", "add", "Second", "--db", url])
    several = runner.invoke(app, ["patients", "list", "--db", url])
    assert several.exit_code == 2 and "--clinic" in several.stderr
    named = runner.invoke(app, ["patients", "list", "--db", url, "--clinic", "Second"])
    assert named.exit_code == 0 and json.loads(named.stdout) == []


def test_audit_verify_reports_the_head_and_fails_on_tampering(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    runner.invoke(app, ["demo", "--no-serve", "--db", url, "--patients", "3"])
    good = runner.invoke(app, ["audit", "verify", "--db", url])
    report = json.loads(good.stdout)
    assert good.exit_code == 0 and report["intact"] and len(report["head"]) == 64
    database = Database(url)
    try:
        with database.write() as session:
            session.execute(sa.update(AuditEvent).where(AuditEvent.id == 2)
                            .values(source_address="10.9.9.9"))
    finally:
        database.dispose()
    bad = runner.invoke(app, ["audit", "verify", "--db", url])
    assert bad.exit_code == 1 and json.loads(bad.stdout)["first_bad_id"] == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_demo_serves_the_login_page_and_the_health_check(tmp_path: Path) -> None:
    port = _free_port()
    executable = Path(sys.executable).with_name("acuneuro")
    process = subprocess.Popen(
        [str(executable), "demo", "--db", _sqlite(tmp_path), "--patients", "3",
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("ACUNEURO_")},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(base + "/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        login = httpx.get(base + "/")
        assert login.status_code == 200 and "SYNTHETIC DEMO CLINIC" not in login.text
        token = httpx.post(base + "/api/v1/auth/token",
                           data={"username": "demo@demo.acuneuro.invalid",
                                 "password": "invented-records-only"}).json()["access_token"]
        listed = httpx.get(base + "/api/v1/patients",
                           headers={"Authorization": f"Bearer {token}"}).json()
        assert listed["count"] == 3
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout is not None:
            process.stdout.close()
