"""``acuneuro audit verify`` finds an edited, deleted, reordered or truncated audit row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from acuneuro.cli import app
from acuneuro.store import AuditEvent, Database

runner = CliRunner()
_COLUMNS = [c.name for c in AuditEvent.__table__.columns if c.name != "id"]


@pytest.fixture
def install(tmp_path: Path) -> dict[str, Any]:
    """A demo database with its keys and audit anchor in a private key folder."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    env = {"ACUNEURO_KEY_DIR": str(tmp_path / "keys")}
    seeded = runner.invoke(app, ["demo", "--no-serve", "--db", url, "--patients", "4"], env=env)
    assert seeded.exit_code == 0, seeded.output
    listed = runner.invoke(app, ["patients", "list", "--db", url], env=env)
    assert listed.exit_code == 0, listed.output
    return {"url": url, "env": env, "anchor": tmp_path / "keys" / "audit-head"}


def _verify(install: dict[str, Any]) -> tuple[int, dict[str, Any], str]:
    result = runner.invoke(app, ["audit", "verify", "--db", install["url"]], env=install["env"])
    return result.exit_code, json.loads(result.stdout), result.stderr


def _sql(install: dict[str, Any], *statements: Any) -> None:
    database = Database(install["url"])
    try:
        with database.write() as session:
            for statement in statements:
                session.execute(statement)
    finally:
        database.dispose()


def _rows(install: dict[str, Any]) -> list[dict[str, Any]]:
    database = Database(install["url"])
    try:
        with database.read() as session:
            return [dict(r._mapping) for r in session.execute(
                sa.select(AuditEvent.__table__).order_by(AuditEvent.id))]
    finally:
        database.dispose()


def test_an_intact_trail_verifies_against_its_anchor(install: dict[str, Any]) -> None:
    code, report, _ = _verify(install)
    rows = _rows(install)
    assert code == 0 and report["intact"] and report["problem"] is None
    assert report["events"] == len(rows) > 4
    assert report["anchored_id"] == rows[-1]["id"] and report["head"] == rows[-1]["hmac"]
    assert json.loads(install["anchor"].read_text())  # a file outside the database


def test_an_edited_row_is_named(install: dict[str, Any]) -> None:
    _sql(install, sa.update(AuditEvent).where(AuditEvent.id == 3).values(outcome="denied"))
    code, report, err = _verify(install)
    assert code == 1 and report["first_bad_id"] == 3 and "audit row 3" in err


def test_a_deleted_row_breaks_the_chain_at_the_next_one(install: dict[str, Any]) -> None:
    _sql(install, sa.delete(AuditEvent).where(AuditEvent.id == 3))
    code, report, _ = _verify(install)
    assert code == 1 and report["first_bad_id"] == 4


def test_two_rows_with_swapped_contents_are_found(install: dict[str, Any]) -> None:
    rows = {r["id"]: r for r in _rows(install)}
    swap = [sa.update(AuditEvent).where(AuditEvent.id == a)
            .values({c: rows[b][c] for c in _COLUMNS}) for a, b in ((2, 5), (5, 2))]
    _sql(install, *swap)
    code, report, _ = _verify(install)
    assert code == 1 and report["first_bad_id"] == 2


def test_cutting_off_the_newest_rows_is_found_through_the_anchor(
    install: dict[str, Any]
) -> None:
    last = _rows(install)[-1]["id"]
    _sql(install, sa.delete(AuditEvent).where(AuditEvent.id > last - 2))
    code, report, err = _verify(install)
    assert code == 1 and report["first_bad_id"] == last and "truncated" in err
    # New work after the cut neither hides it (ids are reused) nor moves the anchor on.
    assert runner.invoke(app, ["patients", "list", "--db", install["url"]],
                         env=install["env"]).exit_code == 0
    code, report, err = _verify(install)
    assert code == 1 and report["anchored_id"] == last


def test_without_an_anchor_it_verifies_the_chain_and_warns(install: dict[str, Any]) -> None:
    install["anchor"].unlink()
    code, report, err = _verify(install)
    assert code == 0 and report["anchored_id"] is None and "cannot be checked" in err
