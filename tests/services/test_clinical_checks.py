"""Validation a clinic expects: no clinical date after today or before birth; a session beyond
the course or a second attended one on a day only with a confirmation; nothing written else."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acuneuro.services import Context, assessment, course, medication, sessions
from acuneuro.services import patients as patient_service
from acuneuro.services.corrections import FieldRefused, NeedsConfirmation
from acuneuro.services.sessions import CourseRefused

from ._course import START, accepted_patient, day, session
from .test_planning import new_patient

TOMORROW = date.today() + timedelta(days=1)
BEFORE_BIRTH = date(1968, 3, 1)  # new_patient is born 1968-03-02


@pytest.fixture
def alice(actors: Any) -> Any:
    return actors["alice"].actor


def _refused(call: Any, field: str) -> None:
    with pytest.raises(FieldRefused) as refused:
        call()
    assert refused.value.field == field
    message = str(refused.value)
    assert message[0].isupper() and message.endswith(".") and "_" not in message


@pytest.mark.parametrize("on", [TOMORROW, BEFORE_BIRTH])
def test_an_adverse_event_after_today_or_before_birth_is_refused_and_not_written(
    ctx: Context, alice: Any, on: date
) -> None:
    pid = accepted_patient(ctx, alice)
    _refused(lambda: course.add_adverse_event(ctx, alice, pid, {
        "on": on.isoformat(), "type": "haematoma", "grade": 1, "relatedness": "probable",
        "action": "none", "outcome": "resolved"}), "on")
    assert course.list_adverse_events(ctx, alice, pid) == []


def test_a_medicine_started_before_birth_is_refused(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    _refused(lambda: medication.add_medication(ctx, alice, pid, {
        "drug": "tramadol", "daily_dose": 100, "unit": "mg",
        "start_on": BEFORE_BIRTH.isoformat()}), "start_on")
    assert medication.medication_summary(ctx, alice, pid, on=START).statements == []


def test_a_score_before_birth_is_refused(ctx: Context, alice: Any) -> None:
    pid = new_patient(ctx, alice)
    _refused(lambda: assessment.record_score(ctx, alice, pid, {
        "instrument": "nrs", "answers": {"pain": 5}, "taken_on": BEFORE_BIRTH.isoformat()}),
        "taken_on")
    assert assessment.list_scores(ctx, alice, pid) == []


def test_an_onset_before_birth_is_refused_at_registration(ctx: Context, alice: Any) -> None:
    _refused(lambda: new_patient(ctx, alice, kind=None, condition={
        "kind": "dpn", "onset": BEFORE_BIRTH.isoformat()}), "onset")
    assert patient_service.search_patients(ctx, alice).total == 0


@pytest.mark.parametrize("on", [TOMORROW, BEFORE_BIRTH])
def test_a_session_after_today_or_before_birth_is_refused(
    ctx: Context, alice: Any, on: date
) -> None:
    pid = accepted_patient(ctx, alice)
    _refused(lambda: sessions.record_session(ctx, alice, pid, session(on)), "on")
    assert sessions.list_sessions(ctx, alice, pid) == []


def test_a_second_attended_session_on_one_day_needs_a_confirmation(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    sessions.record_session(ctx, alice, pid, session(day(0)))
    with pytest.raises(NeedsConfirmation, match="already recorded on"):
        sessions.record_session(ctx, alice, pid, session(day(0)))
    assert len(sessions.list_sessions(ctx, alice, pid)) == 1
    sessions.record_session(ctx, alice, pid, session(day(0), confirm=True))
    assert len(sessions.list_sessions(ctx, alice, pid)) == 2
    # A missed visit on a day with a session is no second session.
    sessions.record_session(ctx, alice, pid, {"on": day(0).isoformat(), "attendance": "missed",
                                              "reason_not_attended": "came earlier"})


def test_a_session_beyond_the_course_needs_a_confirmation(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)  # 16 sessions
    sessions.record_session(ctx, alice, pid, session(day(0)))
    with pytest.raises(NeedsConfirmation, match="beyond the planned course of 16") as asked:
        sessions.record_session(ctx, alice, pid, session(day(1), number=17))
    assert isinstance(asked.value, CourseRefused) and asked.value.warnings
    assert len(sessions.list_sessions(ctx, alice, pid)) == 1
    view = sessions.record_session(ctx, alice, pid, session(day(1), number=17, confirm=True))
    assert view.number == 17


@given(on=st.dates(date(1900, 1, 1), date(2100, 1, 1)),
       born=st.dates(date(1900, 1, 1), date(2030, 1, 1)),
       today=st.dates(date(2000, 1, 1), date(2050, 1, 1)))
def test_a_clinical_date_is_refused_exactly_after_today_or_before_birth(
    on: date, born: date, today: date
) -> None:
    from acuneuro.services.corrections import check_clinical_date

    try:
        check_clinical_date("on", "The date", on, born, today)
        refused = None
    except FieldRefused as exc:
        refused = exc
    assert (refused is not None) == (on > today or on < born)
    if refused is not None:
        assert refused.field == "on"


@given(number=st.integers(1, 60), length=st.integers(1, 40), attended=st.booleans(),
       same_day=st.booleans())
def test_only_an_attended_session_beyond_the_course_or_on_a_busy_day_asks(
    number: int, length: int, attended: bool, same_day: bool
) -> None:
    from acuneuro.services.corrections import session_warnings

    on = date(2026, 1, 5)
    days = {on} if same_day else {on - timedelta(days=1)}
    warnings = session_warnings(number, length, on, attended, days)
    expected = attended * ((number > length) + same_day)
    assert len(warnings) == expected
