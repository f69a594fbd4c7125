"""Clinics, staff accounts, logging in, API tokens and web sessions.

Tokens and session cookies are signed (itsdangerous, HMAC-SHA256 over a timestamped payload)
with the installation's signing key and short-lived; every use reloads the account, so a
disabled account stops working at once, and one issued before the account's
``sessions_valid_after`` (set by logging out, a second-factor reset or disabling the account,
``services.account_admin``) is refused, copies included (ASVS 5.0 7.4.1).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from acuneuro.i18n import gettext as _
from acuneuro.services import lockout, mfa
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._errors import AuthenticationFailed, Conflict, NotFound, ServiceError
from acuneuro.services._passwords import (
    check_password_policy,
    context_words,
    hash_password,
    verify,
)
from acuneuro.services._token_cache import cached_actor, remembered_actor
from acuneuro.services.audit import Action, Outcome, record
from acuneuro.store import Clinic, Role, User

__all__ = [
    "PENDING_SECONDS",
    "SESSION_IDLE",
    "ClinicInfo",
    "SecondFactorRequired",
    "UserInfo",
    "actor_of",
    "add_clinic",
    "add_user",
    "authenticate",
    "clinic_of",
    "complete_login",
    "issue_pending",
    "issue_session",
    "issue_token",
    "operator",
    "refresh_session",
    "remembered_token",
    "resolve_pending",
    "resolve_session",
    "resolve_token",
    "session_id",
    "session_login_time",
]

# Salts separate the two kinds of signed value; they are not secrets.
_TOKEN_SALT = "acuneuro.api-token"  # noqa: S105
_SESSION_SALT = "acuneuro.web-session"
_PENDING_SALT = "acuneuro.mfa-pending"
PENDING_SECONDS = 300
_CLI = "system:cli"
# NIST SP 800-63B AAL2 re-authentication after 30 minutes of inactivity.
SESSION_IDLE = timedelta(minutes=30)
_REFRESH_AFTER_SECONDS = 60


@dataclass(frozen=True, slots=True)
class ClinicInfo:
    """A clinic as the interfaces show it."""

    id: int
    name: str
    is_demo: bool


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A staff account as the interfaces show it (never the hash)."""

    id: int
    email: str
    role: Role
    clinic: str


def add_clinic(ctx: Context, name: str, *, is_demo: bool = False) -> ClinicInfo:
    """Create a clinic (command-line administration)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ServiceError(_("clinic name must have 1 to 200 characters"))
    try:
        with ctx.db.write() as session:
            clinic = Clinic(name=name, is_demo=is_demo)
            session.add(clinic)
            session.flush()
            record(session, ctx.audit_key, actor=None, actor_label=_CLI, action=Action.ADMIN,
                   resource="clinic", source_address="local")
    except IntegrityError:
        raise Conflict(_("A clinic named %(name)s already exists.") % {"name": name}) from None
    return ClinicInfo(clinic.id, clinic.name, clinic.is_demo)


def add_user(ctx: Context, *, clinic: str, email: str, role: Role, password: str) -> UserInfo:
    """Create a staff account in ``clinic`` with an argon2id password hash."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise ServiceError(_("%(email)s is not an e-mail address.") % {"email": email})
    if (problem := check_password_policy(password, context_words(email, clinic))) is not None:
        raise ServiceError(problem)
    try:
        with ctx.db.write() as session:
            found = session.scalar(select(Clinic).where(Clinic.name == clinic))
            if found is None:
                raise NotFound(_("There is no clinic named %(name)s.") % {"name": clinic})
            user = User(clinic_id=found.id, email=email, role=role,
                        password_hash=hash_password(password))
            session.add(user)
            session.flush()
            record(session, ctx.audit_key, actor=None, actor_label=_CLI, action=Action.ADMIN,
                   resource="user", source_address="local")
    except IntegrityError:
        raise Conflict(_("An account for %(email)s already exists.") % {"email": email}) from None
    return UserInfo(user.id, user.email, user.role, found.name)


class SecondFactorRequired(AuthenticationFailed):
    """The password was right; the account needs (or must first enrol) a second factor."""

    def __init__(self, user_id: int, *, enrolled: bool) -> None:
        super().__init__()
        self.user_id = user_id
        self.enrolled = enrolled


def authenticate(
    ctx: Context, email: str, password: str, source: str | None, *, otp: str | None = None
) -> Actor:
    """Check a password (and the second factor); audit success and failure (ASVS 5.0 16.3.1).

    Unknown account, wrong password, disabled account: one answer, and the password is always
    hashed so the time taken says nothing either (ASVS 5.0 6.3.8). An attempt the throttle
    refuses (``services.lockout``) raises ``Throttled`` before the account is looked up or
    anything hashed. The hash is checked in one of the process's hashing slots, outside any
    transaction; only then does a short write transaction record the outcome, so no argon2
    runs under the database's writer lock. Accounts of the roles in ``mfa.MFA_REQUIRED``, and
    any account with a confirmed factor, also need ``otp``: without it
    ``SecondFactorRequired`` (an ``AuthenticationFailed``) is raised.
    """
    email = email.strip().lower()[:254]
    with lockout.hashing():
        lockout.check(ctx, email, source)
        with ctx.db.read() as session:
            found = session.scalar(select(User).where(func.lower(User.email) == email))
            user_id, stored = (found.id, found.password_hash) if found else (None, None)
        ok, new_hash = lockout.in_hashing_thread(partial(verify, stored, password))
        if not ok:  # counted inside the slot, so parallel guesses cannot overrun the limits
            lockout.failed(ctx, email, source)
    # A recovery code is argon2 too: checked now, outside the write (only after the password).
    recovered = (mfa.match_recovery(ctx, user_id, otp)
                 if ok and otp is not None and user_id is not None else None)
    refusal: AuthenticationFailed = AuthenticationFailed()
    actor: Actor | None = None
    with ctx.db.write() as session:
        user = session.get(User, user_id) if user_id is not None else None
        label = user.email if user else "(unknown account)"
        # A password changed since it was read is not the one just checked.
        if user is not None and ok and user.active and user.password_hash == stored:
            if new_hash is not None:
                user.password_hash = new_hash
            enrolled = mfa.has_second_factor(session, user.id)
            if not (enrolled or user.role in mfa.MFA_REQUIRED) or (
                    otp is not None and enrolled
                    and mfa.check_second_factor(session, ctx.mfa_key, user.id, otp,
                                                recovered=recovered)):
                actor = Actor.of(user, source)
                record(session, ctx.audit_key, actor=actor, action=Action.LOGIN,
                       resource="account")
            else:
                refusal = SecondFactorRequired(user.id, enrolled=enrolled)
                if otp is not None:
                    record(session, ctx.audit_key, actor=None, action=Action.LOGIN,
                           resource="account", outcome=Outcome.FAILURE, source_address=source,
                           actor_label=label)
        else:
            record(session, ctx.audit_key, actor=None, action=Action.LOGIN, resource="account",
                   outcome=Outcome.FAILURE, source_address=source, actor_label=label)
    if actor is not None:
        lockout.succeeded(ctx, email, source)
        return actor
    if ok and not (isinstance(refusal, SecondFactorRequired) and otp is None):
        lockout.failed(ctx, email, source)  # right password, but disabled or a wrong code
    raise refusal


def complete_login(ctx: Context, user_id: int, otp: str, source: str | None) -> Actor:
    """The second step of a web login: the code of the account whose password was right.

    Throttled like the password (``services.lockout``), decided before the transaction opens;
    a recovery code is checked against its hashes before the write (``mfa.match_recovery``).
    """
    with ctx.db.read() as session:
        email = session.scalar(select(User.email).where(User.id == user_id))
    if email is not None:
        lockout.check(ctx, email, source)
    recovered = mfa.match_recovery(ctx, user_id, otp)  # argon2 outside the write
    actor: Actor | None = None
    with ctx.db.write() as session:
        user = session.get(User, user_id)
        if user is not None and user.active:
            if mfa.check_second_factor(session, ctx.mfa_key, user.id, otp, recovered=recovered):
                actor = Actor.of(user, source)
                record(session, ctx.audit_key, actor=actor, action=Action.LOGIN,
                       resource="account")
            else:
                record(session, ctx.audit_key, actor=None, action=Action.LOGIN,
                       resource="account", outcome=Outcome.FAILURE, source_address=source,
                       actor_label=user.email)
    if email is not None:
        (lockout.failed if actor is None else lockout.succeeded)(ctx, email, source)
    if actor is None:
        raise AuthenticationFailed
    return actor


def actor_of(ctx: Context, user_id: int, source: str | None) -> Actor:
    """The actor of an active account (after enrolling its second factor at login)."""
    with ctx.db.write() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise AuthenticationFailed
        actor = Actor.of(user, source)
        record(session, ctx.audit_key, actor=actor, action=Action.LOGIN, resource="account")
        return actor


def issue_token(ctx: Context, actor: Actor) -> tuple[str, int]:
    """A signed bearer token for ``actor`` and its lifetime in seconds."""
    token = _serializer(ctx, _TOKEN_SALT).dumps(
        {"u": actor.user_id, "n": secrets.token_hex(8), "t": _now_ms()})
    return token, ctx.token_minutes * 60


def resolve_token(ctx: Context, token: str, source: str | None) -> Actor:
    """The actor a bearer token stands for; expired, forged, disabled or ended: refused.

    A token checked in full is trusted for a few seconds without a new check, until any
    account changes (``services._token_cache``: revocation is honoured on the next request).
    """
    return cached_actor(ctx.db, ctx.signing_key, token, source, partial(
        _resolve_until, ctx, token, _TOKEN_SALT, ctx.token_minutes * 60, source))


def remembered_token(ctx: Context, token: str, source: str | None) -> Actor | None:
    """The actor of a bearer token checked a moment ago (``resolve_token``), from memory alone;
    None when it must be checked (again): no database access, so an event loop may call it."""
    return remembered_actor(ctx.db, ctx.signing_key, token, source)


def issue_session(ctx: Context, actor: Actor, *, logged_in_at: int | None = None) -> str:
    """A signed session cookie value; a new random nonce on every login (ASVS 7.2.4).

    The payload keeps the login time (``a``) for the absolute lifetime; the signature's own
    timestamp, renewed by ``refresh_session``, measures idleness. ``logged_in_at`` continues
    an earlier login's absolute lifetime (the tablet kiosk's unlock, ``services.kiosk``).
    """
    login = int(time.time()) if logged_in_at is None else logged_in_at
    payload = {"u": actor.user_id, "n": secrets.token_hex(16), "a": login, "t": _now_ms()}
    return _serializer(ctx, _SESSION_SALT).dumps(payload)


def resolve_session(ctx: Context, cookie: str, source: str | None) -> Actor:
    """The actor a session cookie stands for: refused after ``SESSION_IDLE`` without use or
    ``session_hours`` after login (NIST SP 800-63B AAL2: 30 min idle, 12 h; ASVS 5.0 7.3.1,
    7.3.2)."""
    payload = _session_payload(ctx, cookie)
    if payload is None:
        raise AuthenticationFailed
    return _resolve(ctx, cookie, _SESSION_SALT, int(SESSION_IDLE.total_seconds()), source)


def refresh_session(ctx: Context, cookie: str) -> str | None:
    """The same session re-signed now (the idle clock restarts), or None when it is over.

    Re-signs only cookies more than a minute old, so most answers set no cookie.
    """
    payload = _session_payload(ctx, cookie)
    if payload is None:
        return None
    try:
        _, signed_at = _serializer(ctx, _SESSION_SALT).loads(
            cookie, max_age=int(SESSION_IDLE.total_seconds()), return_timestamp=True)
    except BadSignature:
        return None
    if time.time() - signed_at.timestamp() < _REFRESH_AFTER_SECONDS:
        return None
    return _serializer(ctx, _SESSION_SALT).dumps(payload)


def _session_payload(ctx: Context, cookie: str) -> dict[str, object] | None:
    try:
        payload = _serializer(ctx, _SESSION_SALT).loads(
            cookie, max_age=int(SESSION_IDLE.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("a"), int):
        return None
    if time.time() - payload["a"] > ctx.session_hours * 3600:
        return None
    return payload


def session_login_time(ctx: Context, cookie: str) -> int | None:
    """When the login of a live session cookie happened (epoch seconds), or None."""
    payload = _session_payload(ctx, cookie)
    login = payload.get("a") if payload is not None else None
    return login if isinstance(login, int) else None


def session_id(ctx: Context, cookie: str) -> str | None:
    """The random id of a live session cookie (what its CSRF token is bound to), or None."""
    payload = _session_payload(ctx, cookie)
    nonce = payload.get("n") if payload is not None else None
    return nonce if isinstance(nonce, str) else None


def issue_pending(ctx: Context, user_id: int) -> str:
    """A signed "password checked, second factor due" value for the web login's second step."""
    return _serializer(ctx, _PENDING_SALT).dumps({"u": user_id, "n": secrets.token_hex(16)})


def resolve_pending(ctx: Context, value: str) -> int:
    """The account a pending value names, within ``PENDING_SECONDS`` of the password."""
    try:
        payload = _serializer(ctx, _PENDING_SALT).loads(value, max_age=PENDING_SECONDS)
    except BadSignature:
        raise AuthenticationFailed from None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    if not isinstance(user_id, int):
        raise AuthenticationFailed
    return user_id


def _serializer(ctx: Context, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        ctx.signing_key, salt=salt, signer_kwargs={"digest_method": hashlib.sha256}
    )


def _resolve(ctx: Context, value: str, salt: str, max_age: int, source: str | None) -> Actor:
    return _resolve_until(ctx, value, salt, max_age, source)[0]


def _resolve_until(ctx: Context, value: str, salt: str, max_age: int, source: str | None
                   ) -> tuple[Actor, float]:
    """The actor, and until when (epoch seconds) the signature stays valid."""
    try:
        payload, signed_at = _serializer(ctx, salt).loads(
            value, max_age=max_age, return_timestamp=True)
    except BadSignature:
        raise AuthenticationFailed from None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    if not isinstance(user_id, int):
        raise AuthenticationFailed
    with ctx.db.read() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise AuthenticationFailed
        if user.sessions_valid_after is not None and _issued_ms(payload, signed_at) < int(
                user.sessions_valid_after.timestamp() * 1000):
            raise AuthenticationFailed
        return Actor.of(user, source), signed_at.timestamp() + max_age


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _issued_ms(payload: dict[str, object], signed_at: datetime) -> int:
    """When a token or session was issued, in milliseconds.

    Values signed before issue times were recorded fall back to the login time (sessions)
    or the signature's time (tokens, never re-signed), in whole seconds.
    """
    issued = payload.get("t")
    if isinstance(issued, int):
        return issued
    login = payload.get("a")
    return 1000 * (login if isinstance(login, int) else int(signed_at.timestamp()))


def clinic_of(ctx: Context, actor: Actor) -> ClinicInfo:
    """The caller's own clinic (for the banner every page shows)."""
    with ctx.db.read() as session:
        clinic = session.get(Clinic, actor.clinic_id)
        if clinic is None:
            raise NotFound(_("no such clinic"))
        return ClinicInfo(clinic.id, clinic.name, clinic.is_demo)


def operator(ctx: Context, clinic: str | None) -> Actor:
    """The actor for command-line work on one clinic's records.

    Whoever can run the command can read the database file, so the command line acts as an
    administrator of the clinic named (or of the only clinic), audited as ``system:cli``.
    """
    with ctx.db.read() as session:
        if clinic is None:
            found = session.scalars(select(Clinic).limit(2)).all()
            if len(found) != 1:
                raise ServiceError(_("Give --clinic: the database holds no clinic.") if not found
                                   else _("Give --clinic: the database holds several "
                                          "clinics."))
            chosen = found[0]
        else:
            chosen_or_none = session.scalar(select(Clinic).where(Clinic.name == clinic))
            if chosen_or_none is None:
                raise NotFound(_("There is no clinic named %(name)s.") % {"name": clinic})
            chosen = chosen_or_none
    return Actor(None, _CLI, Role.ADMIN, chosen.id, "local")
