"""Group commit of the audit rows of reads: one write transaction for the reads of many threads.

A read runs in a read transaction (readers never queue on SQLite's one writer), then hands its
audit rows to ``record_read``, which returns only once they are durably committed: the caller
sends no patient data before that, and a failed audit write fails the read. Threads that
arrive while a commit is in flight queue their rows; when it ends, one of them commits
everything queued in one transaction (one fsync for all), chained in arrival order, and wakes
the others. Nothing is fire-and-forget and no read goes unaudited: the batching only shares
the transaction and its fsync. The chain's head of these commits is anchored outside the
database by the background step of ``services.audit_anchor`` (``anchor_later``), off the
request: the guarantee above is about the rows, which are durable before the read answers.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services.audit import Action, append, event_rows
from acuneuro.services.audit_anchor import anchor_later
from acuneuro.store import Database

__all__ = ["AuditNotWritten", "record_read", "record_reads"]


class AuditNotWritten(RuntimeError):
    """The audit rows of a read could not be committed, so its result must not be sent."""


@dataclass(slots=True)
class _Request:
    key: bytes
    actor: Actor
    action: Action
    resource: str
    patients: Sequence[str]
    done: bool = False
    error: BaseException | None = None


@dataclass(slots=True)
class _Queue:
    ready: threading.Condition = field(default_factory=threading.Condition)
    waiting: list[_Request] = field(default_factory=list)
    committing: bool = False


_queues: weakref.WeakKeyDictionary[Database, _Queue] = weakref.WeakKeyDictionary()
_queues_guard = threading.Lock()


def record_read(
    ctx: Context, actor: Actor, action: Action, resource: str, patients: Sequence[str]
) -> None:
    """Commit one audit row per patient read; return once they are durable, else raise."""
    record_reads(ctx, actor, action, [(resource, patients)])


def record_reads(
    ctx: Context, actor: Actor, action: Action, reads: Sequence[tuple[str, Sequence[str]]]
) -> None:
    """``record_read`` of several resources of one request, in one commit (one fsync)."""
    mine = [_Request(ctx.audit_key, actor, action, resource, patients)
            for resource, patients in reads if patients]
    if not mine:
        return
    with _queues_guard:
        queue = _queues.setdefault(ctx.db, _Queue())
    batch: list[_Request] = []
    with queue.ready:
        queue.waiting.extend(mine)
        while not mine[-1].done and queue.committing:
            queue.ready.wait()
        if not mine[-1].done:
            queue.committing = True
            batch, queue.waiting = queue.waiting, []
    if batch:
        _commit(ctx.db, queue, batch)
    # Queued together, so committed together: the last request is done when all are.
    if mine[-1].error is not None:
        raise AuditNotWritten(
            _("the audit rows of this read were not committed")) from mine[-1].error


def _commit(db: Database, queue: _Queue, batch: list[_Request]) -> None:
    error: BaseException | None = None
    heads: list[tuple[int, str]] = []
    try:
        # One Core transaction, no ORM session; the rows chained in arrival order.
        with db.write_connection() as connection:
            for key, rows in _by_key(batch):
                if (head := append(connection, key, rows)) is not None:
                    heads.append(head)
    except BaseException as exc:  # every waiter of the batch must learn of it, then it is raised
        error = exc
    with queue.ready:
        for request in batch:
            request.done, request.error = True, error
        queue.committing = False
        queue.ready.notify_all()
    if error is None and heads:  # the anchor file: written by the background step, not here
        anchor_later(db, heads[-1])


def _by_key(batch: list[_Request]) -> list[tuple[bytes, list[dict[str, object]]]]:
    """The batch's rows in arrival order, grouped into runs that share one audit key."""
    runs: list[tuple[bytes, list[dict[str, object]]]] = []
    for request in batch:
        rows = event_rows(request.actor, request.action, request.resource, request.patients)
        if runs and runs[-1][0] == request.key:
            runs[-1][1].extend(rows)
        else:
            runs.append((request.key, rows))
    return runs
