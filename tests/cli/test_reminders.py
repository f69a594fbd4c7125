"""``acuneuro reminders send``: the demo day's reminders over a local SMTP server, once."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from acuneuro.cli import app
from acuneuro.store import Appointment, PatientIdentity

runner = CliRunner()


class _Inbox:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.bodies.append(envelope.content)
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[_Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    for name in ("ACUNEURO_DATABASE_URL", "ACUNEURO_SECRET_KEY", "ACUNEURO_AUDIT_KEY",
                 "ACUNEURO_SMTP_HOST", "ACUNEURO_SMTP_FROM"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = runner.invoke(app, ["demo", "--no-serve", "--db", url, "--patients", "12"])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # demo patients have no e-mail address: give them one
        connection.execute(sa.update(PatientIdentity).values(email="patient@example.org"))
    engine.dispose()
    return url


def test_the_days_reminders_are_sent_once(demo_db: str, relay: tuple[_Inbox, int],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port = relay
    monkeypatch.setenv("ACUNEURO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ACUNEURO_SMTP_PORT", str(port))
    monkeypatch.setenv("ACUNEURO_SMTP_FROM", "clinic@demo.example")
    monkeypatch.setenv("ACUNEURO_SMTP_STARTTLS", "false")
    engine = sa.create_engine(demo_db)
    with engine.connect() as connection:
        booked = connection.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
            Appointment.on_day == date.today(), Appointment.status == "booked"))
    engine.dispose()
    assert booked
    first = runner.invoke(app, ["reminders", "send", "--date", date.today().isoformat(),
                                "--db", demo_db])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["sent"] == booked == len(inbox.bodies)
    again = runner.invoke(app, ["reminders", "send", "--date", date.today().isoformat(),
                                "--db", demo_db])
    assert json.loads(again.output) | {"date": None} == {
        "date": None, "sent": 0, "already_sent": booked, "no_address": 0}
    assert len(inbox.bodies) == booked


def test_a_bad_date_or_no_relay_exits_2_with_a_sentence(demo_db: str) -> None:
    bad = runner.invoke(app, ["reminders", "send", "--date", "tomorrow", "--db", demo_db])
    assert bad.exit_code == 2 and "--date" in bad.output and "Traceback" not in bad.output
    unset = runner.invoke(app, ["reminders", "send", "--date", "2027-03-01", "--db", demo_db])
    assert unset.exit_code == 2 and "ACUNEURO_SMTP_HOST" in unset.output


def test_a_relay_that_does_not_answer_exits_2(demo_db: str, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("ACUNEURO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ACUNEURO_SMTP_PORT", str(port))
    monkeypatch.setenv("ACUNEURO_SMTP_FROM", "clinic@demo.example")
    result = runner.invoke(app, ["reminders", "send", "--date", date.today().isoformat(),
                                 "--db", demo_db])
    assert result.exit_code == 2 and "did not answer" in result.output
