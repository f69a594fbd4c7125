"""Appointment reminders by e-mail over SMTP, never with clinical detail.

Configuration (``acuneuro.settings.Settings``, environment variables):

- ``ACUNEURO_SMTP_HOST``: the relay's host name (required; unset, nothing is sent)
- ``ACUNEURO_SMTP_PORT``: its port (default 587, the submission port of RFC 6409)
- ``ACUNEURO_SMTP_FROM``: the sender address (required)
- ``ACUNEURO_SMTP_STARTTLS``: ``true`` (default) upgrades the connection with STARTTLS
  (RFC 3207) before anything else is said; ``false`` only for a relay on the same machine
- ``ACUNEURO_SMTP_USERNAME`` / ``ACUNEURO_SMTP_PASSWORD``: optional login, sent only after
  STARTTLS (never in clear text: without STARTTLS a login is refused)
- ``ACUNEURO_SMTP_CA_FILE``: a CA bundle to verify the relay's certificate with, for a relay
  signed by the clinic's own CA (default: the system's trusted CAs; never unverified)

The message says the clinic, the day, the time and the practitioner, nothing else: no
condition, no treatment, no score (an e-mail crosses servers the clinic does not control).
It goes to the e-mail address of the patient's identity record; patients without one are
counted and skipped. Each appointment's reminder is sent once: ``reminder_sent_at`` is set in
the same transaction that records the audit row, right after the server accepted the
message, so a second run sends nothing again (a crash between the two can repeat one
message: at least once, never silently dropped). Moving an appointment clears the mark.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from sqlalchemy import select

from acuneuro.i18n import format_date
from acuneuro.i18n import gettext as _
from acuneuro.services._context import Context
from acuneuro.services._errors import ServiceError
from acuneuro.services.audit import Action, record
from acuneuro.settings import Settings
from acuneuro.store import Appointment, Clinic, Patient, PatientIdentity, Practitioner, utcnow

__all__ = ["ReminderReport", "SmtpConfig", "reminder_text", "send_reminders"]


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how reminders are sent."""

    host: str
    port: int
    sender: str
    starttls: bool = True
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        """The settings' SMTP relay, or ``ServiceError`` naming what is missing."""
        if not settings.smtp_host:
            raise ServiceError(_("Set ACUNEURO_SMTP_HOST to the mail relay before sending "
                                 "reminders."))
        if not settings.smtp_from:
            raise ServiceError(_("Set ACUNEURO_SMTP_FROM to the clinic's sender address "
                                 "before sending reminders."))
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_from,
                   settings.smtp_starttls, settings.smtp_username, password,
                   str(settings.smtp_ca_file) if settings.smtp_ca_file else None)


@dataclass(frozen=True, slots=True)
class ReminderReport:
    """What one run did."""

    sent: int
    already_sent: int
    no_address: int


def reminder_text(clinic: str, day: date, starts: str, practitioner: str) -> str:
    """The whole body of a reminder: where, when and with whom, nothing clinical."""
    return _("This is a reminder of your appointment at %(clinic)s on %(day)s at %(time)s "
             "with %(practitioner)s. If you cannot come, please tell the clinic.") % {
        "clinic": clinic, "day": format_date(day), "time": starts,
        "practitioner": practitioner}


def send_reminders(ctx: Context, config: SmtpConfig, on: date) -> ReminderReport:
    """Send the reminders of every clinic's booked appointments on ``on`` not yet reminded."""
    if config.username and not config.starttls:
        raise ServiceError(_("An SMTP login needs STARTTLS: set ACUNEURO_SMTP_STARTTLS=true."))
    with ctx.db.read() as session:
        due = session.execute(select(Appointment.id, Appointment.reminder_sent_at).where(
            Appointment.on_day == on, Appointment.status == "booked")
            .order_by(Appointment.starts, Appointment.id)).all()
    already = sum(1 for _id, sent in due if sent is not None)
    sent = missing = 0
    pending = [i for i, s in due if s is None]
    if not pending:
        return ReminderReport(0, already, 0)
    with smtplib.SMTP(config.host, config.port, timeout=30) as smtp:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context(cafile=config.ca_file))
        if config.username:
            smtp.login(config.username, config.password or "")
        for appointment_id in pending:
            outcome = _send_one(ctx, smtp, config, appointment_id)
            sent += outcome == "sent"
            missing += outcome == "no-address"
            already += outcome == "already"
    return ReminderReport(sent, already, missing)


def _send_one(ctx: Context, smtp: smtplib.SMTP, config: SmtpConfig, appointment_id: int
              ) -> str:
    with ctx.db.write() as session:
        row = session.get(Appointment, appointment_id, with_for_update=True)
        if row is None or row.reminder_sent_at is not None or row.status != "booked":
            return "already"
        identity = session.scalar(select(PatientIdentity).where(
            PatientIdentity.patient_id == row.patient_id,
            PatientIdentity.clinic_id == row.clinic_id))
        if identity is None or not identity.email:
            return "no-address"
        clinic = session.get(Clinic, row.clinic_id)
        practitioner = session.get(Practitioner, row.practitioner_id)
        patient = session.get(Patient, row.patient_id)
        message = EmailMessage()
        message["From"] = config.sender
        message["To"] = identity.email
        message["Subject"] = _("Your appointment on %(day)s") % {"day": format_date(row.on_day)}
        message.set_content(reminder_text(clinic.name if clinic else "", row.on_day,
                                          f"{row.starts:%H:%M}",
                                          practitioner.display_name if practitioner else ""))
        smtp.send_message(message)
        row.reminder_sent_at = utcnow()
        record(session, ctx.audit_key, actor=None, actor_label="system:reminders",
               action=Action.CREATE, resource="reminder",
               patient=patient.pseudo_id if patient else None, source_address="local")
    return "sent"
