"""The clinic's living trial library: enter, correct, verify; pooled only once verified.

The hand-kept YAML (``knowledge/evidence/trials.yaml``) is the seed. A researcher adds a trial
or corrects one's numbers, from the web form or a CSV file, with provenance (source, page or
table; who and when are recorded). The entry stays pending until a different account verifies
it; only the newest verified revision of each trial replaces the seed in ``library``, so a
pending entry never changes a pooled estimate. Every change is audited and kept as history.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acuneuro.evidence.curation import CurationError, Problem, curated_trial, parse_csv
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import Trial, trials
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._course_common import require
from acuneuro.services._errors import NotFound, ServiceError
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action, record
from acuneuro.store import CuratedTrialEntry, utcnow

__all__ = [
    "CurationRefused",
    "history",
    "import_csv",
    "library",
    "pending",
    "propose",
    "verify",
]

_RESOURCE = "evidence_trial"


class CurationRefused(ServiceError):
    """The entry or verification cannot be taken as asked; the message says why."""


def _seeds() -> dict[str, Trial]:
    return {t.id: t for t in trials()}


def _current(session: Session, clinic_id: int) -> dict[str, Trial]:
    rows = session.scalars(
        select(CuratedTrialEntry)
        .where(CuratedTrialEntry.clinic_id == clinic_id, CuratedTrialEntry.status == "verified")
        .order_by(CuratedTrialEntry.trial_id, CuratedTrialEntry.revision)
    ).all()
    found: dict[str, Trial] = {}
    for row in rows:  # the newest verified revision of each trial wins
        found[row.trial_id] = Trial.model_validate_json(row.payload)
    return found


def library(ctx: Context, actor: Actor) -> tuple[Trial, ...]:
    """The seed trials with each verified correction applied, then verified new trials."""
    with ctx.db.read() as session:
        curated = _current(session, actor.clinic_id)
    seeds = trials()
    merged = [curated.pop(t.id, t) for t in seeds]
    return tuple(merged + [curated[k] for k in sorted(curated)])


def _add(session: Session, ctx: Context, actor: Actor, trial: Trial,
         provenance: Mapping[str, str]) -> CuratedTrialEntry:
    newest = session.scalar(
        select(func.max(CuratedTrialEntry.revision))
        .where(CuratedTrialEntry.clinic_id == actor.clinic_id,
               CuratedTrialEntry.trial_id == trial.id)
    )
    if actor.user_id is None:
        raise CurationRefused(_("Entries need a named account."))
    row = CuratedTrialEntry(
        clinic_id=actor.clinic_id, trial_id=trial.id, revision=(newest or 0) + 1,
        payload=trial.model_dump_json(), source=provenance["source"][:500],
        location=provenance["location"][:200], reason=provenance.get("reason") or None,
        extracted_by=actor.user_id, extracted_by_email=actor.email, extracted_at=utcnow(),
        status="pending")
    session.add(row)
    session.flush()
    record(session, ctx.audit_key, actor=actor, action=Action.CREATE,
           resource=f"{_RESOURCE}/{trial.id}")
    return row


def propose(ctx: Context, actor: Actor, form: Mapping[str, str]) -> int:
    """Store one entry (pending); ``CurationError`` names each bad field. Returns its id."""
    require(ctx, actor, UseCase.EVIDENCE_CURATE, Action.CREATE, _RESOURCE, None)
    trial_id = (form.get("trial_id") or "").strip()
    trial = curated_trial(form, _seeds().get(trial_id))
    provenance = {k: (form.get(k) or "").strip() for k in ("source", "location", "reason")}
    with ctx.db.write() as session:
        return _add(session, ctx, actor, trial, provenance).id


def import_csv(ctx: Context, actor: Actor, text: str) -> list[int]:
    """Store every row of a CSV as pending entries, or none: ``CurationError`` names row/column."""
    require(ctx, actor, UseCase.EVIDENCE_CURATE, Action.CREATE, _RESOURCE, None)
    if len(text) > 1_000_000:
        raise CurationError([Problem(None, "file", _("The file is larger than 1 MB."))])
    rows = parse_csv(text, _seeds())
    with ctx.db.write() as session:
        return [_add(session, ctx, actor, trial, prov).id for trial, prov in rows]


def verify(ctx: Context, actor: Actor, entry_id: int, *, accept: bool = True) -> str:
    """Verify (or reject) another person's pending entry; returns the trial id."""
    require(ctx, actor, UseCase.EVIDENCE_CURATE, Action.UPDATE, _RESOURCE, None)
    with ctx.db.write() as session:
        row = session.scalar(
            select(CuratedTrialEntry)
            .where(CuratedTrialEntry.clinic_id == actor.clinic_id,
                   CuratedTrialEntry.id == entry_id)
        )
        if row is None:
            raise NotFound(_("No such entry in this clinic's library."))
        if row.status != "pending":
            raise CurationRefused(_("This entry was already checked."))
        if row.extracted_by == actor.user_id:
            raise CurationRefused(_("A second person must verify an entry: you entered "
                                    "these numbers yourself."))
        row.status = "verified" if accept else "rejected"
        row.verified_by, row.verified_by_email = actor.user_id, actor.email
        row.verified_at = utcnow()
        record(session, ctx.audit_key, actor=actor, action=Action.UPDATE,
               resource=f"{_RESOURCE}/{row.trial_id}/{row.status}")
        return row.trial_id


def _view(row: CuratedTrialEntry) -> dict[str, Any]:
    trial = Trial.model_validate_json(row.payload)
    return {
        "id": row.id, "trial_id": row.trial_id, "revision": row.revision,
        "condition": trial.condition, "data": trial.data.model_dump() if trial.data else None,
        "source": row.source, "location": row.location, "reason": row.reason,
        "extracted_by": row.extracted_by_email, "extracted_at": row.extracted_at,
        "status": row.status, "verified_by": row.verified_by_email,
        "verified_at": row.verified_at,
    }


def pending(ctx: Context, actor: Actor) -> list[dict[str, Any]]:
    """Entries of the clinic waiting for a second person, oldest first."""
    require(ctx, actor, UseCase.EVIDENCE_CURATE, Action.LIST, _RESOURCE, None)
    with ctx.db.read() as session:
        rows = session.scalars(
            select(CuratedTrialEntry)
            .where(CuratedTrialEntry.clinic_id == actor.clinic_id,
                   CuratedTrialEntry.status == "pending")
            .order_by(CuratedTrialEntry.id)
        ).all()
        return [_view(r) for r in rows]


def history(ctx: Context, actor: Actor, trial_id: str) -> list[dict[str, Any]]:
    """Every revision of a trial in the clinic's library, newest first, then the seed."""
    with ctx.db.read() as session:
        rows = session.scalars(
            select(CuratedTrialEntry)
            .where(CuratedTrialEntry.clinic_id == actor.clinic_id,
                   CuratedTrialEntry.trial_id == trial_id)
            .order_by(CuratedTrialEntry.revision.desc())
        ).all()
        out = [_view(r) for r in rows]
    seed = _seeds().get(trial_id)
    if seed is not None:
        out.append({"id": None, "trial_id": trial_id, "revision": 0,
                    "condition": seed.condition,
                    "data": seed.data.model_dump() if seed.data else None,
                    "source": "; ".join(seed.sources), "location": _("hand-kept library"),
                    "reason": None, "extracted_by": None, "extracted_at": None,
                    "status": "seed", "verified_by": None, "verified_at": None})
    return out
