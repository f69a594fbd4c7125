"""What the audit trail holds: one row per patient listed, failed logins, refusals; and its
export as IHE BALP-shaped FHIR AuditEvents with pseudonymous ids only."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle

from acuneuro.services import AuthenticationFailed, Context, PermissionDenied
from acuneuro.services import patients as patient_service
from acuneuro.services.accounts import authenticate
from acuneuro.services.audit_export import audit_bundle
from acuneuro.store import AuditEvent

from ._world import Holding


def _rows(ctx: Context) -> list[AuditEvent]:
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


def test_a_list_writes_one_row_per_patient_returned(
    ctx: Context, actors: Any, holdings: dict[str, Holding]
) -> None:
    alice = actors["alice"].actor
    before = len(_rows(ctx))
    listed = patient_service.list_patients(ctx, alice)
    new = _rows(ctx)[before:]
    assert [(r.action, r.patient_pseudo_id) for r in new] == [("list", p.id) for p in listed]
    assert {p.id for p in listed} == {holdings["alice"].patient_id}


def test_failed_logins_and_refusals_are_audited(
    ctx: Context, actors: Any, holdings: dict[str, Holding]
) -> None:
    with pytest.raises(AuthenticationFailed):
        authenticate(ctx, "alice@example.org", "not her password at all", "10.0.0.7")
    with pytest.raises(PermissionDenied):
        patient_service.get_patient(ctx, actors["dana"].actor, holdings["alice"].patient_id)
    outcomes = [(r.action, r.outcome, r.source_address) for r in _rows(ctx)[-2:]]
    assert outcomes == [("login", "failure", "10.0.0.7"), ("read", "denied", "testclient")]


def test_the_fhir_export_is_balp_shaped_and_pseudonymous(
    ctx: Context, actors: Any, holdings: dict[str, Holding]
) -> None:
    alice = actors["alice"].actor
    patient_service.get_patient(ctx, alice, holdings["alice"].patient_id)
    authenticate(ctx, "alice@example.org", actors["alice"].password, "10.0.0.8")
    with pytest.raises(PermissionDenied):
        audit_bundle(ctx, alice)
    bundle = audit_bundle(ctx, actors["erin"].actor)
    Bundle.model_validate(bundle)
    events = [e["resource"] for e in bundle["entry"]]
    reads = [e for e in events if e.get("subtype", [{}])[0].get("code") == "read"
             and "reference" in e["entity"][0]["what"]]
    read = reads[-1]
    assert read["type"]["code"] == "rest" and read["action"] == "R" and read["outcome"] == "0"
    assert read["entity"][0]["what"]["reference"] == f"Patient/{holdings['alice'].patient_id}"
    assert read["agent"][0]["who"]["identifier"]["value"] == str(alice.user_id)
    login = [e for e in events if e["type"]["code"] == "110114"][-1]
    assert login["subtype"][0]["code"] == "110122"
    assert login["agent"][0]["network"] == {"address": "10.0.0.8", "type": "2"}
    text = str(bundle)
    for value in (*holdings["alice"].identity.values(), "alice@example.org"):
        if value not in {"female", "male"}:
            assert value not in text
