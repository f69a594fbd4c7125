"""The pseudonymous course Bundle: valid FHIR R4, and re-imported with the same clinical content."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from acuneuro.services import Context, NotFound, PermissionDenied, accounts, course_fhir, demo
from acuneuro.services import course as course_service
from acuneuro.services import medication as medication_service
from acuneuro.services import outcomes as outcome_service
from acuneuro.services import sessions as session_service
from acuneuro.services.patients import get_patient, list_patients
from acuneuro.store import Database, upgrade

from ._course import accepted_patient

TODAY = date(2026, 11, 24)


def _content(ctx: Context, actor: Any, pid: str) -> dict[str, Any]:
    """Everything clinical about a patient, without ids that differ between databases."""
    return {
        "sessions": [s.record for s in session_service.list_sessions(ctx, actor, pid)],
        "medications": [(m.drug, m.daily_dose, m.unit, m.start_on, m.stop_on)
                        for m in medication_service.list_medications(ctx, actor, pid)],
        "adverse_events": [e.event for e in course_service.list_adverse_events(ctx, actor, pid)],
        "scores": [(s.id, s.scores) for s in
                   outcome_service.outcomes(ctx, actor, pid, as_of=TODAY).series],
        "course": session_service.course_overview(ctx, actor, pid, today=TODAY).schedule,
    }


def _demo_patient_with_everything(ctx: Context, actor: Any) -> str:
    for p in list_patients(ctx, actor):
        content = _content(ctx, actor, p.id)
        if all(content[k] for k in ("sessions", "medications", "adverse_events", "scores")):
            return p.id
    raise AssertionError("the demo has no patient with sessions, medication and an event")


@pytest.fixture
def empty_ctx(tmp_path: Path) -> Any:
    database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(database.engine)
    yield Context(db=database, signing_key="s" * 40, audit_key=b"a" * 40, token_minutes=5,
                  session_hours=1)
    database.dispose()


def test_a_demo_patients_bundle_validates_and_reimports_unchanged(
    ctx: Context, empty_ctx: Context
) -> None:
    demo.seed_demo(ctx, patients=12, today=TODAY)
    source = accounts.operator(ctx, demo.DEMO_CLINIC)
    pid = _demo_patient_with_everything(ctx, source)
    bundle = course_fhir.export_bundle(ctx, source, pid)
    Bundle.model_validate(bundle)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {"Patient", "Condition", "CarePlan", "Observation", "Procedure",
                     "MedicationStatement", "AdverseEvent"}
    person = next(e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Patient")
    assert set(person) <= {"resourceType", "id", "identifier", "birthDate", "gender"}
    identity = get_patient(ctx, source, pid)
    text = json.dumps(bundle)
    assert identity.family_name not in text and str(identity.record_number) not in text

    accounts.add_clinic(empty_ctx, "Receiving clinic")
    target = accounts.operator(empty_ctx, "Receiving clinic")
    new_id = course_fhir.import_bundle(empty_ctx, target, json.loads(json.dumps(bundle)))
    assert new_id != pid
    assert _content(empty_ctx, target, new_id) == _content(ctx, source, pid)


def test_a_broken_bundle_is_refused_naming_the_entry_and_writes_nothing(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    bundle = course_fhir.export_bundle(ctx, alice, pid)
    bundle["entry"].append({"fullUrl": "urn:x", "resource": {
        "resourceType": "Observation", "id": "x", "status": "final", "code": {"text": "?"},
        "subject": {"reference": f"Patient/{pid}"}}})
    before = len(list_patients(ctx, alice))
    with pytest.raises(ValueError, match="Observation x: no acuneuro instrument code"):
        course_fhir.import_bundle(ctx, alice, bundle)
    assert len(list_patients(ctx, alice)) == before


def test_export_is_scoped_and_audited(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    with pytest.raises(NotFound):
        course_fhir.export_bundle(ctx, actors["charlie"].actor, pid)
    with pytest.raises(PermissionDenied):
        course_fhir.export_bundle(ctx, actors["dana"].actor, pid)
    with pytest.raises(PermissionDenied):
        course_fhir.import_bundle(ctx, actors["dana"].actor, {"resourceType": "Bundle"})
