"""Clinics, staff accounts, logging in, API tokens and web sessions.

Tokens and session cookies are signed (itsdangerous, HMAC-SHA256 over a timestamped payload)
with the installation's signing key and short-lived; every use reloads the account, so a
disabled account stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._errors import AuthenticationFailed, Conflict, NotFound, ServiceError
from acuneuro.services._passwords import check_password_policy, hash_password, verify
from acuneuro.services.audit import Action, Outcome, record
from acuneuro.store import Clinic, Role, User

__all__ = [
    "ClinicInfo",
    "UserInfo",
    "add_clinic",
    "add_user",
    "authenticate",
    "clinic_of",
    "issue_session",
    "issue_token",
    "operator",
    "resolve_session",
    "resolve_token",
]

# Salts separate the two kinds of signed value; they are not secrets.
_TOKEN_SALT = "acuneuro.api-token"  # noqa: S105
_SESSION_SALT = "acuneuro.web-session"
_CLI = "system:cli"


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
        raise ServiceError("clinic name must have 1 to 200 characters")
    try:
        with ctx.db.write() as session:
            clinic = Clinic(name=name, is_demo=is_demo)
            session.add(clinic)
            session.flush()
            record(session, ctx.audit_key, actor=None, actor_label=_CLI, action=Action.ADMIN,
                   resource="clinic", source_address="local")
    except IntegrityError:
        raise Conflict(f"a clinic named {name!r} already exists") from None
    return ClinicInfo(clinic.id, clinic.name, clinic.is_demo)


def add_user(ctx: Context, *, clinic: str, email: str, role: Role, password: str) -> UserInfo:
    """Create a staff account in ``clinic`` with an argon2id password hash."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise ServiceError(f"not an email address: {email!r}")
    if (problem := check_password_policy(password)) is not None:
        raise ServiceError(problem)
    try:
        with ctx.db.write() as session:
            found = session.scalar(select(Clinic).where(Clinic.name == clinic))
            if found is None:
                raise NotFound(f"no clinic named {clinic!r}")
            user = User(clinic_id=found.id, email=email, role=role,
                        password_hash=hash_password(password))
            session.add(user)
            session.flush()
            record(session, ctx.audit_key, actor=None, actor_label=_CLI, action=Action.ADMIN,
                   resource="user", source_address="local")
    except IntegrityError:
        raise Conflict(f"an account for {email!r} already exists") from None
    return UserInfo(user.id, user.email, user.role, found.name)


def authenticate(ctx: Context, email: str, password: str, source: str | None) -> Actor:
    """Check a password; audit success and failure alike (ASVS 5.0 16.3.1)."""
    email = email.strip().lower()[:254]
    with ctx.db.write() as session:
        user = session.scalar(select(User).where(func.lower(User.email) == email))
        ok, new_hash = verify(user.password_hash if user else None, password)
        if user is not None and ok and user.active:
            if new_hash is not None:
                user.password_hash = new_hash
            actor = Actor.of(user, source)
            record(session, ctx.audit_key, actor=actor, action=Action.LOGIN, resource="account")
            return actor
        record(session, ctx.audit_key, actor=None, action=Action.LOGIN, resource="account",
               outcome=Outcome.FAILURE, source_address=source,
               actor_label=user.email if user else "(unknown account)")
    raise AuthenticationFailed


def issue_token(ctx: Context, actor: Actor) -> tuple[str, int]:
    """A signed bearer token for ``actor`` and its lifetime in seconds."""
    token = _serializer(ctx, _TOKEN_SALT).dumps({"u": actor.user_id, "n": secrets.token_hex(8)})
    return token, ctx.token_minutes * 60


def resolve_token(ctx: Context, token: str, source: str | None) -> Actor:
    """The actor a bearer token stands for; expired, forged or disabled: refused."""
    return _resolve(ctx, token, _TOKEN_SALT, ctx.token_minutes * 60, source)


def issue_session(ctx: Context, actor: Actor) -> str:
    """A signed session cookie value; a new random nonce on every login (ASVS 7.2.4)."""
    return _serializer(ctx, _SESSION_SALT).dumps({"u": actor.user_id, "n": secrets.token_hex(16)})


def resolve_session(ctx: Context, cookie: str, source: str | None) -> Actor:
    """The actor a session cookie stands for (absolute lifetime ``session_hours``)."""
    return _resolve(ctx, cookie, _SESSION_SALT, ctx.session_hours * 3600, source)


def _serializer(ctx: Context, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        ctx.signing_key, salt=salt, signer_kwargs={"digest_method": hashlib.sha256}
    )


def _resolve(ctx: Context, value: str, salt: str, max_age: int, source: str | None) -> Actor:
    try:
        payload = _serializer(ctx, salt).loads(value, max_age=max_age)
    except BadSignature:
        raise AuthenticationFailed from None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    if not isinstance(user_id, int):
        raise AuthenticationFailed
    with ctx.db.read() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise AuthenticationFailed
        return Actor.of(user, source)


def clinic_of(ctx: Context, actor: Actor) -> ClinicInfo:
    """The caller's own clinic (for the banner every page shows)."""
    with ctx.db.read() as session:
        clinic = session.get(Clinic, actor.clinic_id)
        if clinic is None:
            raise NotFound("no such clinic")
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
                raise ServiceError("give --clinic: the database holds "
                                   f"{'no' if not found else 'several'} clinics")
            chosen = found[0]
        else:
            chosen_or_none = session.scalar(select(Clinic).where(Clinic.name == clinic))
            if chosen_or_none is None:
                raise NotFound(f"no clinic named {clinic!r}")
            chosen = chosen_or_none
    return Actor(None, _CLI, Role.ADMIN, chosen.id, "local")
