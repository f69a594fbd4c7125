"""Practitioner profiles sign records and letters; the calendar feed shows no clinical detail."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from acuneuro.services import Context, NotFound, PermissionDenied
from acuneuro.services import appointments as appointment_service
from acuneuro.services import course as course_service
from acuneuro.services.calendar_feed import feed_for_token, initials
from acuneuro.services.practitioners import (
    FieldRefused,
    ProfileIn,
    issue_feed_token,
    list_practitioners,
    profile_of,
    revoke_feed_token,
    save_profile,
)

from ._appointments import MONDAY, profiles
from ._course import accepted_patient


def test_an_account_without_a_profile_has_none_and_an_admin_gives_one(ctx: Context,
                                                                       actors: Any) -> None:
    alice = actors["alice"].actor
    assert profile_of(ctx, alice) is None
    profiles(ctx, actors)
    mine = profile_of(ctx, alice)
    assert mine is not None and mine.signature == "Dr Alice Able, MD (registration REG-1)"
    # Saving again changes the same profile, never a second one.
    save_profile(ctx, actors["erin"].actor, "ALICE@example.org ",
                 ProfileIn(display_name="Dr Alice Able-Smith", qualification=" "))
    names = [(p.display_name, p.qualification) for p in list_practitioners(ctx, alice)]
    assert names == [("Dr Alice Able-Smith", None), ("Dr Bob Baker", "MD")]


def test_only_an_administrator_writes_profiles_and_only_of_their_clinic(ctx: Context,
                                                                         actors: Any) -> None:
    with pytest.raises(PermissionDenied):
        save_profile(ctx, actors["alice"].actor, "alice@example.org",
                     ProfileIn(display_name="Me"))
    with pytest.raises(FieldRefused) as refused:
        save_profile(ctx, actors["erin"].actor, "charlie@example.org",
                     ProfileIn(display_name="Dr Charlie"))
    assert refused.value.field == "email"


def test_the_referral_letter_is_signed_by_the_profile_not_the_login(ctx: Context,
                                                                    actors: Any) -> None:
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    before = course_service.report_source(ctx, alice, pid, today=date.today())
    assert before.clinician == "alice@example.org"  # no profile yet: the login is all we have
    profiles(ctx, actors)
    after = course_service.report_source(ctx, alice, pid, today=date.today())
    assert after.clinician == "Dr Alice Able, MD (registration REG-1)"


def test_the_feed_shows_times_and_initials_never_names_or_clinical_detail(
    ctx: Context, actors: Any
) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    today = date.today()
    pid = accepted_patient(ctx, alice, start=today)
    made = appointment_service.propose_course(ctx, alice, pid, ids["alice"], today=today)
    token = issue_feed_token(ctx, alice, ids["alice"])  # her own feed: no admin needed
    body = feed_for_token(ctx, token, today=today)
    calendar = Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len([a for a in made if a.on_day <= today + timedelta(days=90)])
    text = body.decode()
    for secret in ("Ada", "Planned", "CIPN", "cipn", "G62", pid, "nrs", "session"):
        assert secret not in text, secret
    assert {str(e["SUMMARY"]) for e in events} == {"A. P. appointment"}
    assert {str(e["STATUS"]) for e in events} == {"TENTATIVE"}
    first = events[0]
    assert first.decoded("DTSTART").tzinfo is not None
    assert first.decoded("DTEND") - first.decoded("DTSTART") == timedelta(minutes=45)


def test_a_new_feed_secret_ends_the_old_one_and_revoking_ends_both(ctx: Context,
                                                                   actors: Any) -> None:
    ids = profiles(ctx, actors)
    erin, bob = actors["erin"].actor, actors["bob"].actor
    old = issue_feed_token(ctx, erin, ids["alice"])
    new = issue_feed_token(ctx, erin, ids["alice"])
    with pytest.raises(NotFound):
        feed_for_token(ctx, old, today=MONDAY)
    assert feed_for_token(ctx, new, today=MONDAY).startswith(b"BEGIN:VCALENDAR")
    with pytest.raises(PermissionDenied):  # bob may not reissue alice's
        issue_feed_token(ctx, bob, ids["alice"])
    revoke_feed_token(ctx, erin, ids["alice"])
    with pytest.raises(NotFound):
        feed_for_token(ctx, new, today=MONDAY)
    with pytest.raises(NotFound):
        feed_for_token(ctx, "", today=MONDAY)


def test_initials_take_the_given_name_and_the_last_part_of_the_family_name() -> None:
    assert initials("quinn", "Synthetic-Maple") == "Q. M."
    assert initials("Ada", "") == "A."


def test_a_session_recorded_without_a_practitioner_is_signed_by_the_profile(
    ctx: Context, actors: Any
) -> None:
    from acuneuro.services import sessions

    from ._course import START, session

    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice)
    profiles(ctx, actors)
    body = session(START)
    del body["practitioner"]
    recorded = sessions.record_session(ctx, alice, pid, body)
    assert recorded.record.practitioner is not None
    assert (recorded.record.practitioner.name, recorded.record.practitioner.qualification) == (
        "Dr Alice Able", "MD")
    # Given in the form, the form's words stand.
    given = sessions.record_session(ctx, alice, pid, session(START + timedelta(days=3)))
    assert given.record.practitioner is not None
    assert given.record.practitioner.name == "A. Clinician"
