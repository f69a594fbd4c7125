"""Session use cases: the day's screen gates the record; refusals write nothing; adherence."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from acuneuro.knowledge import fact_windows
from acuneuro.services import Context, NotFound, PermissionDenied
from acuneuro.services import sessions as service
from acuneuro.services.sessions import CourseRefused
from acuneuro.store import AuditEvent, TreatmentSession

from ._course import START, accepted_patient, day, session
from .test_planning import new_patient

ULCER_LEFT_FOOT = {"skin": [{"finding": "ulcer", "region": "foot", "side": "left"}]}
LOW_PLATELETS = {"labs": {"taken": START.isoformat(), "platelets_per_ul": 30000,
                          "anc_per_ul": 2400}}


@pytest.fixture
def alice(actors: Any) -> Any:
    return actors["alice"].actor


def _rows(ctx: Context) -> int:
    with ctx.db.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(TreatmentSession)) or 0


def _last_audit(ctx: Context) -> tuple[str, str, str]:
    with ctx.db.read() as s:
        e = s.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert e is not None
        return (e.action, e.resource, e.outcome)


def test_it_records_a_session_of_the_plan_with_its_screen(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    view = service.record_session(ctx, alice, pid, session())
    assert (view.number, view.attendance, view.screen_status) == (1, "attended", "go")
    assert [p.code for p in view.record.points][:2] == ["EX-LE10", "LR3"]
    assert _last_audit(ctx) == ("create", "session", "success")
    second = service.record_session(ctx, alice, pid, session(day(3)))
    assert second.number == 2


def test_it_refuses_a_point_the_days_screen_excluded_and_writes_nothing(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    with pytest.raises(CourseRefused) as refused:
        service.record_session(ctx, alice, pid, session(day=ULCER_LEFT_FOOT))
    assert "EX-LE10" in str(refused.value) and "skin-lesion-site" in str(refused.value)
    assert _rows(ctx) == 0
    assert _last_audit(ctx) == ("create", "session", "failure")
    # Leaving the foot points out, and saying why, is allowed on that day.
    kept = [("ST36", "both"), ("SP6", "both"), ("LI4", "both"), ("PC6", "both")]
    view = service.record_session(ctx, alice, pid, session(
        points=kept, day=ULCER_LEFT_FOOT, deviation="foot points left out: ulcer on left foot"))
    assert view.deviation and _rows(ctx) == 1


def test_it_refuses_an_unacknowledged_caution_and_accepts_it_acknowledged(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    with pytest.raises(CourseRefused, match="caution thrombocytopenia is not acknowledged"):
        service.record_session(ctx, alice, pid, session(day=LOW_PLATELETS))
    assert _rows(ctx) == 0
    view = service.record_session(ctx, alice, pid, session(
        day=LOW_PLATELETS, acknowledged=["thrombocytopenia"]))
    assert view.screen_status == "caution" and view.acknowledged == ["thrombocytopenia"]


def test_it_asks_why_the_session_departed_from_the_plan(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    with pytest.raises(CourseRefused, match="LI4 planned but not needled"):
        service.record_session(ctx, alice, pid, session(points=[("ST36", "both")]))
    assert _rows(ctx) == 0


def test_it_records_cancelled_and_missed_sessions_for_adherence(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    service.record_session(ctx, alice, pid, session())
    service.record_session(ctx, alice, pid, {"on": day(3).isoformat(), "attendance": "missed",
                                             "reason_not_attended": "unwell"})
    service.record_session(ctx, alice, pid, {"on": day(7).isoformat(),
                                             "attendance": "cancelled",
                                             "reason_not_attended": "transport"})
    overview = service.course_overview(ctx, alice, pid, today=day(7))
    a = overview.adherence
    assert (a.planned, a.attended, a.missed, a.cancelled) == (3, 1, 1, 1)
    assert overview.next_number == 4 and overview.planned_sessions == 16
    assert [v.number for v in overview.due_today] == [3]
    assert [v.attendance for v in overview.schedule[:3]] == ["attended", "missed", "cancelled"]


def test_it_refuses_a_second_record_of_one_session(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    service.record_session(ctx, alice, pid, session(number=1))
    with pytest.raises(CourseRefused, match="already recorded"):
        service.record_session(ctx, alice, pid, session(number=1))
    assert _rows(ctx) == 1


def test_it_needs_an_accepted_plan(ctx: Context, alice: Any) -> None:
    pid = new_patient(ctx, alice)
    with pytest.raises(CourseRefused, match="no accepted plan"):
        service.record_session(ctx, alice, pid, session())


def test_it_names_the_field_of_a_bad_day_fact(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    with pytest.raises(ValidationError, match="labs"):
        service.record_session(ctx, alice, pid, session(day={"labs": {"platelets_per_ul": -1}}))
    assert _rows(ctx) == 0


def test_it_hides_another_clinics_patient_and_refuses_other_roles(
    ctx: Context, actors: Any, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    with pytest.raises(NotFound):
        service.record_session(ctx, actors["charlie"].actor, pid, session())
    with pytest.raises(NotFound):
        service.list_sessions(ctx, actors["charlie"].actor, pid)
    for role in ("dana", "erin"):
        with pytest.raises(PermissionDenied):
            service.record_session(ctx, actors[role].actor, pid, session())
    with pytest.raises(PermissionDenied):
        service.course_overview(ctx, actors["dana"].actor, pid, today=date.today())
    assert _rows(ctx) == 0
    assert service.list_sessions(ctx, actors["erin"].actor, pid) == []


def test_the_day_screen_previews_the_plan_points_and_cautions(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    found = service.day_screen(ctx, alice, pid, LOW_PLATELETS, START)
    assert found.screen.status == "caution"
    assert [f.rule for f in found.screen.cautions] == ["thrombocytopenia"]
    assert found.points[0].code == "EX-LE10"


# --- the day's screen keeps what is known (issue 12 item 7) -----------------------------------

def _low_platelet_patient(ctx: Context, alice: Any) -> str:
    return accepted_patient(ctx, alice, platelets_per_ul=42000)


def test_todays_inr_alone_keeps_the_plans_platelet_caution_and_its_date(
    ctx: Context, alice: Any
) -> None:
    pid = _low_platelet_patient(ctx, alice)
    found = service.day_screen(ctx, alice, pid, {"labs": {"taken": day(2).isoformat(),
                                                          "inr": 2.4}}, day(2))
    assert "thrombocytopenia" in [f.rule for f in found.screen.cautions]
    lines = {line.label: line for line in found.facts}
    assert lines["Platelets"].shown == "42,000/µL" and lines["Platelets"].current
    assert lines["Platelets"].came_from == f"from the plan, {START.day} {START:%b %Y}"
    assert lines["INR"].came_from == "entered today"


def test_a_session_keeps_its_facts_for_the_next_one(ctx: Context, alice: Any) -> None:
    pid = _low_platelet_patient(ctx, alice)
    service.record_session(ctx, alice, pid, session(
        day(1), day={"labs": {"taken": day(1).isoformat(), "inr": 2.4}},
        acknowledged=["thrombocytopenia"]))
    with ctx.db.read() as s:
        row = s.scalars(sa.select(TreatmentSession)).one()
        assert row.screen_json is not None
        stored = row.screen_json["facts"]
    assert stored["labs.inr"]["origin"] == "session" and stored["labs.inr"]["session"] == 1
    assert stored["labs.platelets_per_ul"]["origin"] == "plan"
    later = service.day_screen(ctx, alice, pid, {}, day(2))
    lines = {line.label: line for line in later.facts}
    assert lines["INR"].shown == "2.4"
    assert lines["INR"].came_from == f"from session 1, {day(1).day} {day(1):%b %Y}"
    assert "thrombocytopenia" in [f.rule for f in later.screen.cautions]


def test_a_known_value_turns_not_assessed_just_outside_its_window(
    ctx: Context, alice: Any
) -> None:
    pid = _low_platelet_patient(ctx, alice)
    days = next(w for w in fact_windows() if w.id == "platelets").max_age_days
    assert days is not None  # the plan's chemotherapy ended long ago: the fact's own window
    inside = service.day_screen(ctx, alice, pid, {}, day(days))
    assert "thrombocytopenia" in [f.rule for f in inside.screen.cautions]
    assert not [f for f in inside.screen.findings if "Platelets, last known" in f.message]
    outside = service.day_screen(ctx, alice, pid, {}, day(days + 1))
    named = [f for f in outside.screen.cautions
             if f.not_assessed and "Platelets, last known: 42,000/µL" in f.message]
    assert len(named) == 1
    with pytest.raises(CourseRefused, match=f"caution {named[0].rule} is not acknowledged"):
        service.record_session(ctx, alice, pid, session(day(days + 1), acknowledged=[
            f.rule for f in outside.screen.cautions if f.rule != named[0].rule]))
    assert _rows(ctx) == 0


@pytest.mark.parametrize(("bad", "where"), [
    ({"labs": {"taken": "2999-01-01", "inr": 2.0}}, ("day", "labs", "taken")),
    ({"labs": {"platelets_per_ul": -5}}, ("day", "labs", "platelets_per_ul")),
    ({"skin": [{"finding": "ulcer", "region": "elbow", "side": "left"}]},
     ("day", "skin", 0, "region")),
])
def test_a_bad_day_fact_is_refused_naming_its_field_and_nothing_is_written(
    ctx: Context, alice: Any, bad: dict[str, Any], where: tuple[Any, ...]
) -> None:
    pid = accepted_patient(ctx, alice)
    with pytest.raises(ValidationError) as refused:
        service.record_session(ctx, alice, pid, session(day=bad))
    assert refused.value.errors()[0]["loc"] == where
    assert _rows(ctx) == 0
