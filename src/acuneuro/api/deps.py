"""Typed dependencies of the JSON API: the service context and the authenticated caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool

from acuneuro.services import Actor, AuthenticationFailed, Context
from acuneuro.services.accounts import remembered_token, resolve_token
from acuneuro.services.peer import client_address
from acuneuro.services.throttle import Work, check_work

__all__ = [
    "ActorDep",
    "ContextDep",
    "client_address",
    "current_actor",
    "get_context",
    "rate_limited",
]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_context(request: Request) -> Context:
    """The service context the app factory stored on the application."""
    ctx: Context = request.app.state.ctx
    return ctx


async def _context(request: Request) -> Context:
    # A coroutine: FastAPI runs a plain function dependency in a worker thread, and that hop
    # (and the GIL hand-over back) would be paid by every request, a flood's included.
    return get_context(request)


ContextDep = Annotated[Context, Depends(_context)]


async def current_actor(
    request: Request, ctx: ContextDep, token: Annotated[str | None, Depends(_bearer)]
) -> Actor:
    """The caller named by the bearer token; 401 when missing, expired or forged.

    A coroutine: a token checked a moment ago is answered from memory in the event loop (no
    hop to a worker thread); a full check reads the account, in a worker thread.
    """
    try:
        if token is None:
            raise AuthenticationFailed
        source = client_address(request)
        if (known := remembered_token(ctx, token, source)) is not None:
            return known
        return await run_in_threadpool(resolve_token, ctx, token, source)
    except AuthenticationFailed:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None


ActorDep = Annotated[Actor, Depends(current_actor)]


def rate_limited(work: Work) -> Callable[[Context, Actor], None]:
    """A route dependency counting one request for ``work`` (429 with ``Retry-After`` when the
    caller's account or address is over its limit; ``services.throttle``)."""

    def check(ctx: ContextDep, actor: ActorDep) -> None:
        check_work(ctx, work, actor)

    return check
