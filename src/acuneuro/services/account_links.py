"""One-time links an administrator issues: enrol a second factor, or set a new password.

An account without a second factor never gets one from its password alone (whoever stole
the password would bind their own phone). An administrator issues an enrolment link (the
API as an administrator of the same clinic, or ``acuneuro user enrol-mfa`` /
``user reset-mfa``), and hands it to the person. A forgotten password works the same way
(``acuneuro user reset-password``, or the API). Each link:

* carries 256 random bits (NIST SP 800-63A 4.4.1.6 asks at least six random alphanumerics);
* is stored only as its SHA-256, so a copy of the database opens nothing;
* works once, and a newer link for the same account and purpose spends the older ones;
* expires after ``LIFETIME`` (24 hours: the most NIST SP 800-63A-3 4.4.1.6 allows for an
  enrolment code sent to an email address; a design choice for a link handed over by hand).

Issuing and using are audited; a password set through a link ends every session and token
of the account (ASVS 5.0 7.4.3).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from acuneuro.i18n import gettext as _
from acuneuro.services import mfa
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._errors import NotFound, PermissionDenied, ServiceError
from acuneuro.services._passwords import check_password_policy, context_words, hash_password
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.store import AccountLink, Clinic, User, utcnow

__all__ = [
    "LIFETIME",
    "IssuedLink",
    "LinkRefused",
    "Purpose",
    "check_link",
    "enrolment_of",
    "issue_link",
    "redeem_enrolment",
    "reset_password",
]

LIFETIME = timedelta(hours=24)
_CLI = "system:cli"


class Purpose(StrEnum):
    """What a link lets its holder do."""

    MFA_ENROLMENT = "mfa-enrolment"
    PASSWORD_RESET = "password-reset"  # noqa: S105 - a purpose, not a password


_PATHS = {Purpose.MFA_ENROLMENT: "/enrol/", Purpose.PASSWORD_RESET: "/reset/"}


class LinkRefused(ServiceError):
    """The link is unknown, used, replaced or expired: one sentence for all."""

    def __init__(self) -> None:
        super().__init__("This link does not work: it has been used, has expired or was "
                         "replaced by a newer one. Ask an administrator for a new link.")


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A link as issued: shown once to the administrator, never stored but as a hash."""

    email: str
    purpose: Purpose
    token: str
    path: str
    url: str | None
    expires_at: datetime

    def shown(self) -> dict[str, object]:
        """As the command line and the API print it."""
        return {"email": self.email, "purpose": self.purpose.value,
                "link": self.url or self.path, "token": self.token,
                "expires_at": self.expires_at.isoformat(timespec="seconds"),
                "single_use": True}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(
    ctx: Context, email: str, purpose: Purpose, *, by: Actor | None = None
) -> IssuedLink:
    """A new one-time link for the account ``email``; ``by`` None is the command line.

    An administrator may issue links for accounts of their own clinic only (another clinic's
    account is "not found"). An enrolment link for an account that already has a factor is
    refused: reset the factor first.
    """
    if by is not None and not allowed(by.role, UseCase.ACCOUNT_ADMIN):
        record_alone(ctx, actor=by, action=Action.ADMIN, resource=f"{purpose.value}-link",
                     outcome=Outcome.DENIED)
        raise PermissionDenied(_("only an administrator issues account links"))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with ctx.db.write() as session:
        user = session.scalar(select(User).where(func.lower(User.email)
                                                 == email.strip().lower()))
        if user is None or (by is not None and user.clinic_id != by.clinic_id):
            raise NotFound(_("There is no account %(email)s.") % {"email": email.strip().lower()})
        if purpose is Purpose.MFA_ENROLMENT:
            if mfa.has_second_factor(session, user.id):
                raise ServiceError(_("%(email)s already has a second factor: reset it first "
                                     "(acuneuro user reset-mfa), which issues a link.") % {
                                       "email": user.email})
            mfa.discard_pending(session, user.id)
        _spend_older(session, user.id, purpose, now)
        session.add(AccountLink(user_id=user.id, purpose=purpose.value, token_hash=_digest(token),
                                created_at=now, expires_at=now + LIFETIME,
                                issued_by=by.email if by is not None else _CLI))
        record(session, ctx.audit_key, actor=by, actor_label=None if by else _CLI,
               action=Action.ADMIN, resource=f"{purpose.value}-link",
               source_address=None if by else "local")
        shown_email = user.email
    path = _PATHS[purpose] + token
    url = ctx.public_url + path if ctx.public_url else None
    return IssuedLink(shown_email, purpose, token, path, url, now + LIFETIME)


def _spend_older(session: Session, user_id: int, purpose: Purpose, now: datetime) -> None:
    session.execute(update(AccountLink)
                    .where(AccountLink.user_id == user_id, AccountLink.purpose == purpose.value,
                           AccountLink.used_at.is_(None))
                    .values(used_at=now))


def _open(session: Session, token: str, purpose: Purpose) -> tuple[AccountLink, User]:
    if not token or len(token) > 100:
        raise LinkRefused
    link = session.scalar(select(AccountLink).where(AccountLink.token_hash == _digest(token)))
    if (link is None or link.purpose != purpose.value or link.used_at is not None
            or link.expires_at <= utcnow()):
        raise LinkRefused
    user = session.get(User, link.user_id)
    if user is None or not user.active:
        raise LinkRefused
    return link, user


def check_link(ctx: Context, token: str, purpose: Purpose) -> str:
    """The email of the account a valid link of ``purpose`` names (``LinkRefused`` else)."""
    with ctx.db.read() as session:
        return _open(session, token, purpose)[1].email


def enrolment_of(ctx: Context, token: str) -> tuple[str, mfa.Enrolment]:
    """The account email and the pending secret an enrolment link shows (the same on every
    visit until it is confirmed)."""
    with ctx.db.read() as session:
        _link, user = _open(session, token, Purpose.MFA_ENROLMENT)
        user_id, email = user.id, user.email
    return email, mfa.begin_enrolment(ctx, user_id)


def redeem_enrolment(ctx: Context, token: str, code: str, source: str | None) -> list[str] | None:
    """Confirm the link's pending secret with the first valid code: the recovery codes, and
    the link is spent. A wrong code answers None and changes nothing (same secret, link
    still valid). The recovery codes are hashed before the write (``mfa.prepare_enrolment``)."""
    with ctx.db.read() as session:
        user_id = _open(session, token, Purpose.MFA_ENROLMENT)[1].id
    prepared = mfa.prepare_enrolment(ctx, user_id, code)
    with ctx.db.write() as session:
        link, user = _open(session, token, Purpose.MFA_ENROLMENT)
        codes = (mfa.confirm_in(session, ctx, user.id, code, prepared)
                 if prepared is not None and user.id == user_id else None)
        if codes is not None:
            link.used_at = utcnow()
            return codes
        email = user.email
    record_alone(ctx, actor=None, action=Action.ADMIN, resource="mfa-enrolment",
                 outcome=Outcome.FAILURE, actor_label=email, source_address=source)
    return None


def reset_password(ctx: Context, token: str, password: str, source: str | None) -> str:
    """Set a new password through a reset link; ends every session and token of the account.

    A password the rules refuse raises ``ServiceError`` with the reason and spends nothing.
    """
    with ctx.db.read() as session:
        _link, user = _open(session, token, Purpose.PASSWORD_RESET)
        clinic = session.get(Clinic, user.clinic_id)
        words = context_words(user.email, clinic.name if clinic else None)
    if (problem := check_password_policy(password, words)) is not None:
        raise ServiceError(problem)
    hashed = hash_password(password)
    with ctx.db.write() as session:
        link, user = _open(session, token, Purpose.PASSWORD_RESET)
        link.used_at = user.sessions_valid_after = utcnow()
        user.password_hash = hashed
        record(session, ctx.audit_key, actor=None, actor_label=user.email, action=Action.ADMIN,
               resource="password-reset", source_address=source)
        return user.email
