"""Corrections, never deletion: each kind of clinical record amended or entered in error, with
the original kept in a visible history, the audit trail, and nothing written on a bad request."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from acuneuro.services import (
    Conflict,
    Context,
    NotFound,
    PermissionDenied,
    assessment,
    course,
    medication,
    planning,
    sessions,
)
from acuneuro.services import corrections as service
from acuneuro.services import patients as patient_service
from acuneuro.services.corrections import CorrectionRefused, RecordEntry
from acuneuro.store import AuditEvent, RecordRevision

from ._course import START, accepted_patient, day, session
from .test_planning import assessed_case, new_patient


@pytest.fixture
def alice(actors: Any) -> Any:
    return actors["alice"].actor


def _entry(ctx: Context, actor: Any, pid: str, kind: str, ref: str = "") -> RecordEntry:
    found = [e for e in service.patient_records(ctx, actor, pid)
             if e.kind == kind and (not ref or e.ref == ref)]
    assert found, f"no {kind} record"
    return found[-1]


def _revisions(ctx: Context) -> int:
    with ctx.db.read() as s:
        return s.scalar(select(func.count(RecordRevision.id))) or 0


def _corrections_audited(ctx: Context, kind: str) -> list[str]:
    with ctx.db.read() as s:
        return list(s.scalars(select(AuditEvent.outcome).where(
            AuditEvent.resource == f"{kind}-correction", AuditEvent.action == "update")))


def test_amended_patient_details_keep_the_old_name_in_the_history(
    ctx: Context, alice: Any
) -> None:
    pid = new_patient(ctx, alice)
    entry = service.amend_record(ctx, alice, pid, "patient", "details",
                                 {"reason": "Surname misspelt at registration",
                                  "changes": {"family_name": "Plantéd"}, "version": 1})
    assert patient_service.get_patient(ctx, alice, pid).family_name == "Plantéd"
    assert entry.version == 2 and entry.status == "active"
    (rev,) = entry.revisions
    assert (rev.version, rev.action, rev.by) == (1, "Amended", "alice@example.org")
    assert rev.reason == "Surname misspelt at registration"
    assert [(c.label, c.before, c.after) for c in rev.changes] == [
        ("Family name", "Planned", "Plantéd")]
    assert _corrections_audited(ctx, "patient") == ["success"]


def test_an_episode_entered_in_error_leaves_the_patient_but_stays_in_the_history(
    ctx: Context, alice: Any
) -> None:
    pid = new_patient(ctx, alice, kind="dpn")
    ref = _entry(ctx, alice, pid, "episode").ref
    service.amend_record(ctx, alice, pid, "episode", ref,
                         {"reason": "Onset from the referral letter",
                          "changes": {"onset": "2019-06-01"}})
    entry = service.mark_entered_in_error(ctx, alice, pid, "episode", ref,
                                          {"reason": "Wrong patient's condition"})
    assert patient_service.get_patient(ctx, alice, pid).episodes == []
    assert entry.entered_in_error and entry.version == 3
    assert [r.action for r in entry.revisions] == ["Amended", "Marked as entered in error"]
    assert entry.revisions[1].changes[0].after == "entered in error"


def test_a_score_entered_in_error_leaves_the_scores_and_the_outcomes(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    kept = assessment.record_score(ctx, alice, pid, {"instrument": "nrs", "answers": {"pain": 7},
                                                     "taken_on": START.isoformat()})
    wrong = assessment.record_score(ctx, alice, pid, {"instrument": "nrs",
                                                      "answers": {"pain": 2},
                                                      "taken_on": day(3).isoformat()})
    service.mark_entered_in_error(ctx, alice, pid, "score", str(wrong.id),
                                  {"reason": "Another patient's answers"})
    assert [s.id for s in assessment.list_scores(ctx, alice, pid)] == [kept.id]
    nrs = service_outcomes(ctx, alice, pid)
    assert [s.value for s in nrs] == [7]
    entry = _entry(ctx, alice, pid, "score", str(wrong.id))
    assert entry.entered_in_error and entry.revisions[0].reason == "Another patient's answers"


def service_outcomes(ctx: Context, actor: Any, pid: str) -> list[Any]:
    from acuneuro.services import outcomes

    view = outcomes.outcomes(ctx, actor, pid, as_of=date.today())
    return [s for series in view.series if series.id == "nrs" for s in series.scores]


def test_a_session_amended_then_entered_in_error_leaves_adherence_and_frees_its_number(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    first = sessions.record_session(ctx, alice, pid, session())
    entry = service.amend_record(ctx, alice, pid, "session", str(first.id),
                                 {"reason": "Typed the wrong day", "changes": {
                                     "occurred_on": day(1).isoformat(), "session_minutes": 35}})
    assert sessions.list_sessions(ctx, alice, pid)[0].on == day(1)
    labels = {c.label: (c.before, c.after) for c in entry.revisions[0].changes}
    assert set(labels) == {"Session date", "Minutes"} and labels["Minutes"] == ("40", "35")
    service.mark_entered_in_error(ctx, alice, pid, "session", str(first.id),
                                  {"reason": "Recorded on the wrong patient"})
    overview = sessions.course_overview(ctx, alice, pid, today=day(10))
    assert overview.sessions == [] and overview.adherence.attended == 0
    assert overview.next_number == 1
    assert _entry(ctx, alice, pid, "session", str(first.id)).version == 3


def test_an_amended_adverse_event_shows_the_grades_in_words(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    event = course.add_adverse_event(ctx, alice, pid, {
        "on": START.isoformat(), "type": "haematoma", "grade": 1, "relatedness": "probable",
        "action": "pressure_applied", "outcome": "resolved"})
    entry = service.amend_record(ctx, alice, pid, "adverse-event", str(event.id),
                                 {"reason": "Needed a dressing", "changes": {"grade": "2"}})
    assert course.list_adverse_events(ctx, alice, pid)[0].event.grade == 2
    (change,) = entry.revisions[0].changes
    assert (change.label, change.before, change.after) == (
        "CTCAE grade", "1 (mild)", "2 (moderate)")
    service.mark_entered_in_error(ctx, alice, pid, "adverse-event", str(event.id),
                                  {"reason": "Duplicate of the nurse's entry"})
    assert course.list_adverse_events(ctx, alice, pid) == []


def test_a_medicine_entered_in_error_leaves_the_mme(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    drug = medication.add_medication(ctx, alice, pid, {
        "drug": "tramadol", "daily_dose": 100, "unit": "mg", "start_on": START.isoformat()})
    service.amend_record(ctx, alice, pid, "medicine", str(drug.id),
                         {"reason": "Dose from the pharmacy list", "changes": {"daily_dose": 50}})
    summary = medication.medication_summary(ctx, alice, pid, on=day(2))
    assert [m.daily_dose for m in summary.statements] == [50]
    service.mark_entered_in_error(ctx, alice, pid, "medicine", str(drug.id),
                                  {"reason": "Never prescribed"})
    summary = medication.medication_summary(ctx, alice, pid, on=day(2))
    assert summary.statements == [] and summary.mme.total == 0
    entry = _entry(ctx, alice, pid, "medicine", str(drug.id))
    assert [c.before for c in entry.revisions[0].changes] == ["100"]


def test_a_withdrawn_proposal_leaves_the_plan_list_and_cannot_be_accepted(
    ctx: Context, alice: Any
) -> None:
    pid = new_patient(ctx, alice)
    start = date.today() - timedelta(days=1)
    case = assessed_case(assessed_on=start.isoformat(),
                         labs={"taken": start.isoformat(), "platelets_per_ul": 162000,
                               "anc_per_ul": 2400})
    proposals = [planning.propose_plan(ctx, alice, pid, case, today=start) for _ in range(3)]
    for plan in proposals[:2]:
        service.withdraw_plan(ctx, alice, pid, plan.id, {"reason": "Superseded by a new draft"})
    assert [p.id for p in planning.list_plans(ctx, alice, pid)] == [proposals[2].id]
    with pytest.raises(planning.PlanRefused):
        planning.accept_plan(ctx, alice, pid, proposals[0].id, start)
    entry = _entry(ctx, alice, pid, "plan", str(proposals[0].id))
    assert entry.status == "withdrawn" and entry.revisions[0].action == "Withdrawn"
    planning.accept_plan(ctx, alice, pid, proposals[2].id, start)
    with pytest.raises(CorrectionRefused, match="Only a proposed plan") as refused:
        service.withdraw_plan(ctx, alice, pid, proposals[2].id, {"reason": "changed my mind"})
    assert refused.value.field == "reason"


@pytest.mark.parametrize(("kind", "body", "field"), [
    ("patient", {"changes": {"family_name": "X"}}, "reason"),
    ("patient", {"reason": "ok?", "changes": {"date_of_birth": "1800-01-01"}},
     "date_of_birth"),
    ("patient", {"reason": "typo", "changes": {"clinic_id": 2}}, "clinic_id"),
    ("medicine", {"reason": "typo", "changes": {"start_on": "2999-01-01"}}, "start_on"),
    ("medicine", {"reason": "typo", "changes": {"start_on": "1960-01-01"}}, "start_on"),
    ("medicine", {"reason": "typo", "changes": {"daily_dose": -5}}, "daily_dose"),
    ("medicine", {"reason": "typo", "changes": {"unit": "mg"}}, "drug"),
])
def test_a_bad_correction_names_its_field_and_writes_nothing(
    ctx: Context, alice: Any, kind: str, body: dict[str, Any], field: str
) -> None:
    pid = accepted_patient(ctx, alice)
    drug = medication.add_medication(ctx, alice, pid, {
        "drug": "tramadol", "daily_dose": 100, "unit": "mg", "start_on": START.isoformat()})
    ref = "details" if kind == "patient" else str(drug.id)
    before = _entry(ctx, alice, pid, kind, ref)
    with pytest.raises(CorrectionRefused) as refused:
        service.amend_record(ctx, alice, pid, kind, ref, body)
    assert refused.value.field == field and str(refused.value)[0].isupper()
    assert "_" not in str(refused.value).split(":")[0]
    assert _entry(ctx, alice, pid, kind, ref) == before and _revisions(ctx) == 0
    assert _corrections_audited(ctx, kind) == ["failure"]


def test_a_correction_of_a_record_changed_since_is_refused(ctx: Context, alice: Any) -> None:
    pid = new_patient(ctx, alice)
    service.amend_record(ctx, alice, pid, "patient", "details",
                         {"reason": "new phone", "changes": {"phone": "+41 44 000 00 00"}})
    with pytest.raises(Conflict):
        service.amend_record(ctx, alice, pid, "patient", "details",
                             {"reason": "old form", "changes": {"phone": "0"}, "version": 1})
    assert _revisions(ctx) == 1


def test_corrections_are_scoped_to_the_clinic_and_the_role(ctx: Context, actors: Any) -> None:
    alice, charlie, dana = (actors[n].actor for n in ("alice", "charlie", "dana"))
    pid = new_patient(ctx, alice)
    with pytest.raises(NotFound):
        service.amend_record(ctx, charlie, pid, "patient", "details",
                             {"reason": "hijack", "changes": {"family_name": "X"}})
    with pytest.raises(PermissionDenied):
        service.mark_entered_in_error(ctx, dana, pid, "episode", "1", {"reason": "nope"})
    with pytest.raises(NotFound):
        service.amend_record(ctx, alice, pid, "nonsense", "1", {"reason": "typo"})
    assert _revisions(ctx) == 0


def test_an_entered_in_error_record_is_not_corrected_again(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    view = sessions.record_session(ctx, alice, pid, session())
    service.mark_entered_in_error(ctx, alice, pid, "session", str(view.id), {"reason": "wrong"})
    with pytest.raises(CorrectionRefused, match="already marked"):
        service.amend_record(ctx, alice, pid, "session", str(view.id),
                             {"reason": "fix", "changes": {"session_minutes": 20}})
    assert _revisions(ctx) == 1


def test_erasure_reaches_the_names_kept_in_the_history(ctx: Context, actors: Any) -> None:
    import json

    from acuneuro.services.subject_rights import erase_patient

    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    service.amend_record(ctx, alice, pid, "patient", "details", {
        "reason": "Married name Quasthoff", "changes": {"family_name": "Quasthoff",
                                                        "phone": "+44 20 7946 0991"}})
    event = course.add_adverse_event(ctx, alice, pid, {
        "on": START.isoformat(), "type": "other", "description": "dizzy", "grade": 1,
        "relatedness": "possible", "action": "none", "outcome": "resolved"})
    service.amend_record(ctx, alice, pid, "adverse-event", str(event.id), {
        "reason": "Quasthoff said it lasted longer", "changes": {"note": "dizzy for an hour"}})
    erase_patient(ctx, actors["erin"].actor, pid, "request 2026-7, Art. 17")
    with ctx.db.read() as s:
        stored = json.dumps([[r.reason, r.previous_json, r.changed_json]
                             for r in s.scalars(select(RecordRevision))], default=str)
    assert [t for t in ("Planned", "Quasthoff", "7946", "1968-03-02") if t in stored] == []
    assert len(_entry(ctx, alice, pid, "patient").revisions) == 1


def test_the_fhir_bundle_retracts_entered_in_error_records_and_carries_versions(
    ctx: Context, alice: Any
) -> None:
    from acuneuro.services import course_fhir

    pid = accepted_patient(ctx, alice)
    kept = sessions.record_session(ctx, alice, pid, session(day(0)))
    wrong = sessions.record_session(ctx, alice, pid, session(day(1)))
    service.amend_record(ctx, alice, pid, "session", str(kept.id),
                         {"reason": "Minutes", "changes": {"session_minutes": 30}})
    service.mark_entered_in_error(ctx, alice, pid, "session", str(wrong.id),
                                  {"reason": "Not this patient"})
    ref = _entry(ctx, alice, pid, "episode").ref
    service.mark_entered_in_error(ctx, alice, pid, "episode", ref, {"reason": "Wrong code"})
    bundle = course_fhir.export_bundle(ctx, alice, pid)
    procedures = [e["resource"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Procedure"]
    assert sorted((p["status"], p["meta"]["versionId"]) for p in procedures) == [
        ("completed", "2"), ("entered-in-error", "2")]
    (condition,) = [e["resource"] for e in bundle["entry"]
                    if e["resource"]["resourceType"] == "Condition"]
    assert condition["verificationStatus"]["coding"][0]["code"] == "entered-in-error"
    # Re-imported, the retracted session and condition are not part of the course.
    copy = course_fhir.import_bundle(ctx, alice, bundle)
    assert [s.on for s in sessions.list_sessions(ctx, alice, copy)] == [day(0)]
    assert patient_service.get_patient(ctx, alice, copy).episodes == []


def test_a_patient_update_through_the_api_keeps_the_old_details_in_the_history(
    ctx: Context, alice: Any
) -> None:
    from acuneuro.i18n import format_date
    from acuneuro.services import PatientUpdate

    pid = new_patient(ctx, alice)
    patient_service.update_patient(ctx, alice, pid, PatientUpdate(date_of_birth=date(1968, 3, 3)))
    patient_service.update_patient(ctx, alice, pid, PatientUpdate(phone=None))  # no change
    entry = _entry(ctx, alice, pid, "patient")
    assert entry.version == 2
    (rev,) = entry.revisions
    assert rev.reason.startswith("Changed through the patient API")
    assert [(c.label, c.after) for c in rev.changes] == [
        ("Date of birth", format_date(date(1968, 3, 3)))]
