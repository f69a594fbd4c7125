"""Adverse events and the report source of a course."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from acuneuro.services import Context, NotFound, PermissionDenied, sessions
from acuneuro.services import course as service
from acuneuro.services.sessions import CourseRefused

from ._course import START, accepted_patient, day, session
from .test_planning import TODAY, new_patient


@pytest.fixture
def alice(actors: Any) -> Any:
    return actors["alice"].actor


def _event(**extra: Any) -> dict[str, Any]:
    return {"on": START.isoformat(), "type": "haematoma", "grade": 1,
            "relatedness": "probable", "action": "pressure_applied", "outcome": "resolved",
            **extra}


def test_it_records_an_adverse_event_tied_to_its_session(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    sessions.record_session(ctx, alice, pid, session())
    view = service.add_adverse_event(ctx, alice, pid, _event(session_number=1))
    assert view.event.session_number == 1
    assert [e.event for e in service.list_adverse_events(ctx, alice, pid)] == [view.event]


def test_it_refuses_an_event_for_an_unrecorded_session_or_an_unknown_word(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    with pytest.raises(CourseRefused, match="Session 4 is not recorded"):
        service.add_adverse_event(ctx, alice, pid, _event(session_number=4))
    with pytest.raises(ValidationError, match="relatedness"):
        service.add_adverse_event(ctx, alice, pid, _event(relatedness="maybe"))
    assert service.list_adverse_events(ctx, alice, pid) == []


def test_the_report_source_holds_the_course(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    sessions.record_session(ctx, alice, pid, session())
    service.add_adverse_event(ctx, alice, pid, _event(session_number=1))
    source = service.report_source(ctx, alice, pid, today=day(3))
    assert source.first_session == START and source.patient.identifier == pid
    assert source.patient.name == "Ada Planned"
    assert source.diagnosis.startswith("Chemotherapy-induced peripheral neuropathy")
    assert source.course.planned_sessions == 16
    assert len(source.sessions) == 1 and len(source.adverse_events) == 1


def test_there_is_no_report_without_an_accepted_plan(ctx: Context, alice: Any) -> None:
    pid = new_patient(ctx, alice)
    with pytest.raises(CourseRefused, match="no accepted plan"):
        service.report_source(ctx, alice, pid, today=TODAY)


def test_events_are_scoped(ctx: Context, actors: Any, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    with pytest.raises(NotFound):
        service.add_adverse_event(ctx, actors["charlie"].actor, pid, _event())
    with pytest.raises(PermissionDenied):
        service.report_source(ctx, actors["dana"].actor, pid, today=TODAY)
