"""Assessment use cases: scored and stored with the version, scoped to the clinic, audited."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.pain_type import classify
from acuneuro.clinical.scoring import (
    AnswerError,
    ClinicianOnlyError,
    UnknownInstrumentError,
    get_instrument,
    list_instruments,
    score,
)
from acuneuro.services import Context, NotFound, PatientCreate, PermissionDenied, patients
from acuneuro.services import assessment as service
from acuneuro.store import AuditEvent, ScoreRecord

CASE = Path(__file__).parents[1] / "data" / "case-example.json"
TAKEN = date(2026, 11, 20)
# Seven yes answers of ten: at or above the primary cut-off of 4/10 (Bouhassira 2005).
DN4_SEVEN = {"burning": True, "painful_cold": False, "electric_shocks": True, "tingling": True,
             "pins_and_needles": True, "numbness": True, "itching": False,
             "hypoesthesia_touch": True, "hypoesthesia_pinprick": True, "brushing": False}


def _patient(ctx: Context, actors: Any, who: str = "alice") -> str:
    data = PatientCreate.model_validate(
        {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1961-05-02",
         "condition": {"kind": "phn", "icd10": "B02.2", "onset": "2026-01-10"}})
    return patients.create_patient(ctx, actors[who].actor, data).id


def _dn4(answers: dict[str, Any] | None = None, taken_on: date = TAKEN) -> service.ScoreIn:
    return service.ScoreIn(instrument="dn4", answers=answers or DN4_SEVEN, taken_on=taken_on)


def _audit(ctx: Context, resource: str = "score") -> list[tuple[str, str, str | None]]:
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(AuditEvent).where(AuditEvent.resource == resource)
                               .order_by(AuditEvent.id))
        return [(r.action, r.outcome, r.patient_pseudo_id) for r in rows]


def _scores(ctx: Context) -> list[ScoreRecord]:
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(ScoreRecord)))


def test_it_stores_the_answers_the_score_and_the_instrument_version(
    ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    view = service.record_score(ctx, actors["alice"].actor, pid, _dn4())
    expected = score("dn4", DN4_SEVEN)
    assert (view.total, view.positive, view.reading) == (7, True, "positive")
    assert view.interpretation == expected.interpretation and view.note is None
    [row] = _scores(ctx)
    assert row.instrument_version == get_instrument("dn4").version == view.version
    assert (row.taken_on, row.total, row.positive) == (TAKEN, 7, True)
    assert row.answers_json == DN4_SEVEN and row.episode_id is not None
    assert row.created_by == actors["alice"].actor.user_id
    assert _audit(ctx) == [("create", "success", pid)]


def test_it_lists_newest_first_for_a_colleague_and_audits_the_read(
    ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    alice = actors["alice"].actor
    service.record_score(ctx, alice, pid, _dn4(taken_on=TAKEN - timedelta(days=30)))
    service.record_score(ctx, alice, pid, service.ScoreIn(
        instrument="nrs", answers={"pain": 6}, taken_on=TAKEN))
    listed = service.list_scores(ctx, actors["bob"].actor, pid)
    assert [(v.instrument, v.total, v.reading) for v in listed] == [
        ("nrs", 6, "no reading"), ("dn4", 7, "positive")]
    only_nrs = service.list_scores(ctx, alice, pid, instrument_id="nrs")
    assert [v.instrument for v in only_nrs] == ["nrs"]
    assert _audit(ctx)[-2:] == [("list", "success", pid), ("list", "success", pid)]


def test_another_clinics_patient_is_not_found_and_nothing_is_written(
    ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    service.record_score(ctx, actors["alice"].actor, pid, _dn4())
    charlie = actors["charlie"].actor
    for attempt in (
        lambda: service.record_score(ctx, charlie, pid, _dn4()),
        lambda: service.record_score(ctx, charlie, pid, {"instrument": "none"}),
        lambda: service.list_scores(ctx, charlie, pid),
        lambda: service.get_score(ctx, charlie, _scores(ctx)[0].id),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert len(_scores(ctx)) == 1
    assert [a for a in _audit(ctx) if a[1] != "success"] == [
        ("create", "not_found", pid), ("create", "not_found", pid),
        ("list", "not_found", pid), ("read", "not_found", None)]


def test_a_researcher_is_refused_and_the_refusal_is_audited(ctx: Context, actors: Any) -> None:
    pid = _patient(ctx, actors)
    with pytest.raises(PermissionDenied):
        service.record_score(ctx, actors["dana"].actor, pid, _dn4())
    with pytest.raises(PermissionDenied):
        service.list_scores(ctx, actors["dana"].actor, pid)
    assert _audit(ctx) == [("create", "denied", pid), ("list", "denied", pid)]
    assert _scores(ctx) == []


@pytest.mark.parametrize(
    ("answers", "item"),
    [({**DN4_SEVEN, "headache": True}, "headache"), ({**DN4_SEVEN, "burning": "yes"}, "burning")],
    ids=["unknown-item", "wrong-type"],
)
def test_bad_answers_name_the_item_and_write_nothing(
    ctx: Context, actors: Any, answers: dict[str, Any], item: str
) -> None:
    pid = _patient(ctx, actors)
    with pytest.raises(AnswerError) as caught:
        service.record_score(ctx, actors["alice"].actor, pid, _dn4(answers))
    assert caught.value.item == item
    with pytest.raises(AnswerError, match="'pain'"):
        service.record_score(ctx, actors["alice"].actor, pid,
                             {"instrument": "nrs", "answers": {"pain": 11}})
    with pytest.raises(UnknownInstrumentError):
        service.record_score(ctx, actors["alice"].actor, pid,
                             {"instrument": "dn5", "answers": {}})
    assert _scores(ctx) == [] and _audit(ctx) == []


@pytest.mark.parametrize(
    ("instrument", "answers", "item"),
    [
        ("dn4", DN4_SEVEN, "hypoesthesia_touch"),
        ("lanss", {"dysaesthesia": True, "allodynia": False}, "allodynia"),
        ("mnsi", {"q1_numb": True, "vibration_left": "absent"}, "vibration_left"),
    ],
)
def test_patient_mode_refuses_examination_items_naming_them_and_writes_nothing(
    ctx: Context, actors: Any, instrument: str, answers: dict[str, Any], item: str
) -> None:
    pid = _patient(ctx, actors)
    body = {"instrument": instrument, "answers": answers, "completed_by": "patient"}
    with pytest.raises(ClinicianOnlyError) as caught:
        service.record_score(ctx, actors["alice"].actor, pid, body)
    assert caught.value.item == item
    assert "recorded by the clinician" in caught.value.problem
    assert _scores(ctx) == [] and _audit(ctx) == []


def test_patient_mode_refuses_a_clinician_grading_and_takes_self_report_items(
    ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    alice = actors["alice"].actor
    grading = {"instrument": "ctcae-sensory-neuropathy", "answers": {"severity": "none"},
               "completed_by": "patient"}
    with pytest.raises(service.NotSelfReport, match="recorded by a clinician"):
        service.record_score(ctx, alice, pid, grading)
    assert _scores(ctx) == []
    interview = {k: v for k, v in DN4_SEVEN.items()
                 if not get_instrument("dn4").is_clinician_only(k)}
    view = service.record_score(ctx, alice, pid, {"instrument": "dn4", "answers": interview,
                                                  "completed_by": "patient"})
    # Items 8-10 are left for the clinician: the DN4 total is not computed, never guessed.
    assert view.total is None
    graded = service.record_score(ctx, alice, pid, {**grading, "completed_by": "clinician"})
    assert graded.total == 0


def test_a_future_date_or_an_unknown_field_is_refused(ctx: Context, actors: Any) -> None:
    pid = _patient(ctx, actors)
    alice = actors["alice"].actor
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for body, field in (
        ({"instrument": "nrs", "answers": {"pain": 3}, "taken_on": tomorrow}, "taken_on"),
        ({"instrument": "nrs", "answers": {"pain": 3}, "clinic_id": 2}, "clinic_id"),
    ):
        with pytest.raises(ValidationError) as caught:
            service.record_score(ctx, alice, pid, body)
        assert caught.value.errors()[0]["loc"] == (field,)
    assert _scores(ctx) == []


def test_a_stored_score_is_never_re_scored_when_the_definition_changes(
    ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    alice = actors["alice"].actor
    first = service.record_score(ctx, alice, pid, _dn4())
    second = service.record_score(ctx, alice, pid, _dn4(taken_on=TAKEN - timedelta(days=1)))
    # As if the definition had changed after scoring: an older version, and a stored total
    # that today's rules would not give for the stored answers.
    with ctx.db.write() as session:
        session.get(ScoreRecord, first.id).instrument_version = "1999 (old)"  # type: ignore[union-attr]
        session.get(ScoreRecord, second.id).total = 3  # type: ignore[union-attr]
    by_id = {v.id: v for v in service.list_scores(ctx, alice, pid)}
    old, changed = by_id[first.id], by_id[second.id]
    assert (old.total, old.version, old.interpretation) == (7, "1999 (old)", None)
    assert old.note is not None and "1999 (old)" in old.note
    assert (changed.total, changed.positive, changed.interpretation) == (3, True, None)
    assert changed.note is not None and "definition changed" in changed.note
    assert [r.total for r in sorted(_scores(ctx), key=lambda r: r.id)] == [7, 3]


def test_get_score_reads_one_and_audits_it(ctx: Context, actors: Any) -> None:
    pid = _patient(ctx, actors)
    stored = service.record_score(ctx, actors["alice"].actor, pid, _dn4())
    read = service.get_score(ctx, actors["bob"].actor, stored.id)
    assert read.model_dump() == stored.model_dump()
    assert _audit(ctx)[-1] == ("read", "success", pid)


def test_classifying_a_case_stores_and_audits_nothing(ctx: Context, actors: Any) -> None:
    case = ClinicalCase.model_validate_json(CASE.read_text())
    result = service.classify_case(case)
    assert result == classify(case) and result.neupsig_grade == "probable"
    assert _scores(ctx) == [] and _audit(ctx) == [] and _audit(ctx, "patient") == []


def test_every_instrument_is_stored_with_its_version_or_refused_alike_on_both_backends(
    ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    alice = actors["alice"].actor
    refused = []
    for listed in list_instruments():
        body = {"instrument": listed["id"], "answers": {}}
        if service.storable(listed["id"]):
            view = service.record_score(ctx, alice, pid, body)
            assert view.version == listed["version"]
        else:
            with pytest.raises(service.NotStorable, match=listed["id"]):
                service.record_score(ctx, alice, pid, body)
            refused.append(listed["id"])
    stored = {(r.instrument_id, r.instrument_version) for r in _scores(ctx)}
    assert stored == {(i["id"], i["version"]) for i in list_instruments()
                      if i["id"] not in refused}


def test_every_shipped_instrument_fits_the_store_with_its_version_label() -> None:
    # Migration 0005 widened the column; a longer label in a new definition must widen it again.
    assert [i["id"] for i in list_instruments() if not service.storable(i["id"])] == []
