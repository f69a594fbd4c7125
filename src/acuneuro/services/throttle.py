"""Rate limits on the expensive requests, per account and per address, answered before the work.

One request must not stop a clinic: cohort analytics, a meta-analysis, a report PDF and a
FHIR ``$everything`` export each cost far more than a patient read, so each account and each
address may start only so many of them per window (moving windows of the maintained ``limits``
library, in memory). Over the limit the request is refused with :class:`Throttled` (HTTP 429,
``Retry-After``) before it reads anything. A clinic behind one NAT address shares the address
limit, hence its higher figures. The counters live in the server process (one set per
``Database``): they start empty after a restart and are not shared between worker processes,
so with N workers an address gets up to N times the figures (docs/security.md). Each refusal
is sent after a one-second pause on the event loop (:func:`pause`), so a client that retries at
once, as floods do, is slowed to one request a second per connection.

A refusal is audited (``denied``) at most once a minute per account and kind of work: auditing
every refused request would put a flood's requests back on the writer lock.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from limits import RateLimitItem, parse, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._errors import Throttled
from acuneuro.services.audit import Action, Outcome, record_alone
from acuneuro.store import Database

__all__ = ["LIMITS", "REFUSAL_PAUSE", "Window", "Work", "check_work", "pause", "windows"]


class Work(StrEnum):
    """The expensive kinds of request (the value is the audit trail's resource name)."""

    ANALYTICS = "cohort_analytics"
    META = "meta_analysis"
    REPORT = "report_pdf"
    FHIR_EXPORT = "fhir_export"


_LABEL = {
    Work.ANALYTICS: N_("cohort analytics"),
    Work.META: N_("meta-analyses"),
    Work.REPORT: N_("report PDFs"),
    Work.FHIR_EXPORT: N_("FHIR exports"),
}

# (per account, per address): design choice, sized for a person reloading a page now and
# then, not for a script; a clinic behind one address shares the second figure.
LIMITS: dict[Work, tuple[str, str]] = {
    Work.ANALYTICS: ("2 per 10 seconds; 10 per minute", "30 per minute"),
    Work.META: ("5 per 10 seconds; 30 per minute", "60 per minute"),
    Work.REPORT: ("5 per 10 seconds; 30 per minute", "60 per minute"),
    Work.FHIR_EXPORT: ("5 per 10 seconds; 30 per minute", "60 per minute"),
}
_REPORT_ONCE = parse("1 per minute")
# Seconds a refusal waits before it is sent (design choice). A client that retries at once,
# as a flood does, then sends at most one request per connection per pause: the server's
# event loop is not kept busy refusing, and the pause holds no worker thread, only a socket.
REFUSAL_PAUSE = 1.0


@dataclass(slots=True)
class Window:
    """The limiter of one ``Database``, and the lock that makes test-then-count one step."""

    limiter: MovingWindowRateLimiter = field(
        default_factory=lambda: MovingWindowRateLimiter(MemoryStorage()))
    guard: threading.Lock = field(default_factory=threading.Lock)

    def take(self, checks: Sequence[tuple[RateLimitItem, tuple[str, ...]]]) -> int:
        """Count one attempt against every limit, or none when one is full: seconds to wait
        (0: admitted and counted)."""
        with self.guard:
            wait = self.wait(checks)
            if wait == 0:
                for item, key in checks:
                    self.limiter.hit(item, *key)
            return wait

    def wait(self, checks: Sequence[tuple[RateLimitItem, tuple[str, ...]]]) -> int:
        """Seconds until every limit has room again (0: room now); counts nothing."""
        waits = [self._until_room(item, key) for item, key in checks
                 if not self.limiter.test(item, *key)]
        return max(waits, default=0)

    def hit(self, item: RateLimitItem, *key: str) -> bool:
        """Count one event; False when the limit was already full (then nothing is counted)."""
        with self.guard:
            return self.limiter.hit(item, *key)

    def clear(self, item: RateLimitItem, *key: str) -> None:
        """Forget the events counted under ``key``."""
        with self.guard:
            self.limiter.clear(item, *key)

    def _until_room(self, item: RateLimitItem, key: tuple[str, ...]) -> int:
        reset = self.limiter.get_window_stats(item, *key).reset_time
        return max(1, math.ceil(reset - time.time()))


_windows: weakref.WeakKeyDictionary[Database, Window] = weakref.WeakKeyDictionary()
_windows_guard = threading.Lock()


def windows(db: Database) -> Window:
    """The rate-limit counters of ``db``'s server process (created on first use)."""
    with _windows_guard:
        return _windows.setdefault(db, Window())


def check_work(ctx: Context, work: Work, actor: Actor) -> None:
    """Count one request for ``work`` by ``actor``; ``Throttled`` when its account or its
    address is over the limit (then nothing is counted and nothing is read)."""
    per_account, per_address = LIMITS[work]
    account = f"user:{actor.user_id}" if actor.user_id is not None else f"label:{actor.email}"
    checks = [(item, ("work", work.value, account)) for item in parse_many(per_account)]
    checks += [(item, ("work-address", work.value, actor.source_address or "-"))
               for item in parse_many(per_address)]
    window = windows(ctx.db)
    wait = window.take(checks)
    if wait == 0:
        return
    if window.hit(_REPORT_ONCE, "reported", work.value, account):
        record_alone(ctx, actor=actor, action=Action.READ, resource=work.value,
                     outcome=Outcome.DENIED)
    raise Throttled(_("Too many %(work)s requested from this account or address; try again in "
                      "%(n)s seconds.") % {"work": _(_LABEL[work]), "n": wait}, wait)


async def pause(refused: Throttled) -> None:
    """Wait ``REFUSAL_PAUSE`` (at most ``retry_after``) on the event loop before a 429 is sent."""
    await asyncio.sleep(min(REFUSAL_PAUSE, refused.retry_after))
