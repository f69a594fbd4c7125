"""Second factor: TOTP (RFC 6238, 30 s steps, 6 digits) and single-use recovery codes.

Required for the administrator and researcher roles, available to clinicians (ASVS 5.0 6.3.2
asks L2 applications for multi-factor authentication). A code is accepted once: the newest
accepted time step is stored and only a later one passes (ASVS 5.0 6.5.1, 6.5.5). Recovery
codes are shown once and stored as argon2id hashes, each deleted when used. The TOTP secret is
stored sealed (AES-256-GCM, ``services._sealed``) under the installation's MFA key, which is
not in the database; a secret stored plain by an earlier version is sealed at its next use.
Without the key nothing can be enrolled or checked: such logins are refused.

A password alone never enrols a factor (an attacker with the password would bind their own
phone): an account without one enrols through a one-time link an administrator issues
(``services.account_links``), or, for a clinician (for whom the factor is optional), from
the account page of a session.

No argon2 runs under the database's writer lock (issue 13): a recovery code is checked against
the stored hashes in a hashing slot (``services.lockout``) outside any transaction
(:func:`match_recovery`), and the write that consumes it only removes the matched hash if it is
still stored; the recovery codes of an enrolment are hashed before its write
(:func:`prepare_enrolment`), which stores them only if the pending secret is unchanged.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pyotp
from sqlalchemy.orm import Session

from acuneuro.i18n import gettext as _
from acuneuro.services import lockout
from acuneuro.services._context import Context
from acuneuro.services._errors import ServiceError
from acuneuro.services._passwords import hash_password, verify
from acuneuro.services._sealed import is_sealed, seal, unseal
from acuneuro.services.audit import Action, record
from acuneuro.store import MfaCredential, Role, User, utcnow

__all__ = [
    "MFA_REQUIRED",
    "Enrolment",
    "PreparedEnrolment",
    "begin_enrolment",
    "check_second_factor",
    "confirm_enrolment",
    "confirm_in",
    "discard_pending",
    "has_second_factor",
    "match_recovery",
    "prepare_enrolment",
]

MFA_REQUIRED = frozenset({Role.ADMIN, Role.RESEARCHER})
_ISSUER = "acuneuro"
_STEP = 30
# One step either side absorbs clock drift between the phone and the server (RFC 6238 5.2).
_DRIFT = 1
_RECOVERY_CODES = 10
_TOTP = re.compile(r"^\d{6}$")
_RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A new secret, to show once (as text and as an ``otpauth://`` URI for a QR code)."""

    secret: str
    uri: str


@dataclass(frozen=True, slots=True)
class PreparedEnrolment:
    """Recovery codes and their hashes, made outside any transaction for one pending secret
    (``secret``: as stored when it was read; the write refuses if it changed since)."""

    secret: str
    codes: list[str]
    hashes: list[str]


def has_second_factor(session: Session, user_id: int) -> bool:
    """True when the account has a confirmed second factor."""
    found = session.get(MfaCredential, user_id)
    return found is not None and found.confirmed_at is not None


def begin_enrolment(ctx: Context, user_id: int) -> Enrolment:
    """The pending secret of an account without a confirmed factor, made on first call.

    The same secret is shown again until it is confirmed, so a wrong code or a reload never
    invalidates what the user has already scanned; ``discard_pending`` starts afresh.
    """
    if ctx.mfa_key is None:
        raise ServiceError(_("no MFA key is configured: second factors cannot be stored"))
    with ctx.db.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(_("no such account"))
        found = session.get(MfaCredential, user_id)
        if found is not None and found.confirmed_at is not None:
            raise ValueError(_("this account already has a second factor"))
        secret = None
        if found is not None:
            try:
                secret = _secret_of(found, ctx.mfa_key)
            except ValueError:
                secret = None  # Sealed under another key: make a new one.
        if secret is None:
            secret = pyotp.random_base32(32)
            sealed = seal(ctx.mfa_key, secret, _bound_to(user_id))
            if found is None:
                session.add(MfaCredential(user_id=user_id, secret=sealed, recovery_hashes=[]))
            else:
                found.secret, found.last_step = sealed, None
        email = user.email
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=_ISSUER)
    return Enrolment(secret, uri)


def discard_pending(session: Session, user_id: int) -> None:
    """Forget an unconfirmed secret (a new enrolment link starts with a new one)."""
    found = session.get(MfaCredential, user_id)
    if found is not None and found.confirmed_at is None:
        session.delete(found)


def prepare_enrolment(ctx: Context, user_id: int, code: str) -> PreparedEnrolment | None:
    """Read the pending secret, check ``code`` against it (nothing consumed) and, if it is
    right, make and hash the recovery codes outside any transaction (None: nothing to do)."""
    code = code.strip().replace(" ", "")
    if ctx.mfa_key is None or not _TOTP.match(code):
        return None
    with ctx.db.read() as session:
        found = session.get(MfaCredential, user_id)
        if found is None or found.confirmed_at is not None:
            return None
        stored, last_step = found.secret, found.last_step
    try:
        secret = _plain(stored, ctx.mfa_key, user_id)
    except ValueError:
        return None
    if _matching_step(secret, last_step, code) is None:
        return None  # a wrong code costs no hashing
    codes = ["-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5))
                      for _ in range(2)) for _ in range(_RECOVERY_CODES)]
    with lockout.hashing():
        hashes = lockout.in_hashing_thread(lambda: [hash_password(c) for c in codes])
    return PreparedEnrolment(stored, codes, hashes)


def confirm_enrolment(ctx: Context, user_id: int, code: str) -> list[str] | None:
    """Confirm the pending secret with a current code; answer the recovery codes (once)."""
    prepared = prepare_enrolment(ctx, user_id, code)
    if prepared is None:
        return None
    with ctx.db.write() as session:
        return confirm_in(session, ctx, user_id, code, prepared)


def confirm_in(session: Session, ctx: Context, user_id: int, code: str,
               prepared: PreparedEnrolment) -> list[str] | None:
    """``confirm_enrolment`` inside the caller's (write) transaction, with the recovery codes
    ``prepare_enrolment`` hashed before it (None: wrong code, or the pending secret changed
    since it was read; nothing kept but the pending secret)."""
    found = session.get(MfaCredential, user_id)
    code = code.strip().replace(" ", "")
    if (found is None or found.confirmed_at is not None or found.secret != prepared.secret
            or not _TOTP.match(code) or not _take_totp(found, code, ctx.mfa_key)):
        return None
    found.confirmed_at = utcnow()
    found.recovery_hashes = list(prepared.hashes)
    user = session.get(User, user_id)
    record(session, ctx.audit_key, actor=None, actor_label=user.email if user else None,
           action=Action.ADMIN, resource="mfa-enrolment")
    return list(prepared.codes)


def match_recovery(ctx: Context, user_id: int, code: str) -> str | None:
    """The stored hash a recovery code matches, checked outside any transaction, or None.

    Reads the hashes in a read transaction, then verifies them in a hashing slot; pass the
    answer to :func:`check_second_factor` in the write that consumes it. A TOTP-shaped code
    answers None at once (TOTP costs no hashing and is checked in the write).
    """
    code = code.strip().replace(" ", "")
    if not code or _TOTP.match(code):
        return None
    with ctx.db.read() as session:
        found = session.get(MfaCredential, user_id)
        if found is None or found.confirmed_at is None or not found.recovery_hashes:
            return None
        stored = list(found.recovery_hashes)
    candidate = code.upper()
    with lockout.hashing():
        return lockout.in_hashing_thread(lambda: _first_match(stored, candidate))


def _first_match(stored: Sequence[str], candidate: str) -> str | None:
    return next((h for h in stored if verify(h, candidate)[0]), None)


def check_second_factor(session: Session, key: bytes | None, user_id: int, code: str,
                        *, recovered: str | None = None) -> bool:
    """Accept a current, unused TOTP code or an unused recovery code (consumed either way).

    ``key`` is the installation's MFA key (``Context.mfa_key``) that opens the sealed secret.
    A recovery code is accepted only through ``recovered``, the hash :func:`match_recovery`
    found for it before this transaction, and only while that hash is still stored: a code
    used (or a factor reset) in between is refused, so each code is accepted once.
    """
    found = session.get(MfaCredential, user_id)
    if found is None or found.confirmed_at is None:
        return False
    code = code.strip().replace(" ", "")
    if _TOTP.match(code):
        return _take_totp(found, code, key)
    if recovered is not None and recovered in found.recovery_hashes:
        found.recovery_hashes = [h for h in found.recovery_hashes if h != recovered]
        return True
    return False


def _take_totp(
    found: MfaCredential, code: str, key: bytes | None, now: float | None = None
) -> bool:
    if key is None:
        return False
    try:
        secret = _secret_of(found, key)
    except ValueError:
        return False  # A secret sealed under another key or tampered with: refuse.
    step = _matching_step(secret, found.last_step, code, now)
    if step is None:
        return False
    found.last_step = step
    return True


def _matching_step(
    secret: str, last_step: int | None, code: str, now: float | None = None
) -> int | None:
    """The time step within the drift whose code is ``code`` and later than ``last_step``."""
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // _STEP)
    for step in range(current - _DRIFT, current + _DRIFT + 1):
        if last_step is not None and step <= last_step:
            continue
        # As bytes: compare_digest raises on non-ASCII text (a 500 before, issue 13).
        if hmac.compare_digest(totp.at(step * _STEP).encode(), code.encode()):
            return step
    return None


def _plain(stored: str, key: bytes, user_id: int) -> str:
    """The plain TOTP secret as stored (nothing changed: safe in a read transaction)."""
    return unseal(key, stored, _bound_to(user_id)) if is_sealed(stored) else stored


def _secret_of(found: MfaCredential, key: bytes) -> str:
    """The plain TOTP secret; one stored plain by an earlier version is sealed now."""
    if is_sealed(found.secret):
        return unseal(key, found.secret, _bound_to(found.user_id))
    secret = found.secret
    found.secret = seal(key, secret, _bound_to(found.user_id))
    return secret


def _bound_to(user_id: int) -> bytes:
    return f"acuneuro.mfa_credentials:{user_id}".encode()
