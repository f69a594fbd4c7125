"""Login throttling: failed logins per account and per address, counted from the audit trail.

Five failures for one account within 15 minutes lock it for the rest of that window (since its
last successful login); twenty from one address lock the address (a clinic behind one NAT
address shares it, hence the higher figure). A locked attempt gets the same answer as a wrong
password and is audited as ``denied``, which does not extend the lock. Both figures are far
under the ceiling of 100 failures per account per hour (NIST SP 800-63B 5.2.2, ASVS 4.0.3
2.2.1; ASVS 5.0 6.1.1, 6.3.1). Counting audit rows needs no second table, and the trail is
written in the same transaction as the attempt.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acuneuro.store import AuditEvent, utcnow

__all__ = ["ACCOUNT_FAILURES", "ADDRESS_FAILURES", "WINDOW", "locked"]

ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
WINDOW = timedelta(minutes=15)


def locked(session: Session, email: str | None, source: str | None) -> bool:
    """True when the account (by email) or the address has too many recent failures."""
    since = utcnow() - WINDOW
    failures = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login", AuditEvent.outcome == "failure", AuditEvent.at >= since)
    if email is not None:
        last_success = session.scalar(
            select(func.max(AuditEvent.id)).where(AuditEvent.action == "login",
                                                  AuditEvent.outcome == "success",
                                                  AuditEvent.actor == email)) or 0
        count = session.scalar(failures.where(AuditEvent.actor == email,
                                              AuditEvent.id > last_success)) or 0
        if count >= ACCOUNT_FAILURES:
            return True
    if source is not None:
        count = session.scalar(failures.where(AuditEvent.source_address == source)) or 0
        if count >= ADDRESS_FAILURES:
            return True
    return False
