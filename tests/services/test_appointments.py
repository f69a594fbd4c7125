"""Booking, moving, cancelling and marking no-shows: every check before anything is written."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from acuneuro.clinical.calendar import default_calendar
from acuneuro.services import Context, NotFound, PermissionDenied
from acuneuro.services import appointments as service
from acuneuro.services.practitioners import FieldRefused
from acuneuro.store import Appointment, AuditEvent

from ._appointments import MONDAY, SUNDAY, profiles
from ._course import accepted_patient
from .test_planning import new_patient


def _count(ctx: Context) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Appointment)) or 0)


def _audit(ctx: Context, resource: str = "appointment") -> list[tuple[str, str]]:
    with ctx.db.read() as session:
        return [(e.action, e.outcome) for e in session.scalars(
            sa.select(AuditEvent).where(AuditEvent.resource == resource)
            .order_by(AuditEvent.id))]


def _book(ctx: Context, actor: Any, pid: str, practitioner: int, on: date = MONDAY,
          at: str = "09:00", **extra: str) -> service.AppointmentView:
    return service.book(ctx, actor, {"patient": pid, "practitioner_id": str(practitioner),
                                     "on_day": on.isoformat(), "starts": at, **extra})


def test_a_booking_is_stored_with_the_clinic_length_and_audited(ctx: Context, actors: Any
                                                                 ) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    pid = new_patient(ctx, alice)
    booked = _book(ctx, alice, pid, ids["alice"])
    assert (booked.starts, booked.minutes, booked.status) == (time(9), 45, "booked")
    assert booked.ends == time(9, 45) and booked.practitioner_name == "Dr Alice Able"
    assert booked.patient == pid and booked.patient_name == "Ada Planned"
    assert _audit(ctx)[-1] == ("create", "success")


@pytest.mark.parametrize(("on", "at", "minutes", "field", "words"), [
    (SUNDAY, "09:00", "", "on_day", "closed on"),
    (date(2027, 12, 24), "09:00", "", "on_day", "closed on"),
    (MONDAY, "07:30", "", "starts", "opening hours"),
    (MONDAY, "12:00", "", "starts", "opening hours"),
    (MONDAY, "17:30", "60", "starts", "opening hours"),
    (MONDAY, "9h", "", "starts", "a time such as"),
    (MONDAY, "09:00", "3", "minutes", "whole number of minutes"),
    (MONDAY, "09:00", "½", "minutes", "whole number of minutes"),
])
def test_a_booking_outside_opening_hours_is_refused_on_its_field_and_nothing_is_written(
    ctx: Context, actors: Any, on: date, at: str, minutes: str, field: str, words: str
) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    pid = new_patient(ctx, alice)
    with pytest.raises(FieldRefused, match=words) as refused:
        _book(ctx, alice, pid, ids["alice"], on, at, minutes=minutes)
    assert refused.value.field == field
    assert _count(ctx) == 0 and _audit(ctx) == [("create", "failure")]


def test_a_practitioner_cannot_be_booked_twice_at_once(ctx: Context, actors: Any) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    first, second = new_patient(ctx, alice), new_patient(ctx, alice, given_name="Bea")
    _book(ctx, alice, first, ids["alice"], at="09:00")
    with pytest.raises(FieldRefused, match="Dr Alice Able already has an appointment from 09:00"):
        _book(ctx, alice, second, ids["alice"], at="09:30")
    # Back to back, or another practitioner at the same time, is fine.
    _book(ctx, alice, second, ids["alice"], at="09:45")
    _book(ctx, alice, second, ids["bob"], at="09:30")
    assert _count(ctx) == 3


def test_a_cancelled_slot_can_be_booked_again(ctx: Context, actors: Any) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    pid = new_patient(ctx, alice)
    first = _book(ctx, alice, pid, ids["alice"])
    assert service.cancel(ctx, alice, first.id).status == "cancelled"
    assert _book(ctx, alice, pid, ids["alice"]).status == "booked"


def test_moving_checks_the_new_time_but_not_against_itself(ctx: Context, actors: Any) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    pid, other = new_patient(ctx, alice), new_patient(ctx, alice, given_name="Bea")
    booked = _book(ctx, alice, pid, ids["alice"], at="09:00")
    _book(ctx, alice, other, ids["alice"], at="10:00")
    moved = service.move(ctx, alice, booked.id, {"on_day": MONDAY.isoformat(), "starts": "09:15"})
    assert moved.starts == time(9, 15)
    with pytest.raises(FieldRefused, match="already has an appointment") as refused:
        service.move(ctx, alice, booked.id, {"on_day": MONDAY.isoformat(), "starts": "09:45"})
    assert refused.value.field == "starts"
    with pytest.raises(FieldRefused, match="closed"):
        service.move(ctx, alice, booked.id, {"on_day": SUNDAY.isoformat(), "starts": "09:00"})
    assert service.appointment(ctx, alice, booked.id).starts == time(9, 15)  # unchanged
    assert _audit(ctx).count(("update", "success")) == 1
    assert _audit(ctx).count(("update", "failure")) == 2


def test_status_changes_follow_the_visit_and_refuse_what_cannot_happen(
    ctx: Context, actors: Any
) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    pid = new_patient(ctx, alice)
    booked = _book(ctx, alice, pid, ids["alice"])
    assert service.no_show(ctx, alice, booked.id).status == "no-show"
    with pytest.raises(FieldRefused, match="already did not come"):
        service.cancel(ctx, alice, booked.id)
    with pytest.raises(FieldRefused, match="cannot be moved"):
        service.move(ctx, alice, booked.id, {"on_day": MONDAY.isoformat(), "starts": "10:00"})
    with pytest.raises(FieldRefused, match="already booked"):
        service.confirm(ctx, alice, _book(ctx, alice, pid, ids["alice"], at="11:00").id)


def test_another_clinic_sees_nothing_and_a_researcher_may_not_book(ctx: Context, actors: Any
                                                                     ) -> None:
    ids = profiles(ctx, actors)
    alice, charlie = actors["alice"].actor, actors["charlie"].actor
    pid = new_patient(ctx, alice)
    booked = _book(ctx, alice, pid, ids["alice"])
    with pytest.raises(NotFound):
        service.cancel(ctx, charlie, booked.id)
    with pytest.raises(NotFound):
        service.appointment(ctx, charlie, booked.id)
    assert ("read", "not_found") in _audit(ctx)
    assert service.appointments_between(ctx, charlie, MONDAY, MONDAY) == []
    with pytest.raises(FieldRefused) as refused:  # alice's practitioner is not charlie's
        _book(ctx, charlie, new_patient(ctx, charlie), ids["alice"])
    assert refused.value.field == "practitioner_id"
    with pytest.raises(NotFound):  # another clinic's patient, exactly like none at all
        _book(ctx, charlie, pid, ids["alice"])
    assert ("create", "not_found") in _audit(ctx)
    with pytest.raises(PermissionDenied):
        _book(ctx, actors["dana"].actor, pid, ids["alice"])
    assert ("create", "denied") in _audit(ctx)


def test_a_course_proposes_its_coming_visits_at_free_times_on_open_days(
    ctx: Context, actors: Any
) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    today = date.today()
    pid = accepted_patient(ctx, alice, start=today)
    made = service.propose_course(ctx, alice, pid, ids["alice"], today=today)
    # 16 sessions and the follow-up visit, each proposed, for the clinician to confirm.
    assert len(made) == 17 and {a.status for a in made} == {"proposed"}
    assert [a.session_number for a in made] == list(range(1, 18))
    days = [a.on_day for a in made]
    assert days == sorted(set(days))
    assert all(default_calendar().fits(a.on_day, a.starts, a.minutes) for a in made)
    # Proposing again adds nothing; confirming keeps the proposed time.
    assert service.propose_course(ctx, alice, pid, ids["alice"], today=today) == []
    confirmed = service.confirm(ctx, alice, made[0].id)
    assert (confirmed.status, confirmed.starts) == ("booked", made[0].starts)
    assert [a.id for a in service.appointments_of(ctx, alice, pid, today)] == [
        a.id for a in made]


def test_proposals_for_two_patients_do_not_double_book(ctx: Context, actors: Any) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    today = date.today()
    first, second = accepted_patient(ctx, alice, start=today), accepted_patient(
        ctx, alice, start=today)
    made = (service.propose_course(ctx, alice, first, ids["alice"], today=today)
            + service.propose_course(ctx, alice, second, ids["alice"], today=today))
    slots = [(a.on_day, a.starts) for a in made]
    assert len(slots) == len(set(slots)) == 34
    by_day: dict[date, list[service.AppointmentView]] = {}
    for a in made:
        by_day.setdefault(a.on_day, []).append(a)
    for items in by_day.values():
        items.sort(key=lambda a: a.starts)
        for a, b in itertools.pairwise(items):
            assert a.ends <= b.starts


def test_a_patient_without_an_accepted_plan_has_no_visits_to_propose(ctx: Context, actors: Any
                                                                       ) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    with pytest.raises(FieldRefused, match="no accepted plan"):
        service.propose_course(ctx, alice, new_patient(ctx, alice), ids["alice"],
                               today=date.today())
    assert _count(ctx) == 0


def test_the_week_lists_every_practitioner_in_time_order(ctx: Context, actors: Any) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    pid = new_patient(ctx, alice)
    _book(ctx, alice, pid, ids["bob"], MONDAY + timedelta(days=1), "10:00")
    _book(ctx, alice, pid, ids["alice"], MONDAY, "14:00")
    _book(ctx, alice, pid, ids["alice"], MONDAY, "09:00")
    week = service.appointments_between(ctx, alice, MONDAY, MONDAY + timedelta(days=6))
    assert [(a.on_day, a.starts) for a in week] == [
        (MONDAY, time(9)), (MONDAY, time(14)), (MONDAY + timedelta(days=1), time(10))]
    only_bob = service.appointments_between(ctx, alice, MONDAY, MONDAY + timedelta(days=6),
                                            ids["bob"])
    assert [a.practitioner_name for a in only_bob] == ["Dr Bob Baker"]
