"""``acuneuro reminders send --date YYYY-MM-DD``: e-mail the day's appointment reminders.

The SMTP relay comes from the settings (``ACUNEURO_SMTP_HOST``, ``_PORT``, ``_FROM``,
``_STARTTLS``, ``_USERNAME``, ``_PASSWORD``; see ``services.reminders``). Idempotent: an
appointment already reminded is counted, never mailed again, so the command can run from
cron every hour. Prints ``{"date", "sent", "already_sent", "no_address"}``.
"""

from __future__ import annotations

import smtplib
from datetime import date
from typing import Annotated

import typer
from pydantic import ValidationError

from acuneuro.cli._common import _, emit_json, fail, validation_message
from acuneuro.services import Context, ServiceError
from acuneuro.services.reminders import SmtpConfig, send_reminders
from acuneuro.settings import Settings

__all__ = ["register"]

reminders_app = typer.Typer(help="Appointment reminders by e-mail (no clinical detail).",
                            no_args_is_help=True)


def send(
    on: Annotated[str, typer.Option("--date", help="The appointments' day (YYYY-MM-DD).")],
    db: Annotated[str | None, typer.Option("--db", help="SQLAlchemy database URL.")] = None,
) -> None:
    """Send the reminders of the booked appointments on --date that have none yet."""
    try:
        day = date.fromisoformat(on)
    except ValueError:
        fail(_("--date: %(value)s is not a date (YYYY-MM-DD)") % {"value": on})
    try:
        settings = Settings() if db is None else Settings(database_url=db)
    except ValidationError as exc:
        fail(_("settings: %(problem)s") % {"problem": validation_message(exc)})
    ctx = Context.from_settings(settings)
    try:
        report = send_reminders(ctx, SmtpConfig.from_settings(settings), day)
    except ServiceError as exc:
        fail(str(exc))
    except (OSError, smtplib.SMTPException) as exc:
        fail(_("the mail relay %(relay)s refused or did not answer (%(reason)s); reminders not "
               "yet sent stay to send") % {
            "relay": f"{settings.smtp_host}:{settings.smtp_port}",
            "reason": exc.__class__.__name__})
    finally:
        ctx.db.dispose()
    emit_json({"date": day.isoformat(), "sent": report.sent,
               "already_sent": report.already_sent, "no_address": report.no_address})


def register(app: typer.Typer) -> None:
    """Add the ``reminders`` group."""
    reminders_app.command("send")(send)
    app.add_typer(reminders_app, name="reminders")
