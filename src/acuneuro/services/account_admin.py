"""Ending sessions and administering accounts: logout, disable, enable, second-factor reset.

Each of these ends every token and session cookie the account holds, copies included, by
moving ``User.sessions_valid_after`` to now; ``accounts`` refuses anything issued before it
(ASVS 5.0 7.4.1 termination on logout, 7.4.3 on account change). Administration runs from the
command line, as for creating accounts: whoever runs it can read the database file, and it is
audited as ``system:cli``. A second-factor reset is how an administrator recovers a clinician
or researcher who lost their phone and their recovery codes: the account must enrol a new
factor through the one-time link the reset issues (``services.account_links``); roles in
``mfa.MFA_REQUIRED`` cannot log in until they have.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._errors import NotFound
from acuneuro.services.account_links import Purpose, issue_link
from acuneuro.services.audit import Action, record
from acuneuro.store import Clinic, MfaCredential, User, utcnow

__all__ = [
    "disable_user",
    "enable_user",
    "end_sessions",
    "enrolment_link",
    "password_reset_link",
    "reset_second_factor",
]

_CLI = "system:cli"


def end_sessions(ctx: Context, actor: Actor) -> None:
    """Log ``actor`` out everywhere: every token and cookie issued until now stops working."""
    if actor.user_id is None:
        return
    with ctx.db.write() as session:
        user = session.get(User, actor.user_id)
        if user is None:
            return
        user.sessions_valid_after = utcnow()
        record(session, ctx.audit_key, actor=actor, action=Action.LOGOUT, resource="account")


def disable_user(ctx: Context, email: str) -> dict[str, object]:
    """Disable an account (it can no longer log in) and end its sessions."""
    with ctx.db.write() as session:
        user = _user(session, email)
        user.active = False
        user.sessions_valid_after = utcnow()
        _audit(ctx, session, "user-disable")
        return _shown(session, user)


def enable_user(ctx: Context, email: str) -> dict[str, object]:
    """Enable a disabled account again (old sessions stay ended)."""
    with ctx.db.write() as session:
        user = _user(session, email)
        user.active = True
        _audit(ctx, session, "user-enable")
        return _shown(session, user)


def reset_second_factor(ctx: Context, email: str) -> dict[str, object]:
    """Remove an account's second factor and recovery codes, end its sessions, and issue the
    one-time enrolment link through which it sets up a new one (never by password alone)."""
    with ctx.db.write() as session:
        user = _user(session, email)
        found = session.get(MfaCredential, user.id)
        if found is not None:
            session.delete(found)
        user.sessions_valid_after = utcnow()
        _audit(ctx, session, "mfa-reset")
        shown = _shown(session, user) | {"had_second_factor": found is not None}
    link = issue_link(ctx, email, Purpose.MFA_ENROLMENT)
    return shown | {"enrolment_link": link.shown()}


def enrolment_link(ctx: Context, email: str) -> dict[str, object]:
    """A one-time link through which an account without a second factor enrols one."""
    return issue_link(ctx, email, Purpose.MFA_ENROLMENT).shown()


def password_reset_link(ctx: Context, email: str) -> dict[str, object]:
    """A one-time link through which the account sets a new password (its sessions end when
    it is used)."""
    return issue_link(ctx, email, Purpose.PASSWORD_RESET).shown()


def _user(session: Session, email: str) -> User:
    email = email.strip().lower()
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        raise NotFound(_("There is no account %(email)s.") % {"email": email})
    return user


def _audit(ctx: Context, session: Session, resource: str) -> None:
    record(session, ctx.audit_key, actor=None, actor_label=_CLI, action=Action.ADMIN,
           resource=resource, source_address="local")


def _shown(session: Session, user: User) -> dict[str, object]:
    clinic = session.get(Clinic, user.clinic_id)
    return {"id": user.id, "email": user.email, "role": user.role.value,
            "clinic": clinic.name if clinic else None, "active": user.active}
