"""Changing one's own password: the current one first, then the rules, then every other
session and token of the account ends (ASVS 5.0 6.2.2, 6.2.3, 7.4.3; NIST SP 800-63B 5.1.1.2).

A wrong current password is audited as a failed login, so it counts towards the account's
lockout (``services.lockout``) like any other guess: a stolen session cannot be used to guess
the password. The new session or token for the caller is issued by the interface right after
(``accounts.issue_session`` / ``issue_token``): the change moves
``User.sessions_valid_after`` to now, which only what is issued afterwards passes.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy.orm import Session

from acuneuro.i18n import gettext as _
from acuneuro.services import lockout
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._errors import AuthenticationFailed, ServiceError
from acuneuro.services._passwords import (
    check_password_policy,
    context_words,
    hash_password,
    verify,
)
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.store import Clinic, User, utcnow

__all__ = ["WrongCurrentPassword", "change_password"]


class WrongCurrentPassword(ServiceError):
    """The current password given with a change is not the account's."""

    def __init__(self) -> None:
        super().__init__("The current password is not right: nothing was changed.")


def change_password(
    ctx: Context, actor: Actor, current: str, new: str, source: str | None
) -> None:
    """Replace ``actor``'s password; ends every other session and token of the account.

    Refuses with a sentence: a wrong current password (counted like a failed login, and
    throttled like one: ``Throttled``), a new password the rules refuse, or one equal to the
    current.
    """
    if actor.user_id is None:
        raise AuthenticationFailed
    with ctx.db.read() as session:
        user, words = _account(session, actor.user_id)
        email, stored = user.email, user.password_hash
    # Throttled before any hashing, and the hash outside any transaction (services/lockout.py).
    lockout.check(ctx, email, source)
    ok, _rehash = lockout.in_hashing_thread(partial(verify, stored, current))
    if not ok:
        lockout.failed(ctx, email, source)
        record_alone(ctx, actor=None, action=Action.LOGIN, resource="password-change",
                     outcome=Outcome.FAILURE, source_address=source, actor_label=email)
        raise WrongCurrentPassword
    if new == current:
        raise ServiceError(_("The new password must differ from the current one."))
    if (problem := check_password_policy(new, words)) is not None:
        raise ServiceError(problem)
    hashed = hash_password(new)
    with ctx.db.write() as session:
        user, _words = _account(session, actor.user_id)
        user.password_hash = hashed
        user.sessions_valid_after = utcnow()
        record(session, ctx.audit_key, actor=actor, action=Action.ADMIN,
               resource="password-change")


def _account(session: Session, user_id: int) -> tuple[User, list[str]]:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise AuthenticationFailed
    clinic = session.get(Clinic, user.clinic_id)
    return user, context_words(user.email, clinic.name if clinic else None)
