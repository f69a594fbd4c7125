"""The pseudonymous course Bundle: valid FHIR R4, and re-imported with the same clinical content."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from acuneuro.interop.fhir_questionnaire import questionnaire_response
from acuneuro.services import (
    Context,
    NotFound,
    PermissionDenied,
    accounts,
    assessment,
    course_fhir,
    demo,
)
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


def _normalised(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources with every id (and so every reference) replaced by its entry position."""
    text = json.dumps([e["resource"] for e in bundle["entry"]], sort_keys=True)
    for n, entry in enumerate(bundle["entry"]):
        text = text.replace(entry["resource"]["id"], f"id-{n}")
    out: list[dict[str, Any]] = json.loads(text)
    return out


def test_a_demo_patients_bundle_reimports_and_exports_the_same_resources(
    ctx: Context, empty_ctx: Context
) -> None:
    demo.seed_demo(ctx, patients=12, today=TODAY)
    source = accounts.operator(ctx, demo.DEMO_CLINIC)
    pid = _demo_patient_with_everything(ctx, source)
    bundle = course_fhir.export_bundle(ctx, source, pid)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "transaction"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {"Patient", "Condition", "CarePlan", "Observation", "QuestionnaireResponse",
                     "Procedure", "MedicationStatement", "AdverseEvent"}
    person = next(e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Patient")
    assert set(person) <= {"resourceType", "id", "meta", "identifier", "birthDate", "gender"}
    identity = get_patient(ctx, source, pid)
    text = json.dumps(bundle)
    assert identity.family_name not in text and str(identity.record_number) not in text

    accounts.add_clinic(empty_ctx, "Receiving clinic")
    target = accounts.operator(empty_ctx, "Receiving clinic")
    new_id = course_fhir.import_bundle(empty_ctx, target, json.loads(json.dumps(bundle)))
    assert new_id != pid
    assert _content(empty_ctx, target, new_id) == _content(ctx, source, pid)
    again = course_fhir.export_bundle(empty_ctx, target, new_id)
    assert _normalised(again) == _normalised(bundle)


@pytest.mark.parametrize("kind", ["conditional", "create"])
def test_the_bundle_for_a_server_that_assigns_ids_reimports_the_same_resources(
    ctx: Context, empty_ctx: Context, kind: Any
) -> None:
    """POST entries have no id and urn:uuid references: still one score per Observation."""
    demo.seed_demo(ctx, patients=12, today=TODAY)
    source = accounts.operator(ctx, demo.DEMO_CLINIC)
    pid = _demo_patient_with_everything(ctx, source)
    bundle = course_fhir.export_bundle(ctx, source, pid, kind=kind)
    assert {e["request"]["method"] for e in bundle["entry"]} == {"POST"}
    accounts.add_clinic(empty_ctx, "Receiving clinic")
    target = accounts.operator(empty_ctx, "Receiving clinic")
    new_id = course_fhir.import_bundle(empty_ctx, target, json.loads(json.dumps(bundle)))
    assert _content(empty_ctx, target, new_id) == _content(ctx, source, pid)
    assert _normalised(course_fhir.export_bundle(empty_ctx, target, new_id)) == _normalised(
        course_fhir.export_bundle(ctx, source, pid))


def test_ids_are_stable_and_unique_even_for_equal_scores_on_one_day(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    for _ in range(2):
        assessment.record_score(ctx, alice, pid, assessment.ScoreIn(
            instrument="nrs", answers={"pain": 6}, taken_on=TODAY))
    first = course_fhir.export_bundle(ctx, alice, pid)
    urls = [e["fullUrl"] for e in first["entry"]]
    assert len(urls) == len(set(urls))
    nrs = [e["resource"] for e in first["entry"] if e["resource"]["resourceType"] == "Observation"
           and e["resource"]["effectiveDateTime"] == TODAY.isoformat()]
    assert len(nrs) == 2 and nrs[0]["id"] != nrs[1]["id"]
    assert course_fhir.export_bundle(ctx, alice, pid) == first
    for entry in first["entry"]:
        kind, rid = entry["resource"]["resourceType"], entry["resource"]["id"]
        assert course_fhir.read_resource(ctx, alice, kind, rid) == entry["resource"]
    with pytest.raises(NotFound):
        course_fhir.read_resource(ctx, actors["charlie"].actor, "Observation", nrs[0]["id"])
    everything = course_fhir.everything(ctx, alice, pid)
    assert everything["type"] == "searchset"
    assert ({e["resource"]["id"] for e in everything["entry"]}
            == {e["resource"]["id"] for e in first["entry"]})


def test_a_standard_loinc_nrs_observation_imports_into_a_patient(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    foreign = {"resourceType": "Bundle", "type": "transaction", "entry": [{
        "fullUrl": "urn:uuid:0b1f1d0e-9a43-4c7e-9d55-4c4d8b9a1f00",
        "request": {"method": "POST", "url": "Observation"},
        "resource": {"resourceType": "Observation", "id": "nrs-1", "status": "final",
                     "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
                     "subject": {"reference": "Patient/elsewhere"},
                     "effectiveDateTime": "2026-11-20T09:30:00Z", "valueInteger": 7}}]}
    assert course_fhir.import_bundle(ctx, alice, foreign, into=pid) == pid
    scores = assessment.list_scores(ctx, alice, pid)
    assert [(s.instrument, s.total, s.taken_on) for s in scores] == [
        ("nrs", 7.0, date(2026, 11, 20))]


def test_a_dn4_questionnaire_response_imports_scored_by_the_engine(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    answers = {item: n < 5 for n, item in enumerate(
        ["burning", "painful_cold", "electric_shocks", "tingling", "pins_and_needles",
         "numbness", "itching", "hypoesthesia_touch", "hypoesthesia_pinprick", "brushing"])}
    response = {**questionnaire_response("dn4", answers, subject="Patient/elsewhere",
                                         authored="2026-11-18"), "id": "dn4-1"}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": response}]}
    course_fhir.import_bundle(ctx, alice, bundle, into=pid)
    [stored] = assessment.list_scores(ctx, alice, pid)
    assert (stored.instrument, stored.total, stored.positive) == ("dn4", 5.0, True)
    assert stored.answers == answers


def test_unknown_codes_are_reported_per_resource_and_nothing_is_written(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    good = {"resourceType": "Observation", "id": "ok", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
            "effectiveDateTime": "2026-11-20", "valueQuantity": {"value": 3}}
    odd = {**good, "id": "odd", "code": {"coding": [{"system": "http://loinc.org",
                                                      "code": "8867-4"}]}}
    other = {"resourceType": "Immunization", "id": "imm", "subject": {"reference": "Patient/b"}}
    good["subject"] = {"reference": "Patient/a"}
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in (good, odd, other)]}
    with pytest.raises(course_fhir.BundleRefused) as refused:
        course_fhir.import_bundle(ctx, alice, bundle, into=pid)
    assert refused.value.problems == [
        "Immunization/imm: acuneuro does not keep Immunization resources",
        "Observation/odd: code http://loinc.org|8867-4 is not an instrument acuneuro knows",
        "Bundle: resources of more than one patient (Patient/a, Patient/b)"]
    assert assessment.list_scores(ctx, alice, pid) == []


def test_the_identified_profile_carries_the_record_number_and_codice_fiscale(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    identity = get_patient(ctx, alice, pid)
    resources = course_fhir.patient_resources(ctx, alice, pid, profile="identified",
                                              national_id="RSSMRA80A01H501U")
    person = resources[0]
    systems = {i["system"]: i["value"] for i in person["identifier"]}
    assert systems["http://hl7.it/sid/codiceFiscale"] == "RSSMRA80A01H501U"
    if identity.record_number:
        assert identity.record_number in systems.values()
    assert person["name"][0]["family"] == identity.family_name
    assert "meta" not in person or "profile" not in person["meta"]


def test_export_is_scoped_and_audited(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    with pytest.raises(NotFound):
        course_fhir.export_bundle(ctx, actors["charlie"].actor, pid)
    with pytest.raises(PermissionDenied):
        course_fhir.export_bundle(ctx, actors["dana"].actor, pid)
    with pytest.raises(PermissionDenied):
        course_fhir.import_bundle(ctx, actors["dana"].actor, {"resourceType": "Bundle"})
