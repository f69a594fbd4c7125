"""Today's list, the calendar and the booking, hours and profile forms through the test client."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pyotp
import sqlalchemy as sa
from fastapi.testclient import TestClient
from icalendar import Calendar

from acuneuro.services import Context, mfa
from acuneuro.services import appointments as appointment_service
from acuneuro.services.practitioners import issue_feed_token
from acuneuro.store import Appointment, ClinicCalendarRecord, Practitioner

from ..conftest import csrf_of
from ..services._appointments import MONDAY, SUNDAY, open_every_day, profiles
from ..services._course import accepted_patient
from ..services.test_planning import new_patient

Web = Callable[[str], TestClient]


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _admin(ctx: Context, actors: Any, app: Any) -> TestClient:
    """Erin (administrator) logged in with her second factor, as administrators must."""
    erin = actors["erin"]
    enrolment = mfa.begin_enrolment(ctx, erin.actor.user_id)
    totp = pyotp.TOTP(enrolment.secret)
    mfa.confirm_enrolment(ctx, erin.actor.user_id, totp.now())
    client = TestClient(app, base_url="http://localhost", follow_redirects=False)
    first = client.post("/login", data={"email": erin.email, "password": erin.password,
                                        "csrf": csrf_of(client)})
    assert first.headers["location"] == "/login/mfa"
    done = client.post("/login/mfa", data={"code": totp.at(time.time() + 30),
                                           "csrf": csrf_of(client, "/login/mfa")})
    assert done.headers["location"] == "/today"
    return client


def _count(ctx: Context, model: Any) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_after_login_the_home_page_is_todays_list_with_one_link_into_the_session_form(
    ctx: Context, actors: Any, web_as: Web
) -> None:
    ids = profiles(ctx, actors)
    open_every_day(ctx, actors)
    alice = actors["alice"].actor
    pid = accepted_patient(ctx, alice, start=date.today())
    appointment_service.book(ctx, alice, {"patient": pid, "practitioner_id": ids["alice"],
                                          "on_day": date.today().isoformat(),
                                          "starts": "09:00"})
    client = web_as("alice")
    assert client.get("/").headers["location"] == "/today"
    page = client.get("/today")
    assert page.status_code == 200
    assert "Dr Alice Able" in page.text and "Ada Planned" in page.text
    assert "09:00–09:30" in page.text
    assert f'href="/patients/{pid}/sessions/new"' in page.text
    form = client.get(f"/patients/{pid}/sessions/new")
    # The session form is signed by the profile, not the login e-mail.
    assert 'value="Dr Alice Able"' in form.text and 'value="MD"' in form.text
    assert 'value="alice@example.org"' not in form.text


def test_a_booking_on_a_closed_day_keeps_what_was_typed_and_writes_nothing(
    ctx: Context, actors: Any, web_as: Web
) -> None:
    ids = profiles(ctx, actors)
    pid = new_patient(ctx, actors["alice"].actor)
    client = web_as("alice")
    page = client.get(f"/appointments/new?patient={pid}")
    assert page.status_code == 200 and "Book appointment" in page.text
    answer = client.post("/appointments/new", data={
        "csrf": _csrf(page.text), "patient": pid, "practitioner_id": str(ids["alice"]),
        "on_day": SUNDAY.isoformat(), "starts": "09:15", "minutes": "30"})
    assert answer.status_code == 422
    assert re.search(r'id="on_day-error">The clinic is closed on [^<]*7 March 2027', answer.text)
    assert f'value="{SUNDAY.isoformat()}"' in answer.text and 'value="09:15"' in answer.text
    assert 'value="30"' in answer.text
    assert _count(ctx, Appointment) == 0
    ok = client.post("/appointments/new", data={
        "csrf": _csrf(page.text), "patient": pid, "practitioner_id": str(ids["alice"]),
        "on_day": MONDAY.isoformat(), "starts": "09:15", "minutes": ""})
    assert ok.status_code == 303 and "saved=booked" in ok.headers["location"]
    calendar = client.get(ok.headers["location"])
    assert "The appointment is booked." in calendar.text and "09:15–10:00" in calendar.text


def test_a_double_booking_is_refused_on_the_start_time(ctx: Context, actors: Any,
                                                       web_as: Web) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    first, second = new_patient(ctx, alice), new_patient(ctx, alice, given_name="Bea")
    appointment_service.book(ctx, alice, {"patient": first, "practitioner_id": ids["alice"],
                                          "on_day": MONDAY.isoformat(), "starts": "09:00"})
    client = web_as("alice")
    page = client.get(f"/appointments/new?patient={second}")
    answer = client.post("/appointments/new", data={
        "csrf": _csrf(page.text), "patient": second, "practitioner_id": str(ids["alice"]),
        "on_day": MONDAY.isoformat(), "starts": "09:30"})
    assert answer.status_code == 422
    assert 'id="starts-error">Dr Alice Able already has an appointment from 09:00' in answer.text
    assert _count(ctx, Appointment) == 1


def test_the_calendar_moves_cancels_and_marks_no_shows(ctx: Context, actors: Any,
                                                       web_as: Web) -> None:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    pid = new_patient(ctx, alice)
    booked = appointment_service.book(ctx, alice, {
        "patient": pid, "practitioner_id": ids["alice"], "on_day": MONDAY.isoformat(),
        "starts": "09:00"})
    client = web_as("alice")
    week = client.get(f"/calendar?practitioner={ids['alice']}&day={MONDAY}&view=week")
    assert week.status_code == 200 and week.text.count('class="calendar-day"') == 7
    move = client.get(f"/appointments/{booked.id}/move")
    refused = client.post(f"/appointments/{booked.id}/move", data={
        "csrf": _csrf(move.text), "on_day": MONDAY.isoformat(), "starts": "7 am"})
    assert refused.status_code == 422 and 'id="starts-error">The start time must be' in (
        refused.text) and 'value="7 am"' in refused.text
    moved = client.post(f"/appointments/{booked.id}/move", data={
        "csrf": _csrf(move.text), "on_day": (MONDAY + timedelta(days=1)).isoformat(),
        "starts": "10:00"})
    assert moved.status_code == 303 and "saved=moved" in moved.headers["location"]
    gone = client.post(f"/appointments/{booked.id}/cancel", data={"csrf": _csrf(move.text)})
    assert gone.status_code == 303
    assert appointment_service.appointment(ctx, alice, booked.id).status == "cancelled"
    assert client.post(f"/appointments/{booked.id}/explode",
                       data={"csrf": _csrf(move.text)}).status_code == 404
    other = client.get(f"/appointments/{booked.id}/move")
    assert other.status_code == 200
    assert web_as("charlie").get(f"/appointments/{booked.id}/move").status_code == 404


def test_the_patient_page_proposes_the_course_visits(ctx: Context, actors: Any,
                                                     web_as: Web) -> None:
    ids = profiles(ctx, actors)
    pid = accepted_patient(ctx, actors["alice"].actor, start=date.today())
    client = web_as("alice")
    page = client.get(f"/patients/{pid}")
    assert "Propose visits" in page.text and "No coming appointments." in page.text
    wrong = client.post(f"/patients/{pid}/appointments/propose",
                        data={"csrf": _csrf(page.text), "practitioner_id": "x"})
    assert wrong.status_code == 422 and "Choose a practitioner of this clinic." in wrong.text
    assert _count(ctx, Appointment) == 0
    answer = client.post(f"/patients/{pid}/appointments/propose",
                         data={"csrf": _csrf(page.text), "practitioner_id": str(ids["bob"])})
    assert answer.status_code == 303 and "saved=proposed" in answer.headers["location"]
    assert _count(ctx, Appointment) == 17
    assert "proposed, to confirm" in client.get(f"/patients/{pid}").text


def test_the_hours_form_refuses_a_bad_time_on_its_day_and_saves_nothing(
    ctx: Context, actors: Any, web_as: Web, app: Any
) -> None:
    client = _admin(ctx, actors, app)
    page = client.get("/clinic/hours")
    assert page.status_code == 200 and 'value="08:30"' in page.text
    data = {"csrf": _csrf(page.text), "opens_0_1": "09:00", "closes_0_1": "13:00",
            "opens_2_1": "14:00", "closes_2_1": "", "closed_yearly": "12-25, 12-26",
            "closed_dates": "", "appointment_minutes": "40", "timezone": "Europe/Rome"}
    answer = client.post("/clinic/hours", data=data)
    assert answer.status_code == 422
    assert 'id="hours_2-error">Give both an opening and a closing time' in answer.text
    assert 'value="12-25, 12-26"' in answer.text and 'value="14:00"' in answer.text
    bad_day = client.post("/clinic/hours", data={**data, "closes_2_1": "18:00",
                                                 "closed_yearly": "12-32"})
    assert bad_day.status_code == 422 and "12-32 is not a month and day" in bad_day.text
    assert _count(ctx, ClinicCalendarRecord) == 0
    saved = client.post("/clinic/hours", data={**data, "closes_2_1": "18:00"})
    assert saved.status_code == 303
    assert "The opening hours are saved." in client.get(saved.headers["location"]).text
    assert web_as("alice").get("/clinic/hours").status_code == 403


def test_the_profile_form_and_the_feed_address(ctx: Context, actors: Any, app: Any) -> None:
    client = _admin(ctx, actors, app)
    page = client.get("/clinic/practitioners")
    refused = client.post("/clinic/practitioners", data={
        "csrf": _csrf(page.text), "email": "nobody@example.org", "display_name": "Dr No",
        "qualification": "MD", "registration_number": "R1"})
    assert refused.status_code == 422
    assert 'id="email-error">No account of this clinic' in refused.text
    assert 'value="Dr No"' in refused.text and _count(ctx, Practitioner) == 0
    short = client.post("/clinic/practitioners", data={
        "csrf": _csrf(page.text), "email": "bob@example.org", "display_name": "B"})
    assert short.status_code == 422 and 'id="display_name-error"' in short.text
    saved = client.post("/clinic/practitioners", data={
        "csrf": _csrf(page.text), "email": "bob@example.org", "display_name": "Dr Bob Baker",
        "qualification": "MD", "registration_number": "R2"})
    assert saved.status_code == 303
    listing = client.get(saved.headers["location"])
    assert "Dr Bob Baker, MD (registration R2)" in listing.text
    practitioner = re.search(r'action="/clinic/practitioners/(\d+)/feed"', listing.text)
    assert practitioner
    made = client.post(f"/clinic/practitioners/{practitioner.group(1)}/feed",
                       data={"csrf": _csrf(listing.text)})
    address = re.search(r"<code>http://localhost(/feeds/[^<]+\.ics)</code>", made.text)
    assert address
    anonymous = TestClient(client.app)
    feed = anonymous.get(address.group(1))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert Calendar.from_ical(feed.content).get("X-WR-CALNAME") == "Dr Bob Baker"
    assert anonymous.get("/feeds/not-a-secret.ics").status_code == 404
    token = issue_feed_token(ctx, actors["erin"].actor, int(practitioner.group(1)))
    assert anonymous.get(address.group(1)).status_code == 404  # the old address ended
    assert anonymous.get(f"/feeds/{token}.ics").status_code == 200
