"""A person's own settings on their account: the language they read pages and PDFs in."""

from __future__ import annotations

from acuneuro import i18n
from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._errors import NotFound, ServiceError
from acuneuro.services.audit import Action, record
from acuneuro.store import User

__all__ = ["LANGUAGE_NAMES", "language_of", "set_language"]

# Each language named in itself, as a language menu shows them (W3C i18n "language selector").
LANGUAGE_NAMES = {"en": "English", "it": "Italiano"}


def language_of(ctx: Context, user_id: int | None) -> str | None:
    """The language saved on the account (None: the account follows the browser)."""
    if user_id is None:
        return None
    with ctx.db.read() as session:
        user = session.get(User, user_id)
        return user.locale if user is not None else None


def set_language(ctx: Context, actor: Actor, locale: str | None) -> None:
    """Save the actor's own language; None or "" forgets it (the browser's then counts)."""
    if locale and locale not in i18n.LOCALES:
        raise ServiceError(_("Language: choose one of the languages listed."))
    with ctx.db.write() as session:
        user = session.get(User, actor.user_id) if actor.user_id is not None else None
        if user is None:
            raise NotFound(_("Account not found."))
        user.locale = locale or None
        record(session, ctx.audit_key, actor=actor, action=Action.UPDATE, resource="account")
