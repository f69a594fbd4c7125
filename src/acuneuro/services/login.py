"""Logging in from a route on the event loop without letting a flood of logins stall the clinic.

``accounts.authenticate`` hashes the password (argon2id: tens of milliseconds and 64 MiB) in
the calling thread. A route that called it from the shared worker pool would let sixty
concurrent wrong logins occupy every worker thread while they queue for a hashing slot, and a
clinician's patient read would wait behind them. :func:`authenticate_async` refuses a throttled
attempt at once (``lockout.check``: one read of the shared counters, in a worker thread for
the fraction of a millisecond it takes, plus the audit row of the first refusal a minute), and
lets the others wait for one of ``lockout.slots()`` on the loop, so at most
``lockout.HASH_SLOTS`` worker threads ever hash.
"""

from __future__ import annotations

from functools import partial

import anyio

from acuneuro.services import lockout
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services.accounts import authenticate, complete_login

__all__ = ["authenticate_async", "complete_login_async"]


async def authenticate_async(
    ctx: Context, email: str, password: str, source: str | None, *, otp: str | None = None
) -> Actor:
    """``accounts.authenticate`` in one of the hashing slots; ``Throttled`` without waiting."""
    await anyio.to_thread.run_sync(partial(lockout.check, ctx, email, source))
    return await anyio.to_thread.run_sync(
        partial(authenticate, ctx, email, password, source, otp=otp), limiter=lockout.slots())


async def complete_login_async(ctx: Context, user_id: int, otp: str, source: str | None) -> Actor:
    """``accounts.complete_login`` (a recovery code is an argon2 hash too) in a hashing slot."""
    return await anyio.to_thread.run_sync(
        partial(complete_login, ctx, user_id, otp, source), limiter=lockout.slots())
