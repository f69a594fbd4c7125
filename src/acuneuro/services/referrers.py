"""The clinic's directory of referring doctors: list, add, edit (issue 14, item 7).

The referral letter is addressed to a doctor chosen here (name, practice, postal address)
instead of "Dear Colleague". A referrer is never deleted, only set inactive, so that a letter
written to them can still be read back. Clinicians and administrators keep the directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._context import Context
from acuneuro.services._course_common import require
from acuneuro.services._errors import Conflict, NotFound
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action, record
from acuneuro.store import Referrer

__all__ = ["ReferrerIn", "ReferrerView", "add_referrer", "get_referrer", "list_referrers",
           "update_referrer"]

_RESOURCE = "referrer"
_Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
_Practice = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
_Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class ReferrerIn(BaseModel):
    """A referring doctor as typed: the name is required, practice and address optional."""

    model_config = ConfigDict(extra="forbid")

    name: _Name
    practice: _Practice = ""
    address: _Address = ""
    active: bool = True


class ReferrerView(BaseModel):
    """A referring doctor of the clinic."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    practice: str
    address: str
    active: bool

    @property
    def address_lines(self) -> list[str]:
        """The postal address one line per line, blank lines dropped."""
        return [line.strip() for line in self.address.splitlines() if line.strip()]


def _view(row: Referrer) -> ReferrerView:
    return ReferrerView(id=row.id, name=row.name, practice=row.practice, address=row.address,
                        active=row.active)


def list_referrers(ctx: Context, actor: Actor, *, active_only: bool = False
                   ) -> list[ReferrerView]:
    """The clinic's referrers by name (only the active ones when ``active_only``)."""
    require(ctx, actor, UseCase.PATIENT_RECORD, Action.LIST, _RESOURCE, None)
    with ctx.db.read() as session:
        query = select(Referrer).where(Referrer.clinic_id == actor.clinic_id)
        if active_only:
            query = query.where(Referrer.active.is_(True))
        rows = [_view(r) for r in session.scalars(query.order_by(Referrer.name, Referrer.id))]
    record_read(ctx, actor, Action.LIST, _RESOURCE, [])
    return rows


def get_referrer(ctx: Context, actor: Actor, referrer_id: int) -> ReferrerView:
    """One referrer of the actor's clinic (``NotFound`` for another clinic's)."""
    require(ctx, actor, UseCase.PATIENT_RECORD, Action.READ, _RESOURCE, None)
    with ctx.db.read() as session:
        row = session.get(Referrer, referrer_id)
        if row is None or row.clinic_id != actor.clinic_id:
            raise NotFound(_("There is no such referring doctor."))
        return _view(row)


def _duplicate(given: ReferrerIn) -> Conflict:
    return Conflict(_("%(name)s (%(practice)s) is already in the directory.") % {
        "name": given.name, "practice": given.practice or _("no practice")})


def add_referrer(ctx: Context, actor: Actor, data: ReferrerIn | Mapping[str, Any]
                 ) -> ReferrerView:
    """Add a referrer to the clinic's directory (``ValidationError`` naming a bad field)."""
    require(ctx, actor, UseCase.REFERRER_WRITE, Action.CREATE, _RESOURCE, None)
    given = data if isinstance(data, ReferrerIn) else ReferrerIn.model_validate(data)
    try:
        with ctx.db.write() as session:
            row = Referrer(clinic_id=actor.clinic_id, **given.model_dump())
            session.add(row)
            session.flush()
            record(session, ctx.audit_key, actor=actor, action=Action.CREATE,
                   resource=_RESOURCE)
            return _view(row)
    except IntegrityError:
        raise _duplicate(given) from None


def update_referrer(ctx: Context, actor: Actor, referrer_id: int,
                    data: ReferrerIn | Mapping[str, Any]) -> ReferrerView:
    """Change a referrer's name, practice, address or whether they are still offered."""
    require(ctx, actor, UseCase.REFERRER_WRITE, Action.UPDATE, _RESOURCE, None)
    given = data if isinstance(data, ReferrerIn) else ReferrerIn.model_validate(data)
    try:
        with ctx.db.write() as session:
            row = session.get(Referrer, referrer_id)
            if row is None or row.clinic_id != actor.clinic_id:
                raise NotFound(_("There is no such referring doctor."))
            for key, value in given.model_dump().items():
                setattr(row, key, value)
            session.flush()
            record(session, ctx.audit_key, actor=actor, action=Action.UPDATE,
                   resource=_RESOURCE)
            return _view(row)
    except IntegrityError:
        raise _duplicate(given) from None
