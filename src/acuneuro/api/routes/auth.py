"""``/api/v1/auth/token``: the OAuth2 password flow, answering a short-lived bearer token;
``/api/v1/auth/password``: change one's own password (every other token and session ends)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, ConfigDict, Field

from acuneuro.api.deps import ActorDep, ContextDep, client_address
from acuneuro.services.accounts import issue_token
from acuneuro.services.credentials import change_password
from acuneuro.services.login import authenticate_async

__all__ = ["router"]

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    """An OAuth2 bearer token (RFC 6749 section 5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 scheme name
    expires_in: int


@router.post("/token")
async def token(
    request: Request,
    ctx: ContextDep,
    username: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    otp: Annotated[str | None, Form(max_length=64)] = None,
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
    scope: Annotated[str, Form(max_length=1024)] = "",
) -> Token:
    """Exchange an email (as ``username``), password and, where the account has or needs a
    second factor, a current TOTP or recovery code (``otp``) for a bearer token.

    Every refusal is the same 401, second factor missing included; too many failures from the
    address or for the account from it answer 429 with ``Retry-After`` (``services.lockout``).
    """
    # The fields of OAuth2PasswordRequestForm (RFC 6749 4.3.2), read by the route itself: as
    # a class dependency that form would be built in a worker thread for every attempt.
    del grant_type, scope
    actor = await authenticate_async(ctx, username, password, client_address(request), otp=otp)
    value, seconds = issue_token(ctx, actor)
    return Token(access_token=value, expires_in=seconds)


class PasswordChange(BaseModel):
    """The current password and the new one (NIST SP 800-63B 5.1.1.2 rules)."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


@router.post("/password")
def password(request: Request, ctx: ContextDep, actor: ActorDep, body: PasswordChange) -> Token:
    """Change the caller's password: every token and session issued before ends (this one
    too), and a new token for the caller is answered. A wrong current password, or a new one
    the rules refuse, is a 400 whose detail says why."""
    change_password(ctx, actor, body.current_password, body.new_password,
                    client_address(request))
    value, seconds = issue_token(ctx, actor)
    return Token(access_token=value, expires_in=seconds)
