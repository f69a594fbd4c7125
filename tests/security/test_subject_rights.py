"""GDPR: a patient's full copy as a FHIR Bundle, and erasure of identifying data only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from acuneuro.cli import app
from acuneuro.services import Context, NotFound, PermissionDenied
from acuneuro.services import patients as patient_service
from acuneuro.services.audit import verify_chain
from acuneuro.services.subject_rights import ERASED, erase_patient, is_erased, patient_bundle
from acuneuro.store import AuditEvent, ScoreRecord

from ._world import Holding


def test_erasure_removes_the_identity_and_keeps_the_clinical_record(
    ctx: Context, actors: Any, holdings: dict[str, Holding],
    api_as: Any, web_as: Any,
) -> None:
    pid = holdings["alice"].patient_id
    erased = erase_patient(ctx, actors["erin"].actor, pid, "request 2026-114, Art. 17")
    assert is_erased(erased) and erased.given_name == ERASED
    assert (erased.phone, erased.email, erased.record_number) == (None, None, None)
    assert erased.date_of_birth.isoformat() == "1951-01-01"  # the year only
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ScoreRecord)
                              .where(ScoreRecord.id == holdings["alice"].score_id)) == 1
        erasures = session.execute(sa.select(AuditEvent.patient_pseudo_id, AuditEvent.role)
                                   .where(AuditEvent.resource == "patient-identity")).all()
    assert [tuple(row) for row in erasures] == [(pid, "admin")]
    assert verify_chain(ctx).intact
    shown = api_as("alice").get(f"/api/v1/patients/{pid}").json()
    assert shown["family_name"] == ERASED and "Quasthoff" not in json.dumps(shown)
    page = web_as("alice").get(f"/patients/{pid}")
    assert ERASED in page.text and "Quasthoff" not in page.text


def test_only_administrators_erase_and_only_in_their_clinic(
    ctx: Context, actors: Any, holdings: dict[str, Holding]
) -> None:
    pid = holdings["alice"].patient_id
    for name in ("alice", "dana"):
        with pytest.raises(PermissionDenied):
            erase_patient(ctx, actors[name].actor, pid, "because")
    with pytest.raises(NotFound):
        erase_patient(ctx, actors["erin"].actor, holdings["charlie"].patient_id, "because")
    view = patient_service.get_patient(ctx, actors["alice"].actor, pid)
    assert view.family_name == "Quasthoff"


def test_the_full_copy_is_a_valid_bundle_of_everything_held(
    ctx: Context, actors: Any, holdings: dict[str, Holding]
) -> None:
    pid = holdings["alice"].patient_id
    bundle = patient_bundle(ctx, actors["alice"].actor, pid)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient", "Condition", "Observation"]
    patient = bundle["entry"][0]["resource"]
    assert patient["name"][0]["family"] == "Quasthoff" and patient["birthDate"] == "1951-07-23"
    with pytest.raises(PermissionDenied):
        patient_bundle(ctx, actors["dana"].actor, pid)
    with pytest.raises(NotFound):
        patient_bundle(ctx, actors["charlie"].actor, pid)


def test_the_commands_export_and_erase_one_patient(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    env = {"ACUNEURO_KEY_DIR": str(tmp_path / "keys")}
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--no-serve", "--db", url, "--patients", "2"],
                         env=env).exit_code == 0
    listed = json.loads(runner.invoke(app, ["patients", "list", "--db", url], env=env).stdout)
    pid = listed[0]["id"]
    exported = runner.invoke(app, ["patient", "export", "--patient", pid, "--db", url], env=env)
    assert exported.exit_code == 0
    assert json.loads(exported.stdout)["entry"][0]["resource"]["id"] == pid
    no_reason = runner.invoke(app, ["patient", "erase", "--patient", pid, "--reason", " ",
                                    "--db", url], env=env)
    assert no_reason.exit_code == 2 and "--reason" in no_reason.stderr
    erased = runner.invoke(app, ["patient", "erase", "--patient", pid, "--reason", "Art. 17",
                                 "--db", url], env=env)
    assert erased.exit_code == 0 and json.loads(erased.stdout)["given_name"] == ERASED
    unknown = runner.invoke(app, ["patient", "erase", "--patient", "PNOPE", "--reason", "x",
                                  "--db", url], env=env)
    assert unknown.exit_code == 2 and "no such patient" in unknown.stderr
    assert runner.invoke(app, ["audit", "verify", "--db", url], env=env).exit_code == 0


