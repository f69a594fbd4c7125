"""Research exports from the live store: one long table, declared column by column.

Every fact of the caller's clinic (episodes, scores, treatment sessions, medications, adverse
events) becomes one row keyed by the patient, with the identity columns present and declared
as Safe Harbor identifiers so the de-identifier removes them by rule rather than by omission
(``analytics.deidentify``). The quasi-identifiers are sex and the age on the export date in
bands (``knowledge/privacy.yaml`` ``age_band_years``); the k-anonymity gate counts them.
Researchers and administrators may export (``services._policy``); each patient included gets an
audit row. Only coded values leave: a medicine as its international non-proprietary name (or
"unrecognised-medicine"), units and versions from the knowledge files; every kept text column
declares its code list, and the de-identifier refuses anything outside it (analytics._coded).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from acuneuro.analytics.deidentify import ColumnKind, ColumnSpec, DataDictionary, Profile
from acuneuro.analytics.research_export import ExportResult, write_research_export
from acuneuro.clinical.drug_names import match_drug, unplaced_words
from acuneuro.knowledge import drug_names, instrument_ids, load_instruments, privacy_policy
from acuneuro.knowledge.course import adverse_event_knowledge
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services._refusals import role_refused_for
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.store import (
    ACTIVE,
    AdverseEventRecord,
    MedicationStatementRecord,
    Patient,
    ScoreRecord,
    TreatmentSession,
)

__all__ = [
    "RESEARCH_DICTIONARY",
    "UNRECOGNISED_DRUG",
    "age_band",
    "coded_drug",
    "export_research",
    "research_table",
]

_RESOURCE = "research-export"


RECORD_KINDS = ("registered", "score", "session", "medication", "adverse_event")
# What leaves for a medicine or unit the vocabulary cannot place: typed text never does.
UNRECOGNISED_DRUG = "unrecognised-medicine"
OTHER_UNIT = "other-unit"
EARLIER_VERSION = "earlier-version"
_DOSE_UNITS = ("mg", "mcg", "mcg/h", "g", "mL", "units", "IU", "plaster", "patch", "drops")


def _known_drugs() -> frozenset[str]:
    return frozenset(d.inn for d in drug_names().drugs)


def _atc_codes() -> frozenset[str]:
    return frozenset(d.atc for d in drug_names().drugs)


def _versions() -> frozenset[str]:
    return frozenset(i.version for i in load_instruments().values())


def _item_codes() -> frozenset[str]:
    events = adverse_event_knowledge()
    return frozenset({*instrument_ids(), "attended", "cancelled", "missed", *_known_drugs(),
                      UNRECOGNISED_DRUG, *(t.id for t in events.types)})


def _unit_codes() -> frozenset[str]:
    return frozenset({*_versions(), EARLIER_VERSION, *_DOSE_UNITS, OTHER_UNIT,
                      *adverse_event_knowledge().relatedness.levels})


def coded_drug(name: str) -> tuple[str, str | None]:
    """The medicine as (INN, WHO ATC code), or (:data:`UNRECOGNISED_DRUG`, None).

    A line naming a known drug beside words the vocabulary cannot place is unrecognised too:
    the unplaced words may be a name, and the line may not be that drug alone.
    """
    match = match_drug(name)
    if match is None or unplaced_words(name):
        return UNRECOGNISED_DRUG, None
    return match.inn, match.atc


def _col(name: str, kind: ColumnKind, description: str, **extra: Any) -> ColumnSpec:
    return ColumnSpec(name=name, kind=kind, description=description, **extra)


_K = ColumnKind
RESEARCH_DICTIONARY = DataDictionary(columns=[
    _col("patient_key", _K.patient_key, "internal patient number"),
    _col("pseudo_id", _K.identifier, "the clinic's pseudonymous id (a re-identification code)",
         identifier="R"),
    _col("given_name", _K.identifier, "given name", identifier="A"),
    _col("family_name", _K.identifier, "family name", identifier="A"),
    _col("phone", _K.identifier, "telephone", identifier="D"),
    _col("email", _K.identifier, "email address", identifier="F"),
    _col("record_number", _K.identifier, "medical record number", identifier="H"),
    _col("age_band", _K.quasi_identifier, "age in years on the export date, banded"),
    _col("sex", _K.quasi_identifier, "sex as recorded"),
    _col("condition", _K.attribute, "condition of the newest episode (dpn, phn, cipn, ...)"),
    _col("icd10", _K.attribute, "ICD-10 code of that episode"),
    _col("onset", _K.date, "onset of that episode"),
    _col("record", _K.attribute, "what the row is: registered, score, session, medication, "
         "adverse_event", codes=frozenset(RECORD_KINDS)),
    _col("on", _K.date, "date of the fact (taken, occurred, started)"),
    _col("item", _K.attribute, "instrument, attendance, drug (international non-proprietary "
         f"name, or {UNRECOGNISED_DRUG!r}) or adverse event kind", codes=_item_codes()),
    _col("value", _K.attribute, "score total, daily dose or grade"),
    _col("unit", _K.attribute, "instrument version, dose unit or relatedness",
         codes=_unit_codes()),
    _col("code", _K.attribute, "WHO ATC code of a medicine", codes=_atc_codes()),
    _col("note", _K.free_text, "clinician's free text (removed: it can name anyone)"),
])


def age_band(born: date | None, on: date) -> str | None:
    """The age on ``on`` as a band ("60-69"), top-coded ("90+") as Safe Harbor requires."""
    if born is None:
        return None
    policy = privacy_policy()
    width = policy.k_anonymity.age_band_years
    top = policy.safe_harbor.top_coded_age
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if age >= top:
        return policy.safe_harbor.top_coded_label
    low = age // width * width
    return f"{low}-{min(low + width - 1, top - 1)}"


def research_table(ctx: Context, actor: Actor, *, as_of: date) -> pd.DataFrame:
    """Every fact of the caller's clinic as rows of ``RESEARCH_DICTIONARY`` (identified!).

    The table still holds identities: it is the input of the de-identifier, never an output.
    """
    _require(ctx, actor)
    with ctx.db.write() as session:
        patients = list(session.scalars(
            select(Patient).where(Patient.clinic_id == actor.clinic_id)
            .options(selectinload(Patient.identity), selectinload(Patient.episodes))
            .order_by(Patient.id)))
        rows: list[dict[str, Any]] = []
        base = {p.id: _base(p, as_of) for p in patients}
        for patient_id, fact in _facts(session, actor.clinic_id):
            if patient_id in base:
                rows.append({**base[patient_id], **fact})
        pseudo_ids = [p.pseudo_id for p in patients]
        # Nothing loaded is changed: dropping it keeps each audit flush from rescanning it.
        session.expunge_all()
        for pseudo_id in pseudo_ids:
            record(session, ctx.audit_key, actor=actor, action=Action.READ,
                   resource=_RESOURCE, patient=pseudo_id)
    columns = [c.name for c in RESEARCH_DICTIONARY.columns]
    return pd.DataFrame(rows, columns=columns)


def export_research(
    ctx: Context,
    actor: Actor,
    destination: Path,
    *,
    profile: Profile | str,
    as_of: date,
    created: datetime,
    k: int | None = None,
    k_override_reason: str | None = None,
) -> ExportResult:
    """De-identify the live store of the caller's clinic and write the export folder.

    Raises what ``write_research_export`` raises (a k below the policy, the k-anonymity gate,
    an existing destination) before any file is written.
    """
    table = research_table(ctx, actor, as_of=as_of)
    return write_research_export(
        table, RESEARCH_DICTIONARY, destination, profile=Profile(profile), as_of=as_of,
        created=created, k=k, k_override_reason=k_override_reason,
    )


def _require(ctx: Context, actor: Actor) -> None:
    if not allowed(actor.role, UseCase.RESEARCH_EXPORT):
        record_alone(ctx, actor=actor, action=Action.READ, resource=_RESOURCE,
                     outcome=Outcome.DENIED)
        raise role_refused_for(actor.role, UseCase.RESEARCH_EXPORT)


def _base(patient: Patient, as_of: date) -> dict[str, Any]:
    identity = patient.identity
    episode = max(patient.episodes, key=lambda e: e.id, default=None)
    return {
        "patient_key": patient.id,
        "pseudo_id": patient.pseudo_id,
        "given_name": identity.given_name if identity else None,
        "family_name": identity.family_name if identity else None,
        "phone": identity.phone if identity else None,
        "email": identity.email if identity else None,
        "record_number": identity.record_number if identity else None,
        "age_band": age_band(identity.date_of_birth if identity else None, as_of),
        "sex": patient.sex,
        "condition": episode.condition_kind.value if episode else None,
        "icd10": episode.icd10 if episode else None,
        "onset": episode.onset.isoformat() if episode and episode.onset else None,
    }


def _fact(record_kind: str, on: date | None, item: str | None = None,
          value: float | None = None, unit: str | None = None,
          note: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"record": record_kind, "on": on.isoformat() if on else None, "item": item,
            "value": None if value is None else float(value), "unit": unit, "note": note,
            "code": code}


def _facts(session: Session, clinic_id: int) -> Iterable[tuple[int, dict[str, Any]]]:
    for patient_id, registered in session.execute(
            select(Patient.id, Patient.created_at).where(Patient.clinic_id == clinic_id)):
        yield patient_id, _fact("registered", registered.date())
    for score in session.scalars(select(ScoreRecord).where(ScoreRecord.clinic_id == clinic_id,
                                                          ScoreRecord.status == ACTIVE)):
        version = score.instrument_version
        yield score.patient_id, _fact("score", score.taken_on, score.instrument_id, score.total,
                                      version if version in _versions() else EARLIER_VERSION)
    for visit in session.scalars(
            select(TreatmentSession).where(TreatmentSession.clinic_id == clinic_id,
                                          TreatmentSession.status == ACTIVE)):
        yield visit.patient_id, _fact("session", visit.occurred_on, visit.attendance,
                                      note=visit.deviation)
    for drug in session.scalars(select(MedicationStatementRecord)
                                .where(MedicationStatementRecord.clinic_id == clinic_id,
                                       MedicationStatementRecord.status == ACTIVE)):
        unit = drug.unit if drug.unit in _DOSE_UNITS else OTHER_UNIT
        inn, atc = coded_drug(drug.drug)
        yield drug.patient_id, _fact("medication", drug.start_on, inn, drug.daily_dose, unit,
                                     code=atc)
    for event in session.scalars(
            select(AdverseEventRecord).where(AdverseEventRecord.clinic_id == clinic_id,
                                            AdverseEventRecord.status == ACTIVE)):
        known = adverse_event_knowledge()
        kind = event.kind if event.kind in {t.id for t in known.types} else "other"
        related = event.relatedness if event.relatedness in known.relatedness.levels else None
        yield event.patient_id, _fact("adverse_event", event.occurred_on, kind, event.grade,
                                      related, event.note)
