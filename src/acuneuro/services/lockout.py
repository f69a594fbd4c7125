"""Login throttling that a stranger cannot turn into a lock on someone else's account.

Decided by one read of the counters before any password is hashed and before any write
transaction opens, so a refused attempt costs one indexed read and never queues on the writer
lock (ASVS 5.0 6.3.1, 6.1.1):

- **per address**: 20 failed logins in 15 minutes from one address refuse further attempts
  from it until the oldest leaves the window (a clinic behind one NAT address shares it, hence
  the figure);
- **per account and address**: a progressive delay on the account's failures from that
  address: after 3 failures within a minute, wait out the minute; after 6 within 15 minutes,
  the rest of those 15; after 10 within an hour, the rest of the hour (the cap). A correct
  password from that address clears it. Another address is not delayed by these failures, so
  nobody can lock the owner out by typing wrong passwords elsewhere;
- **per account**: the ceiling of NIST SP 800-63B 5.2.2 (at most 100 consecutive failures):
  100 failures within an hour, from any addresses, delay the account everywhere except at
  addresses where it logged in successfully within 30 days. One address cannot reach it (20
  per 15 minutes is 80 an hour); a distributed attack delays only strangers' addresses.

A refused attempt raises :class:`Throttled` (HTTP 429 with ``Retry-After``, a sentence saying
when to try again) without looking the account up, so the answer is the same for an account
that does not exist and says nothing about the password. Keys use the email as typed
(normalised), never whether it exists. The first refusal per key and minute is audited as a
``denied`` login; the rest are not, or a flood would queue on the writer lock again.

At most ``HASH_SLOTS`` passwords are hashed at once in the process (argon2id costs 64 MiB and
runs its four lanes on four threads: one slot per four cores, at least one): :func:`hashing`
is that gate, and :func:`slots` is the same number of slots for the event loop, so a queued
login waits without holding a worker thread. The
counters are in the database (``services.throttle``, ``store._counters``): every worker process
of ``acuneuro serve --workers N`` counts against the same figures, and a restart keeps them.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import TypeVar

import anyio
from limits import parse, parse_many

from acuneuro.i18n import gettext as _
from acuneuro.services._context import Context
from acuneuro.services._errors import Throttled
from acuneuro.services.audit import Action, Outcome, record_alone
from acuneuro.services.throttle import Check, windows

__all__ = [
    "ACCOUNT_CEILING",
    "ADDRESS_FAILURES",
    "DELAY_STEPS",
    "HASH_SLOTS",
    "check",
    "failed",
    "hashing",
    "in_hashing_thread",
    "refusal",
    "report",
    "report_due",
    "slots",
    "succeeded",
]

ADDRESS_FAILURES = "20 per 15 minutes"
DELAY_STEPS = "3 per 1 minute; 6 per 15 minutes; 10 per 1 hour"
ACCOUNT_CEILING = "100 per 1 hour"
# argon2-cffi hashes its 4 lanes (p=4) on 4 threads: one hash at a time per 4 cores.
HASH_SLOTS = max(1, (os.cpu_count() or 1) // 4)

T = TypeVar("T")
_ADDRESS = parse(ADDRESS_FAILURES)
_STEPS = parse_many(DELAY_STEPS)
_CEILING = parse(ACCOUNT_CEILING)
# A successful login marks its address as the account's for 30 days (test() is then False).
_KNOWN = parse("1 per 30 days")
_REPORT_ONCE = parse("1 per 1 minute")
_NO_ADDRESS = "-"

_hash_gate = threading.BoundedSemaphore(HASH_SLOTS)
_NICE = 10


def _lower_priority() -> None:
    # Linux gives each thread its own nice value, and argon2's lane threads inherit it.
    if sys.platform == "linux":
        with suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICE)


_hashers = ThreadPoolExecutor(max_workers=HASH_SLOTS, thread_name_prefix="acuneuro-argon2",
                              initializer=_lower_priority)
_loop_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary())


def _keys(email: str, source: str | None) -> tuple[str, str]:
    return email.strip().lower()[:254], source or _NO_ADDRESS


def refusal(ctx: Context, email: str, source: str | None) -> Throttled | None:
    """Why an attempt for ``email`` from ``source`` must wait, or None (counts nothing).

    One read of the counters; the account ceiling's exemption for the account's known
    addresses is part of it.
    """
    account, address = _keys(email, source)
    waits = windows(ctx.db).waits(_address(address) + _pair(account, address)
                                  + _known(account, address) + _ceiling(account))
    # The "known" limit is full (a wait) while the address had a successful login.
    by_address, pair, known, ceiling = waits[0], max(waits[1:-2]), waits[-2] > 0, waits[-1]
    if by_address:
        return Throttled(_("Too many failed logins from this address; try again in %(n)s "
                           "seconds.") % {"n": by_address}, by_address)
    wait = pair or (ceiling if not known else 0)
    if wait:
        return Throttled(_("Too many failed logins for this account; try again in %(n)s "
                           "seconds.") % {"n": wait}, wait)
    return None


def _address(address: str) -> list[Check]:
    return [(_ADDRESS, ("login-address", address))]


def _pair(account: str, address: str) -> list[Check]:
    return [(item, ("login-pair", account, address)) for item in _STEPS]


def _known(account: str, address: str) -> list[Check]:
    # Room in "1 per 30 days" means no successful login from this address within 30 days.
    return [(_KNOWN, ("login-known", account, address))]


def _ceiling(account: str) -> list[Check]:
    return [(_CEILING, ("login-account", account))]


def check(ctx: Context, email: str, source: str | None) -> None:
    """Raise ``Throttled`` when the attempt must wait; the first refusal a minute is audited.

    Writes (the audit row) only when refusing: call it from a worker thread, not the loop.
    """
    refused = refusal(ctx, email, source)
    if refused is None:
        return
    if report_due(ctx, email, source):
        report(ctx, email, source)
    raise refused


def report_due(ctx: Context, email: str, source: str | None) -> bool:
    """True for the first refusal of this account and address in a minute (then counted)."""
    account, address = _keys(email, source)
    return windows(ctx.db).hit(_REPORT_ONCE, "login-reported", account, address)


def report(ctx: Context, email: str, source: str | None) -> None:
    """Audit a refused attempt as a ``denied`` login (a write: from a worker thread)."""
    record_alone(ctx, actor=None, action=Action.LOGIN, resource="account",
                 outcome=Outcome.DENIED, source_address=source, actor_label=_keys(email, source)[0])


def failed(ctx: Context, email: str, source: str | None) -> None:
    """Count a failed login (wrong password, unknown or disabled account, wrong code)."""
    account, address = _keys(email, source)
    windows(ctx.db).count(_address(address) + _pair(account, address) + _ceiling(account))


def succeeded(ctx: Context, email: str, source: str | None) -> None:
    """A correct login: the account's delays end (NIST counts consecutive failures) and the
    address becomes one of the account's known addresses. The address's own count stays."""
    account, address = _keys(email, source)
    known = _known(account, address)
    windows(ctx.db).count(known, clear=_pair(account, address) + _ceiling(account) + known)


@contextmanager
def hashing() -> Iterator[None]:
    """One of the process's ``HASH_SLOTS`` password-hashing slots, held while hashing."""
    with _hash_gate:
        yield


def in_hashing_thread(work: Callable[[], T]) -> T:
    """Run ``work`` (an argon2 hash) in one of the hashing threads, which run at a lower CPU
    priority (nice 10): on a busy machine the operating system serves the server's other
    threads (patient reads) first, and a burst of logins only waits longer."""
    return _hashers.submit(work).result()


def slots() -> anyio.CapacityLimiter:
    """``HASH_SLOTS`` worker slots for logins on the running event loop (anyio ``limiter``)."""
    loop = asyncio.get_running_loop()
    limiter = _loop_slots.get(loop)
    if limiter is None:
        limiter = _loop_slots[loop] = anyio.CapacityLimiter(HASH_SLOTS)
    return limiter

