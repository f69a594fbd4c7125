"""The audit trail: write one event per access, and verify the HMAC chain.

Every event carries ``prev_hmac`` (the previous event's ``hmac``) and its own ``hmac``,
HMAC-SHA256 over its fields and ``prev_hmac`` with a key kept outside the database. Editing,
inserting or deleting a row in the middle breaks the chain at that row; cutting rows off the
end is only visible against a head recorded elsewhere, which is why ``verify`` reports the head
(OWASP ASVS 5.0 V16.4 log integrity; shared/reference/security-reliability.md A1.3).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services.audit_anchor import HEAD_KEY
from acuneuro.store import AuditEvent, utcnow

__all__ = ["Action", "ChainReport", "Outcome", "record", "record_alone", "verify_chain"]

# Any fixed 64-bit number: serialises chain appends between PostgreSQL transactions.
_CHAIN_LOCK = 0x61_63_75_6E_61_75_64


class Action(StrEnum):
    """What was done (FHIR AuditEvent.action C/R/U plus search, login, logout and refusal)."""

    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    LIST = "list"
    LOGIN = "login"
    LOGOUT = "logout"
    ADMIN = "admin"


class Outcome(StrEnum):
    """How it ended."""

    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"
    NOT_FOUND = "not_found"


def record(
    session: Session,
    key: bytes,
    *,
    actor: Actor | None,
    action: Action,
    resource: str,
    outcome: Outcome = Outcome.SUCCESS,
    patient: str | None = None,
    actor_label: str | None = None,
    source_address: str | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction, chained to the previous one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_CHAIN_LOCK)))
    prev = session.scalar(select(AuditEvent.hmac).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        at=utcnow(),
        user_id=actor.user_id if actor else None,
        actor=(actor.email if actor else actor_label),
        role=actor.role.value if actor else None,
        clinic_id=actor.clinic_id if actor else None,
        action=action.value,
        resource=resource,
        patient_pseudo_id=patient,
        source_address=(actor.source_address if actor else source_address),
        outcome=outcome.value,
        prev_hmac=prev,
    )
    session.add(event)
    session.flush()
    event.hmac = _mac(key, event)
    # Anchored outside the database once the transaction commits (services.audit_anchor).
    session.info[HEAD_KEY] = (event.id, event.hmac)
    return event


def record_alone(
    ctx: Context,
    *,
    actor: Actor | None,
    action: Action,
    resource: str,
    outcome: Outcome,
    patient: str | None = None,
    actor_label: str | None = None,
    source_address: str | None = None,
) -> None:
    """Record an event in its own transaction: for refusals whose work was rolled back."""
    with ctx.db.write() as session:
        record(
            session,
            ctx.audit_key,
            actor=actor,
            action=action,
            resource=resource,
            outcome=outcome,
            patient=patient,
            actor_label=actor_label,
            source_address=source_address,
        )


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of ``verify_chain``: keep ``head`` elsewhere to detect truncation later."""

    events: int
    head: str | None
    first_bad_id: int | None

    @property
    def intact(self) -> bool:
        """True when every event matches its HMAC and links to the one before."""
        return self.first_bad_id is None


def verify_chain(ctx: Context) -> ChainReport:
    """Recompute every HMAC in order; report the first event that does not match."""
    prev: str | None = None
    count = 0
    with ctx.db.read() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000)
        for event in rows:
            count += 1
            if event.prev_hmac != prev or event.hmac is None or not hmac.compare_digest(
                event.hmac, _mac(ctx.audit_key, event)
            ):
                return ChainReport(count, prev, event.id)
            prev = event.hmac
    return ChainReport(count, prev, None)


def _mac(key: bytes, event: AuditEvent) -> str:
    fields = [
        event.id,
        event.at.isoformat(),
        event.user_id,
        event.actor,
        event.role,
        event.clinic_id,
        event.action,
        event.resource,
        event.patient_pseudo_id,
        event.source_address,
        event.outcome,
        event.prev_hmac,
    ]
    message = json.dumps(fields, separators=(",", ":"), ensure_ascii=True).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
