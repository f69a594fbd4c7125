"""The crash test's invariants can fail: a lost or half-written write is reported."""

from __future__ import annotations

from typing import Any

from acuneuro.services import Context, PatientCreate
from acuneuro.services.patients import create_patient
from acuneuro.store import Patient

from ._checks import check
from ._ledger import Ledger


def _created(ledger: Ledger, ctx: Context, actor: Any, tag: str) -> str:
    body = {"given_name": "Crash", "family_name": tag, "date_of_birth": "1950-01-01",
            "phone": "+44 20 1", "email": "c@example.org", "record_number": f"R-{tag}",
            "condition": {"kind": "dpn"}}
    attempt = ledger.enter(0, "create", tag, body)
    attempt.patient = create_patient(ctx, actor, PatientCreate.model_validate(body)).id
    attempt.status = 201
    return attempt.patient


def test_a_clean_history_passes(ctx: Context, actors: dict[str, Any]) -> None:
    ledger = Ledger()
    alice = actors["alice"].actor
    _created(ledger, ctx, alice, "KA")
    report = check(ctx, ledger, alice.clinic_id)
    assert report.problems == [] and report.acked == report.found == 1


def test_a_lost_create_a_lost_update_and_a_patient_without_identity_are_reported(
    ctx: Context, actors: dict[str, Any]
) -> None:
    ledger = Ledger()
    alice = actors["alice"].actor
    kept = _created(ledger, ctx, alice, "KB")
    lost = ledger.enter(0, "create", "KC", {"family_name": "KC"})
    lost.patient, lost.status = "PNEVERWRITTEN", 201
    update = ledger.enter(0, "update", "", {"phone": "+44 161 2", "email": "u@example.org"}, kept)
    update.status = 200
    with ctx.db.write() as session:
        session.add(Patient(clinic_id=alice.clinic_id, pseudo_id="PHALF"))
    report = check(ctx, ledger, alice.clinic_id)
    problems = "\n".join(report.problems)
    assert "LOST acknowledged create KC" in problems
    assert f"LOST acknowledged update to {kept}" in problems
    assert "patient PHALF has no identity" in problems
    assert report.found < report.acked
