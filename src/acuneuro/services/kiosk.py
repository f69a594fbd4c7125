"""The tablet kiosk: a questionnaire handed to the patient, locked to that patient and instrument.

Handing the tablet over (:func:`hand_over`) issues a kiosk value, a signed cookie of its own,
that can do one thing: answer that one self-report questionnaire for that one patient, once,
within ``KIOSK_MINUTES``. The web layer deletes the clinician's session cookie from the browser
at the same moment and refuses every clinician page while a kiosk cookie is present, so the
patient cannot reach the record by Back, by a typed address or by a link. Getting the tablet
back needs the clinician's password (:func:`unlock`), throttled and counted like a login
(``services.lockout``); then a fresh session is issued that keeps the original login time, so
the 12 h absolute limit holds. The password alone suffices, also for an account with a second
factor: the kiosk cookie is the still-valid secret of a session authenticated in full at most
``KIOSK_MINUTES`` earlier, and NIST SP 800-63B (June 2017) 4.2.3 lets a session that
has not reached its time limit be re-authenticated with a memorized secret alone. The
hand-over, the answers and every unlock attempt are audited.

``KIOSK_MINUTES`` (30) is a design choice matching the session idle limit (NIST SP 800-63B
AAL2, 30 minutes; ``accounts.SESSION_IDLE``): long enough for a questionnaire, short enough that
a tablet left in a waiting room stops answering.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from acuneuro.clinical.scoring import UnknownInstrumentError, get_instrument
from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.services import lockout
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._errors import AuthenticationFailed, NotFound
from acuneuro.services._passwords import verify
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services._refusals import role_refused
from acuneuro.services.assessment import NotSelfReport, ScoreView, record_score
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.store import Patient, User

__all__ = [
    "KIOSK_MINUTES",
    "Kiosk",
    "KioskOver",
    "answer",
    "hand_over",
    "open_kiosk",
    "unlock",
]

KIOSK_MINUTES = 30  # design choice (see the module docstring)
_SALT = "acuneuro.kiosk"
_RESOURCE = "kiosk"


class KioskOver(AuthenticationFailed):
    """The kiosk value is forged, expired, already answered, or its account can no longer act."""


@dataclass(frozen=True, slots=True)
class Kiosk:
    """What a kiosk cookie allows: one instrument for one patient, on behalf of ``actor``."""

    actor: Actor
    patient: str
    instrument: str
    score_id: int | None
    issued_ms: int
    logged_in_at: int


def hand_over(ctx: Context, actor: Actor, pseudo_id: str, instrument_id: str, *,
              logged_in_at: int | None = None) -> str:
    """Start a kiosk for ``pseudo_id`` and ``instrument_id``; the kiosk cookie's value.

    ``logged_in_at`` is the login time of the session handing over: the session issued at the
    unlock keeps it, so hand-over and unlock never stretch the 12 h absolute session limit.

    Refused like recording a score would be: a role without score writing (``PermissionDenied``),
    another clinic's or no patient (``NotFound``), an instrument a clinician records
    (``NotSelfReport``) or one that cannot be stored (``NotStorable``).
    """
    if not allowed(actor.role, UseCase.SCORE_WRITE):
        record_alone(ctx, actor=actor, action=Action.CREATE, resource=_RESOURCE,
                     outcome=Outcome.DENIED, patient=pseudo_id[:32])
        raise role_refused(actor.role, N_("hand a questionnaire over to a patient"))
    try:
        instrument = get_instrument(instrument_id)
    except UnknownInstrumentError:
        raise NotFound(_("instrument: no such instrument")) from None
    if not instrument.self_report_items():
        raise NotSelfReport(_("%(name)s is recorded by a clinician (examination or grading); it "
                               "cannot be handed to the patient.") % {"name": instrument.name})
    with ctx.db.write() as session:
        found = session.scalar(select(Patient.id).where(
            Patient.clinic_id == actor.clinic_id, Patient.pseudo_id == pseudo_id))
        if found is not None:
            record(session, ctx.audit_key, actor=actor, action=Action.CREATE,
                   resource=_RESOURCE, patient=pseudo_id)
    if found is None:
        record_alone(ctx, actor=actor, action=Action.CREATE, resource=_RESOURCE,
                     outcome=Outcome.NOT_FOUND, patient=pseudo_id[:32])
        raise NotFound(_("no such patient"))
    now_ms = time.time_ns() // 1_000_000
    return _dumps(ctx, {"u": actor.user_id, "p": pseudo_id, "i": instrument.id,
                        "n": secrets.token_hex(16), "t": now_ms,
                        "a": logged_in_at if logged_in_at is not None else now_ms // 1000})


def open_kiosk(ctx: Context, value: str, source: str | None) -> Kiosk:
    """The kiosk a cookie value stands for; ``KioskOver`` when it no longer stands for one.

    The account is reloaded on every use: disabled, or its sessions ended (logout everywhere,
    password change) after the hand-over, and the kiosk ends too.
    """
    payload = _loads(ctx, value)
    with ctx.db.read() as session:
        user = session.get(User, payload["u"])
        if user is None or not user.active:
            raise KioskOver
        if user.sessions_valid_after is not None and payload["t"] < int(
                user.sessions_valid_after.timestamp() * 1000):
            raise KioskOver
        actor = Actor.of(user, source)
    done, login = payload.get("d"), payload.get("a")
    return Kiosk(actor, payload["p"], payload["i"], done if isinstance(done, int) else None,
                 payload["t"], login if isinstance(login, int) else payload["t"] // 1000)


def answer(ctx: Context, kiosk: Kiosk, answers: dict[str, Any]) -> tuple[ScoreView, str]:
    """Store the patient's answers (self-report items only) and the kiosk's new value.

    A kiosk answers once: a second answer is ``KioskOver``. The errors of
    ``assessment.record_score`` with ``completed_by: patient`` pass through unchanged.
    """
    if kiosk.score_id is not None:
        raise KioskOver
    view = record_score(ctx, kiosk.actor, kiosk.patient,
                        {"instrument": kiosk.instrument, "answers": answers,
                         "completed_by": "patient"})
    return view, _dumps(ctx, {"u": kiosk.actor.user_id, "p": kiosk.patient,
                              "i": kiosk.instrument, "d": view.id,
                              "n": secrets.token_hex(16), "t": kiosk.issued_ms,
                              "a": kiosk.logged_in_at})


def unlock(ctx: Context, kiosk: Kiosk, password: str, source: str | None) -> Actor:
    """The clinician's password ends the kiosk: the actor to issue a fresh session for.

    Throttled before any hashing and counted like a failed login when wrong (``Throttled``,
    ``AuthenticationFailed``), so a patient cannot guess at the tablet; every attempt audited.
    """
    email = kiosk.actor.email
    with lockout.hashing():
        lockout.check(ctx, email, source)
        with ctx.db.read() as session:
            stored = session.scalar(select(User.password_hash).where(
                User.id == kiosk.actor.user_id))
        ok, _rehash = lockout.in_hashing_thread(partial(verify, stored, password))
        if not ok:
            lockout.failed(ctx, email, source)
    with ctx.db.write() as session:
        user = session.get(User, kiosk.actor.user_id)
        ok = ok and user is not None and user.active and user.password_hash == stored
        record(session, ctx.audit_key, actor=kiosk.actor if ok else None, action=Action.LOGIN,
               resource=_RESOURCE, outcome=Outcome.SUCCESS if ok else Outcome.FAILURE,
               patient=kiosk.patient, actor_label=None if ok else email,
               source_address=source)
    if not ok:
        raise AuthenticationFailed
    lockout.succeeded(ctx, email, source)
    return kiosk.actor


def _serializer(ctx: Context) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(ctx.signing_key, salt=_SALT,
                                  signer_kwargs={"digest_method": hashlib.sha256})


def _dumps(ctx: Context, payload: dict[str, Any]) -> str:
    return _serializer(ctx).dumps(payload)


def _loads(ctx: Context, value: str) -> dict[str, Any]:
    try:
        payload = _serializer(ctx).loads(value, max_age=KIOSK_MINUTES * 60)
    except BadSignature:
        raise KioskOver from None
    if not (isinstance(payload, dict) and isinstance(payload.get("u"), int)
            and isinstance(payload.get("p"), str) and isinstance(payload.get("i"), str)
            and isinstance(payload.get("t"), int)):
        raise KioskOver
    # Re-signed after the answer, so the signature's age alone would restart the clock.
    if time.time_ns() // 1_000_000 - payload["t"] > KIOSK_MINUTES * 60_000:
        raise KioskOver
    return payload
