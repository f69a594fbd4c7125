"""Practitioner profiles: the name, qualification and registration number that sign records.

A profile belongs to a login account of the clinic. ``profile_of`` gives the caller's own
profile (or None), which session records, letters and PDFs print instead of a login e-mail.
Each practitioner may have a calendar feed (``services.calendar_feed``) opened by a secret in
its address: the secret is shown once, only its SHA-256 is kept, and issuing a new one or
revoking it ends the old address at once. Writes are the administrator's and audited.
"""

from __future__ import annotations

import hashlib
import secrets

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._course_common import require
from acuneuro.services._errors import NotFound, ServiceError
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action, record
from acuneuro.store import Practitioner, User, utcnow

__all__ = [
    "FieldRefused",
    "PractitionerView",
    "ProfileIn",
    "feed_token_hash",
    "issue_feed_token",
    "list_practitioners",
    "practitioner_of",
    "profile_of",
    "revoke_feed_token",
    "save_profile",
    "signature",
    "stricta_practitioner",
]

_RESOURCE = "practitioner"


class FieldRefused(ServiceError):
    """One field of a form cannot be saved as given: ``field`` names it, the text says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ProfileIn(BaseModel):
    """A practitioner's profile as an administrator enters it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: str = Field(min_length=2, max_length=200)
    qualification: str | None = Field(default=None, max_length=200)
    registration_number: str | None = Field(default=None, max_length=100)

    @field_validator("qualification", "registration_number")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class PractitionerView(BaseModel):
    """A practitioner as pages list them (the e-mail only for the administrator's page)."""

    model_config = ConfigDict(frozen=True)

    id: int
    user_id: int
    email: str
    display_name: str
    qualification: str | None
    registration_number: str | None
    has_feed: bool

    @property
    def signature(self) -> str:
        """"Name, qualification (reg. no. X)", as records and letters are signed."""
        return signature(self.display_name, self.qualification, self.registration_number)


def signature(name: str, qualification: str | None, registration: str | None) -> str:
    """The line a record or letter is signed with."""
    text = name + (f", {qualification}" if qualification else "")
    if registration:
        text += " " + _("(registration %(number)s)") % {"number": registration}
    return text


def _view(row: Practitioner, email: str) -> PractitionerView:
    return PractitionerView(id=row.id, user_id=row.user_id, email=email,
                            display_name=row.display_name, qualification=row.qualification,
                            registration_number=row.registration_number,
                            has_feed=row.feed_token_hash is not None)


def profile_of(ctx: Context, actor: Actor) -> PractitionerView | None:
    """The caller's own practitioner profile, or None when the account has none."""
    with ctx.db.read() as session:
        row = session.scalar(select(Practitioner).where(
            Practitioner.user_id == actor.user_id, Practitioner.clinic_id == actor.clinic_id))
        return None if row is None else _view(row, actor.email)


def stricta_practitioner(session: Session, user_id: int | None) -> dict[str, str] | None:
    """STRICTA item 5 (name and qualification) from the account's profile, or None."""
    row = session.scalar(select(Practitioner).where(Practitioner.user_id == user_id))
    if row is None or not row.qualification:
        return None
    return {"name": row.display_name, "qualification": row.qualification}


def list_practitioners(ctx: Context, actor: Actor) -> list[PractitionerView]:
    """The clinic's practitioners, by name."""
    require(ctx, actor, UseCase.APPOINTMENT_READ, Action.LIST, _RESOURCE, None)
    with ctx.db.read() as session:
        rows = session.execute(
            select(Practitioner, User.email).join(User, User.id == Practitioner.user_id)
            .where(Practitioner.clinic_id == actor.clinic_id)
            .order_by(Practitioner.display_name, Practitioner.id)).all()
        return [_view(p, email) for p, email in rows]


def practitioner_of(session: Session, actor: Actor, practitioner_id: int) -> Practitioner:
    """The clinic's practitioner with this id (``NotFound`` for another clinic's)."""
    row = session.get(Practitioner, practitioner_id)
    if row is None or row.clinic_id != actor.clinic_id:
        raise NotFound(_("no such practitioner"))
    return row


def save_profile(ctx: Context, actor: Actor, email: str, profile: ProfileIn) -> PractitionerView:
    """Create or update the profile of the clinic's account ``email`` (administrators)."""
    require(ctx, actor, UseCase.CLINIC_SETTINGS, Action.UPDATE, _RESOURCE, None)
    with ctx.db.write() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower(),
                                                 User.clinic_id == actor.clinic_id))
        if user is None:
            raise FieldRefused("email", _("No account of this clinic has this e-mail address."))
        row = session.scalar(select(Practitioner).where(Practitioner.user_id == user.id))
        if row is None:
            row = Practitioner(clinic_id=actor.clinic_id, user_id=user.id,
                               display_name=profile.display_name)
            session.add(row)
        row.display_name = profile.display_name
        row.qualification = profile.qualification
        row.registration_number = profile.registration_number
        row.updated_at = utcnow()
        session.flush()
        record(session, ctx.audit_key, actor=actor, action=Action.UPDATE, resource=_RESOURCE)
        return _view(row, user.email)


def feed_token_hash(token: str) -> str:
    """What is stored of a feed secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_feed_token(ctx: Context, actor: Actor, practitioner_id: int) -> str:
    """A new secret for the practitioner's calendar feed; the previous one stops working.

    The practitioner themself or an administrator may do it. The secret is returned once.
    """
    token = secrets.token_urlsafe(32)
    _set_feed(ctx, actor, practitioner_id, feed_token_hash(token))
    return token


def revoke_feed_token(ctx: Context, actor: Actor, practitioner_id: int) -> None:
    """End the practitioner's calendar feed address."""
    _set_feed(ctx, actor, practitioner_id, None)


def _set_feed(ctx: Context, actor: Actor, practitioner_id: int, digest: str | None) -> None:
    require(ctx, actor, UseCase.APPOINTMENT_READ, Action.UPDATE, "calendar-feed", None)
    with ctx.db.read() as session:
        own = practitioner_of(session, actor, practitioner_id).user_id == actor.user_id
    if not own:  # checked (and a refusal audited) before the write transaction opens
        require(ctx, actor, UseCase.CLINIC_SETTINGS, Action.UPDATE, "calendar-feed", None)
    with ctx.db.write() as session:
        row = practitioner_of(session, actor, practitioner_id)
        row.feed_token_hash = digest
        row.updated_at = utcnow()
        record(session, ctx.audit_key, actor=actor, action=Action.UPDATE,
               resource="calendar-feed")
