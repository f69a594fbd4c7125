"""Today's list: the day's appointments per practitioner with what is due at each."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from acuneuro.services import Context, sessions
from acuneuro.services import appointments as appointment_service
from acuneuro.services.today import todays_list
from acuneuro.store import AuditEvent

from ._appointments import open_every_day, profiles
from ._course import accepted_patient, session
from .test_planning import new_patient


def _book(ctx: Context, actor: Any, pid: str, practitioner: int, at: str,
          on: date | None = None) -> int:
    return appointment_service.book(ctx, actor, {
        "patient": pid, "practitioner_id": practitioner,
        "on_day": (on or date.today()).isoformat(), "starts": at}).id


def test_the_list_says_who_comes_when_and_what_is_due(ctx: Context, actors: Any) -> None:
    ids = profiles(ctx, actors)
    open_every_day(ctx, actors)
    alice = actors["alice"].actor
    today = date.today()
    # Started 50 days ago with a blood count then: the count is past its window today.
    treated = accepted_patient(ctx, alice, start=today - timedelta(days=50))
    starting = accepted_patient(ctx, alice, start=today)
    unplanned = new_patient(ctx, alice, given_name="Cleo")
    _book(ctx, alice, starting, ids["bob"], "09:00")
    _book(ctx, alice, treated, ids["alice"], "10:00")
    _book(ctx, alice, unplanned, ids["alice"], "08:00")
    _book(ctx, alice, unplanned, ids["alice"], "08:00", today + timedelta(days=1))
    cancelled = _book(ctx, alice, unplanned, ids["alice"], "11:00")
    appointment_service.cancel(ctx, alice, cancelled)
    rows = todays_list(ctx, alice, today)
    assert [(r.appointment.starts.isoformat("minutes"), r.appointment.practitioner_name)
            for r in rows] == [("08:00", "Dr Alice Able"), ("09:00", "Dr Bob Baker"),
                               ("10:00", "Dr Alice Able")]
    no_plan, first_day, later = rows
    assert not no_plan.has_plan and no_plan.instruments_due == []
    assert first_day.next_number == 1
    assert "Pain intensity numerical rating scale (0-10)" in first_day.instruments_due
    assert later.has_plan and later.next_number == 1
    assert any("latelet" in fact for fact in later.to_check)
    only_bob = todays_list(ctx, alice, today, ids["bob"])
    assert [r.appointment.patient for r in only_bob] == [starting]


def test_another_clinic_has_an_empty_day(ctx: Context, actors: Any) -> None:
    ids = profiles(ctx, actors)
    open_every_day(ctx, actors)
    alice = actors["alice"].actor
    _book(ctx, alice, new_patient(ctx, alice), ids["alice"], "09:00")
    assert todays_list(ctx, actors["charlie"].actor, date.today()) == []


def test_the_list_audits_each_patients_course_and_plan_read(ctx: Context, actors: Any) -> None:
    ids = profiles(ctx, actors)
    open_every_day(ctx, actors)
    alice = actors["alice"].actor
    treated = accepted_patient(ctx, alice, start=date.today())
    unplanned = new_patient(ctx, alice, given_name="Cleo")
    _book(ctx, alice, treated, ids["alice"], "09:00")
    _book(ctx, alice, unplanned, ids["alice"], "10:00")
    with ctx.db.read() as session:
        before = session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    todays_list(ctx, alice, date.today())
    with ctx.db.read() as session:
        rows = session.execute(sa.select(AuditEvent.resource, AuditEvent.patient_pseudo_id)
                               .where(AuditEvent.id > before, AuditEvent.action == "read")).all()
    # As course_overview (every patient) and day_screen (a patient with a plan) audit them.
    assert sorted(rows) == sorted([("session", treated[:32]), ("session", unplanned[:32]),
                                   ("plan", treated[:32])])


def test_the_list_says_what_the_session_page_says_before_and_after_a_session(
        ctx: Context, actors: Any) -> None:
    ids = profiles(ctx, actors)
    open_every_day(ctx, actors)
    alice = actors["alice"].actor
    today = date.today()
    # Started 50 days ago with a blood count then: the count is past its window today.
    pid = accepted_patient(ctx, alice, start=today - timedelta(days=50))
    _book(ctx, alice, pid, ids["alice"], "10:00")

    def said() -> tuple[Any, ...]:
        overview = sessions.course_overview(ctx, alice, pid, today=today)
        screen = sessions.day_screen(ctx, alice, pid, {}, today)
        return (overview.next_number, [f.label for f in screen.facts if not f.current],
                list({f.message: f for f in screen.screen.cautions
                      if not f.not_assessed}.values()))

    def listed() -> tuple[Any, ...]:
        (row,) = todays_list(ctx, alice, today)
        return (row.next_number, row.to_check, row.cautions)

    before = listed()
    assert before == said() == listed()  # asked again: the same answer
    assert before[0] == 1 and any("latelet" in fact for fact in before[1])
    # Today's session with a new blood count: the list follows it at once.
    labs = {"labs": {"taken": today.isoformat(), "platelets_per_ul": 150000, "anc_per_ul": 2400}}
    cautions = sessions.day_screen(ctx, alice, pid, labs, today).screen.cautions
    sessions.record_session(ctx, alice, pid, session(
        today, day=labs, acknowledged=[f.rule for f in cautions], confirm=True))
    after = listed()
    assert after == said()
    assert after[0] == 2 and not any("latelet" in fact for fact in after[1])
