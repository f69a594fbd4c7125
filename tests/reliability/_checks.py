"""After a crash: is every acknowledged write there, whole, with its audit row? (SQL only.)

Invariants (security-reliability.md A6 T5 and T11):
- every acknowledged create: the patient, its identity as sent, its episode, one create audit row;
- every acknowledged update: its values, or those of a LATER write to the same patient (a write
  sent after it and not answered may have committed), and at least one update audit row each;
- nothing half-written: no patient without identity or episode, no patient nobody sent, no
  audit row for a write that is not there, no more audit rows than writes sent, no orphan row in
  any table with a ``patient_id``; SQLite ``integrity_check`` ok; the audit HMAC chain verifies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from acuneuro.services import Context
from acuneuro.services.audit import verify_chain
from acuneuro.store import (
    AuditEvent,
    Base,
    Database,
    Episode,
    MedicationStatementRecord,
    Patient,
    PatientIdentity,
)

from ._ledger import Attempt, Ledger

__all__ = ["Report", "check"]

_IDENTITY = ("given_name", "family_name", "date_of_birth", "record_number")


@dataclass
class Report:
    """What the check found; ``problems`` empty means every invariant holds."""

    acked: int = 0
    found: int = 0
    problems: list[str] = field(default_factory=list)


def check(ctx: Context, ledger: Ledger, clinic_id: int) -> Report:
    """Compare the database with the ledger; every acknowledged write must be found."""
    report = Report()
    attempts = list(ledger.attempts)
    with ctx.db.read() as session:
        rows = _patients(session, clinic_id)
        episodes = Counter(
            session.scalars(
                sa.select(Patient.pseudo_id)
                .join(Episode, Episode.patient_id == Patient.id)
                .where(Patient.clinic_id == clinic_id)
            )
        )
        audits = Counter(
            (action, patient)
            for action, patient in session.execute(
                sa.select(AuditEvent.action, AuditEvent.patient_pseudo_id).where(
                    AuditEvent.clinic_id == clinic_id,
                    AuditEvent.outcome == "success",
                    AuditEvent.action.in_(("create", "update")),
                    AuditEvent.resource == "patient",
                )
            )
        )
        report.problems += _orphans(session, ctx.db)
        _medications(session, attempts, clinic_id, report)
    _creates(attempts, rows, episodes, audits, report)
    _updates(attempts, rows, audits, report)
    chain = verify_chain(ctx)
    if not chain.intact:
        report.problems.append(f"audit chain broken at event {chain.first_bad_id}")
    return report


def _patients(session: Any, clinic_id: int) -> dict[str, dict[str, Any] | None]:
    query = (
        sa.select(Patient.pseudo_id, PatientIdentity)
        .outerjoin(PatientIdentity, PatientIdentity.patient_id == Patient.id)
        .where(Patient.clinic_id == clinic_id)
    )
    found: dict[str, dict[str, Any] | None] = {}
    for pseudo_id, identity in session.execute(query):
        found[pseudo_id] = (
            None
            if identity is None
            else {name: getattr(identity, name) for name in (*_IDENTITY, "phone", "email")}
        )
    return found


def _creates(
    attempts: list[Attempt],
    rows: dict[str, dict[str, Any] | None],
    episodes: Counter[str],
    audits: Counter[tuple[str, str | None]],
    report: Report,
) -> None:
    sent = {a.tag: a for a in attempts if a.kind == "create"}
    for pseudo_id, identity in rows.items():
        if identity is None:
            report.problems.append(f"patient {pseudo_id} has no identity (half-written)")
            continue
        if identity["family_name"] not in sent:
            report.problems.append(f"patient {pseudo_id} was never sent")
        if episodes[pseudo_id] != 1:
            report.problems.append(f"patient {pseudo_id} has {episodes[pseudo_id]} episodes, not 1")
        if audits["create", pseudo_id] != 1:
            report.problems.append(
                f"patient {pseudo_id} has {audits['create', pseudo_id]} create audit rows, not 1"
            )
    for (action, audited), _count in audits.items():
        if audited not in rows:
            report.problems.append(f"{action} audit row for patient {audited}, who is not there")
    for attempt in sent.values():
        if not attempt.acked:
            continue
        report.acked += 1
        identity = rows.get(attempt.patient or "")
        if identity is None:
            report.problems.append(f"LOST acknowledged create {attempt.tag} ({attempt.patient})")
            continue
        wrong = [name for name in _IDENTITY if str(identity[name]) != attempt.body[name]]
        if wrong:
            report.problems.append(f"create {attempt.tag}: {wrong} differ from what was sent")
            continue
        report.found += 1


def _updates(
    attempts: list[Attempt],
    rows: dict[str, dict[str, Any] | None],
    audits: Counter[tuple[str, str | None]],
    report: Report,
) -> None:
    # Per patient, every write in the order sent: the create first, then the updates.
    history: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        if attempt.patient is not None and attempt.kind in ("create", "update"):
            history[attempt.patient].append(attempt)
    for pseudo_id, writes in history.items():
        updates = [a for a in writes if a.kind == "update"]
        acked = [a for a in updates if a.acked]
        report.acked += len(acked)
        identity = rows.get(pseudo_id)
        if identity is None:
            if acked:
                report.problems.append(f"LOST patient {pseudo_id} with {len(acked)} updates")
            continue
        current = (identity["phone"], identity["email"])
        # Index of the write whose values are in the database (several may match: take last).
        source = max(
            (
                i
                for i, a in enumerate(writes)
                if (a.body.get("phone"), a.body.get("email")) == current
            ),
            default=None,
        )
        last_acked = max((i for i, a in enumerate(writes) if a.acked), default=0)
        if source is None:
            report.problems.append(f"patient {pseudo_id}: phone/email {current} never sent")
            continue
        if source < last_acked:
            report.problems.append(
                f"LOST acknowledged update to {pseudo_id}: values of write #{writes[source].seq}"
                f" after #{writes[last_acked].seq} was acknowledged"
            )
            continue
        audited = audits["update", pseudo_id]
        if not len(acked) <= audited <= len(updates):
            report.problems.append(
                f"patient {pseudo_id}: {audited} update audit rows for {len(acked)} acknowledged"
                f" and {len(updates)} sent updates"
            )
            continue
        report.found += len(acked)


def _orphans(session: Any, db: Database) -> list[str]:
    problems = []
    patients = Patient.__table__
    for table in Base.metadata.sorted_tables:
        if "patient_id" not in table.c or table is patients:
            continue
        orphans = session.scalar(
            sa.select(sa.func.count())
            .select_from(table)
            .outerjoin(patients, table.c.patient_id == patients.c.id)
            .where(patients.c.id.is_(None), table.c.patient_id.is_not(None))
        )
        if orphans:
            problems.append(f"{orphans} orphan rows in {table.name}")
    if db.backend == "sqlite":
        integrity = session.execute(sa.text("PRAGMA integrity_check")).scalars().all()
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {integrity[:5]}")
        broken = session.execute(sa.text("PRAGMA foreign_key_check")).all()
        if broken:
            problems.append(f"foreign_key_check: {broken[:5]}")
    return problems


def _medications(session: Any, attempts: list[Attempt], clinic_id: int, report: Report) -> None:
    """Every acknowledged statement is stored as sent, with a create audit row; none is extra."""
    stored = {
        drug: (pseudo_id, float(dose))
        for drug, pseudo_id, dose in session.execute(
            sa.select(MedicationStatementRecord.drug, Patient.pseudo_id,
                      MedicationStatementRecord.daily_dose)
            .join(Patient, Patient.id == MedicationStatementRecord.patient_id)
            .where(MedicationStatementRecord.clinic_id == clinic_id)
        )
    }
    audited = Counter(session.scalars(
        sa.select(AuditEvent.patient_pseudo_id).where(
            AuditEvent.clinic_id == clinic_id, AuditEvent.outcome == "success",
            AuditEvent.action == "create", AuditEvent.resource == "medication")))
    sent = {a.tag: a for a in attempts if a.kind == "medication"}
    for drug, (pseudo_id, dose) in stored.items():
        attempt = sent.get(drug)
        if attempt is None or attempt.patient != pseudo_id or attempt.body["daily_dose"] != dose:
            report.problems.append(f"medication {drug} of {pseudo_id} ({dose}) was never sent")
    per_patient: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in sent.values():
        per_patient[attempt.patient or ""].append(attempt)
    for pseudo_id, writes in per_patient.items():
        acked = [a for a in writes if a.acked]
        report.acked += len(acked)
        lost = [a.tag for a in acked if a.tag not in stored]
        if lost:
            report.problems.append(f"LOST acknowledged medication(s) {lost} of {pseudo_id}")
            continue
        present = sum(1 for a in writes if a.tag in stored)
        if audited[pseudo_id] != present:
            report.problems.append(
                f"patient {pseudo_id}: {audited[pseudo_id]} medication audit rows for "
                f"{present} stored statements")
            continue
        report.found += len(acked)
