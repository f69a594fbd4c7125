"""Reminders go out once, over a real SMTP server (aiosmtpd), with no clinical detail."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from acuneuro.services import Context, ServiceError
from acuneuro.services import appointments as appointment_service
from acuneuro.services.reminders import SmtpConfig, send_reminders
from acuneuro.settings import Settings
from acuneuro.store import AuditEvent

from ._appointments import MONDAY, profiles
from .test_planning import new_patient


@dataclass
class _Inbox:
    messages: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def _controller(inbox: _Inbox, **kwargs: Any) -> Controller:
    with socket.socket() as probe:  # a free port (aiosmtpd checks it can connect to its port)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller


@pytest.fixture
def inbox() -> Iterator[tuple[_Inbox, int]]:
    box = _Inbox()
    controller = _controller(box)
    try:
        yield box, controller.port
    finally:
        controller.stop()


def _appointments(ctx: Context, actors: Any) -> list[str]:
    ids = profiles(ctx, actors)
    alice = actors["alice"].actor
    with_mail = new_patient(ctx, alice, email="ada@patient.example")
    without = new_patient(ctx, alice, given_name="Bea")
    for pid, at in ((with_mail, "09:00"), (without, "10:00")):
        appointment_service.book(ctx, alice, {"patient": pid, "practitioner_id": ids["alice"],
                                              "on_day": MONDAY.isoformat(), "starts": at})
    return [with_mail, without]


def test_a_reminder_is_sent_once_and_says_when_and_with_whom_only(
    ctx: Context, actors: Any, inbox: tuple[_Inbox, int]
) -> None:
    box, port = inbox
    with_mail, _ = _appointments(ctx, actors)
    config = SmtpConfig("127.0.0.1", port, "clinic@clinic.example", starttls=False)
    first = send_reminders(ctx, config, MONDAY)
    assert (first.sent, first.already_sent, first.no_address) == (1, 0, 1)
    (recipients, message), = box.messages
    assert recipients == ["ada@patient.example"]
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    for said in ("Clinic A", "09:00", "Dr Alice Able", "2027"):
        assert said in body, said
    for secret in ("CIPN", "cipn", "G62", "neuropath", "Planned", with_mail, "score"):
        assert secret not in body + str(message["Subject"]), secret
    again = send_reminders(ctx, config, MONDAY)
    assert (again.sent, again.already_sent) == (0, 1) and len(box.messages) == 1
    with ctx.db.read() as session:
        audited = session.scalars(sa.select(AuditEvent.patient_pseudo_id).where(
            AuditEvent.resource == "reminder")).all()
    assert audited == [with_mail]


def test_moving_an_appointment_sends_a_new_reminder(ctx: Context, actors: Any,
                                                    inbox: tuple[_Inbox, int]) -> None:
    box, port = inbox
    _appointments(ctx, actors)
    config = SmtpConfig("127.0.0.1", port, "clinic@clinic.example", starttls=False)
    send_reminders(ctx, config, MONDAY)
    first = appointment_service.appointments_between(ctx, actors["alice"].actor, MONDAY,
                                                     MONDAY)[0]
    appointment_service.move(ctx, actors["alice"].actor, first.id,
                             {"on_day": MONDAY.isoformat(), "starts": "11:00"})
    assert send_reminders(ctx, config, MONDAY).sent == 1 and len(box.messages) == 2


def test_a_cancelled_appointment_gets_no_reminder(ctx: Context, actors: Any,
                                                  inbox: tuple[_Inbox, int]) -> None:
    box, port = inbox
    _appointments(ctx, actors)
    for a in appointment_service.appointments_between(ctx, actors["alice"].actor, MONDAY, MONDAY):
        appointment_service.cancel(ctx, actors["alice"].actor, a.id)
    report = send_reminders(ctx, SmtpConfig("127.0.0.1", port, "c@c.example", starttls=False),
                            MONDAY)
    assert (report.sent, report.no_address) == (0, 0) and box.messages == []


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_starttls_is_used_and_the_relay_certificate_is_verified(
    ctx: Context, actors: Any, tmp_path: Path
) -> None:
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    box = _Inbox()
    controller = _controller(box, tls_context=server_tls, require_starttls=True)
    try:
        port = controller.port
        _appointments(ctx, actors)
        untrusted = SmtpConfig("127.0.0.1", port, "c@c.example")
        with pytest.raises(ssl.SSLError):
            send_reminders(ctx, untrusted, MONDAY)
        assert box.messages == []
        trusted = SmtpConfig("127.0.0.1", port, "c@c.example", ca_file=str(cert))
        assert send_reminders(ctx, trusted, MONDAY).sent == 1 and len(box.messages) == 1
    finally:
        controller.stop()


def test_the_settings_must_name_a_relay_and_a_sender_and_a_login_needs_starttls(
    ctx: Context
) -> None:
    with pytest.raises(ServiceError, match="ACUNEURO_SMTP_HOST"):
        SmtpConfig.from_settings(Settings(database_url="sqlite://"))
    with pytest.raises(ServiceError, match="ACUNEURO_SMTP_FROM"):
        SmtpConfig.from_settings(Settings(database_url="sqlite://", smtp_host="relay"))
    config = SmtpConfig.from_settings(Settings(database_url="sqlite://", smtp_host="relay",
                                               smtp_from="c@c.example", smtp_port=2525))
    assert (config.port, config.starttls) == (2525, True)
    with pytest.raises(ServiceError, match="STARTTLS"):
        send_reminders(ctx, SmtpConfig("relay", 25, "c@c.example", starttls=False,
                                       username="u", password="p"), MONDAY)
