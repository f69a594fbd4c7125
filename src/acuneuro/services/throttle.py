"""Rate limits on the expensive requests, per account and per address, answered before the work.

One request must not stop a clinic: cohort analytics, a meta-analysis, a report PDF and a
FHIR ``$everything`` export each cost far more than a patient read, so each account and each
address may start only so many of them per window. Over the limit the request is refused with
:class:`Throttled` (HTTP 429, ``Retry-After``) before it reads anything. A clinic behind one
NAT address shares the address limit, hence its higher figures. The counters are kept in the
database (``store._counters``: windows of 60 slots, one atomic upsert per key), so every worker
process of ``acuneuro serve --workers N`` counts against the same figures and a restart keeps
them; a refused request only reads them. Each refusal is sent after a one-second pause on the
event loop (:func:`pause`), so a client that retries at once, as floods do, is slowed to one
request a second per connection.

A refusal is audited (``denied``) at most once a minute per account and kind of work: auditing
every refused request would put a flood's requests back on the writer lock.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Iterable, Sequence
from enum import StrEnum

from limits import RateLimitItem, parse, parse_many

from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._errors import Throttled
from acuneuro.services.audit import Action, Outcome, record_alone
from acuneuro.store import Count, Database, Limit, SharedCounters

__all__ = ["LIMITS", "REFUSAL_PAUSE", "Check", "Window", "Work", "check_work", "pause", "windows"]

# A limit (``limits`` parses "5 per 10 seconds") and the parts of the key it counts under.
Check = tuple[RateLimitItem, tuple[str, ...]]


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


def _counts(checks: Iterable[Check]) -> list[Count]:
    return [Count(Limit(item.amount, item.get_expiry()), key) for item, key in checks]


class Window:
    """The shared counters of one ``Database`` (``store.SharedCounters``), limits as parsed
    by ``limits``."""

    def __init__(self, db: Database) -> None:
        self.counters = SharedCounters(db)

    def take(self, checks: Sequence[Check]) -> int:
        """Count one attempt against every limit, or none when one is full: seconds to wait
        (0: admitted and counted)."""
        return self.counters.take(_counts(checks))

    def waits(self, checks: Sequence[Check]) -> list[int]:
        """Per limit, seconds until it has room again (0: room now); one read, counts nothing."""
        return self.counters.waits(_counts(checks))

    def wait(self, checks: Sequence[Check]) -> int:
        """Seconds until every limit has room again (0: room now); counts nothing."""
        return max(self.waits(checks), default=0)

    def hit(self, item: RateLimitItem, *key: str) -> bool:
        """Count one event; False when the limit was already full (then nothing is counted)."""
        return self.take([(item, key)]) == 0

    def count(self, checks: Sequence[Check], *, clear: Sequence[Check] = ()) -> None:
        """Forget the events counted under ``clear``, then count one event against each limit
        of ``checks`` that has room; one transaction."""
        self.counters.count(_counts(checks), clear=_counts(clear))


_windows: weakref.WeakKeyDictionary[Database, Window] = weakref.WeakKeyDictionary()
_windows_guard = threading.Lock()


def windows(db: Database) -> Window:
    """The rate-limit counters of ``db`` (shared by every process through the database)."""
    with _windows_guard:
        window = _windows.get(db)
        if window is None:
            window = _windows[db] = Window(db)
        return window


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
