"""A practitioner's appointments as an iCalendar feed (RFC 5545), opened by a secret address.

A calendar application fetches the address without logging in, so the address's secret is
the credential (like a private calendar link): 256 random bits, only its SHA-256 stored,
revocable from the clinic settings page (``services.practitioners``). The feed is read by
devices and servers outside the clinic's control, so it carries NO clinical detail: each
event's summary is the patient's initials and the word "appointment" (no name, no
diagnosis, no note, no instrument), the clinic as location, and the appointment's status.
Initials let the practitioner tell two patients apart; they identify no one outside the
clinic's own list. Events span the last 30 and the next 90 days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select

from acuneuro.i18n import gettext as _
from acuneuro.services._context import Context
from acuneuro.services._errors import NotFound
from acuneuro.services.audit import Action, record
from acuneuro.services.clinic_calendar import calendar_in, zone_of
from acuneuro.services.practitioners import feed_token_hash
from acuneuro.store import Appointment, Clinic, PatientIdentity, Practitioner

__all__ = ["feed_for_token", "initials"]

_BEFORE = timedelta(days=30)
_AFTER = timedelta(days=90)


def initials(given: str, family: str) -> str:
    """"A. B." from the given and family names (the last part of a hyphenated family name)."""
    family_part = family.split("-")[-1] if family else ""
    return " ".join(f"{n[:1].upper()}." for n in (given, family_part) if n)


def feed_for_token(ctx: Context, token: str, *, today: date) -> bytes:
    """The feed of the practitioner whose secret is ``token`` (``NotFound`` otherwise)."""
    if not token or len(token) > 128:
        raise NotFound(_("no such calendar"))
    with ctx.db.write() as session:
        practitioner = session.scalar(select(Practitioner).where(
            Practitioner.feed_token_hash == feed_token_hash(token)))
        if practitioner is None:
            raise NotFound(_("no such calendar"))
        clinic = session.get(Clinic, practitioner.clinic_id)
        calendar = calendar_in(session, practitioner.clinic_id)
        zone = zone_of(calendar)
        rows = session.execute(
            select(Appointment, PatientIdentity.given_name, PatientIdentity.family_name)
            .join(PatientIdentity, (PatientIdentity.patient_id == Appointment.patient_id)
                  & (PatientIdentity.clinic_id == Appointment.clinic_id))
            .where(Appointment.practitioner_id == practitioner.id,
                   Appointment.on_day >= today - _BEFORE, Appointment.on_day <= today + _AFTER)
            .order_by(Appointment.on_day, Appointment.starts)).all()
        feed = Calendar()
        feed.add("prodid", "-//acuneuro//appointments//EN")
        feed.add("version", "2.0")
        feed.add("x-wr-calname", practitioner.display_name)
        for row, given, family in rows:
            begin = datetime.combine(row.on_day, row.starts, tzinfo=zone)
            event = Event()
            event.add("uid", f"appointment-{row.id}@acuneuro")
            event.add("dtstamp", row.updated_at)
            event.add("dtstart", begin)
            event.add("dtend", begin + timedelta(minutes=row.minutes))
            event.add("summary", _("%(initials)s appointment") % {
                "initials": initials(given, family)})
            event.add("location", clinic.name if clinic else "")
            event.add("status", "CANCELLED" if row.status in {"cancelled", "no-show"}
                      else "TENTATIVE" if row.status == "proposed" else "CONFIRMED")
            feed.add_component(event)
        # The fetch is an access to the appointment book: audited as the practitioner's feed.
        record(session, ctx.audit_key, actor=None, action=Action.LIST,
               resource="calendar-feed", actor_label=f"feed:practitioner:{practitioner.id}")
        return bytes(feed.to_ical())
