"""``/api/v1/accounts/...``: an administrator issues one-time links for accounts of their own
clinic (second-factor enrolment, password reset); ``services.account_links`` holds the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from acuneuro.api.deps import ActorDep, ContextDep
from acuneuro.services.account_links import IssuedLink, Purpose, issue_link

__all__ = ["router"]

router = APIRouter(prefix="/accounts", tags=["accounts"])


class LinkRequest(BaseModel):
    """The account the link is for."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)


class Link(BaseModel):
    """A one-time link: hand ``link`` to the person; it works once, until ``expires_at``."""

    email: str
    purpose: Literal["mfa-enrolment", "password-reset"]
    link: str
    token: str
    expires_at: datetime
    single_use: Literal[True] = True


def _answer(issued: IssuedLink) -> Link:
    return Link(email=issued.email, purpose=issued.purpose.value,
                link=issued.url or issued.path, token=issued.token,
                expires_at=issued.expires_at)


@router.post("/enrolment-links", status_code=201)
def enrolment_link(ctx: ContextDep, actor: ActorDep, body: LinkRequest) -> Link:
    """A one-time second-factor enrolment link for an account without a factor (24 hours)."""
    return _answer(issue_link(ctx, body.email, Purpose.MFA_ENROLMENT, by=actor))


@router.post("/password-reset-links", status_code=201)
def password_reset_link(ctx: ContextDep, actor: ActorDep, body: LinkRequest) -> Link:
    """A one-time password-reset link (24 hours); using it ends the account's sessions."""
    return _answer(issue_link(ctx, body.email, Purpose.PASSWORD_RESET, by=actor))
