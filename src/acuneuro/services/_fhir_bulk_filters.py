"""Bulk Data ``_since`` and ``_typeFilter``: which of the clinic's resources an export keeps.

``_since`` keeps the resources whose row changed after the instant: written after it, or
corrected after it (``record_revisions``, which every correction writes, entered-in-error
included, so a retraction is exported), or for a plan accepted after it; a Patient whose row or
record changed. A row's resource id is its logical id (``interop.fhir_ids.logical_id``).
``_typeFilter`` keeps, for a type it names, the resources matching at least one of its REST
searches (the search parameters the REST face supports; several filters of a type are ORed).

References
----------
HL7 FHIR Bulk Data Access IG 2.0.0 export.html: ``_since`` (an instant: "resources will be
included in the response if their state has changed after the supplied time"), ``_typeFilter``
(``[type]?[search]``, repeated or comma-separated, filters of one type ORed); FHIR R4
datatypes.html#instant (a timezone is required).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from acuneuro.i18n import gettext as _
from acuneuro.interop.fhir_ids import logical_id
from acuneuro.services import _fhir_search as search_params
from acuneuro.services._errors import ServiceError
from acuneuro.store import (
    AdverseEventRecord,
    Episode,
    MedicationStatementRecord,
    Patient,
    PlanRecord,
    RecordRevision,
    ScoreRecord,
    TreatmentSession,
)

__all__ = ["ExportFilters", "parse_since", "parse_type_filters"]

# Each exported table and the kind its corrections are recorded under (services.corrections).
_KINDS: tuple[tuple[Any, str], ...] = (
    (Episode, "episode"), (PlanRecord, "plan"), (ScoreRecord, "score"),
    (TreatmentSession, "session"), (MedicationStatementRecord, "medicine"),
    (AdverseEventRecord, "adverse-event"))
# A new query starts where a comma is followed by a resource type and "?".
_NEXT = re.compile(r",(?=[A-Z][A-Za-z]+\?)")


def parse_since(value: str) -> datetime:
    """The ``_since`` instant; a date without a time and timezone is refused, naming it."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ServiceError(_("_since must be an instant with its timezone, e.g. "
                             "2026-11-24T09:30:00Z or 2026-11-24T09:30:00+01:00."))
    return moment


def parse_type_filters(values: Iterable[str], types: Iterable[str]
                       ) -> dict[str, list[search_params.Query]]:
    """Each ``_typeFilter`` query by type; a type not exported or a search not supported is
    refused with a sentence naming it."""
    allowed = set(types)
    out: dict[str, list[search_params.Query]] = {}
    for value in values:
        for text in _NEXT.split(value):
            kind, mark, query = text.strip().partition("?")
            if not mark or kind not in allowed:
                raise ServiceError(_("_typeFilter '%(filter)s' must be a search on a type "
                                     "this export includes, e.g. "
                                     "Observation?code=http://loinc.org|72514-3.") % {
                                         "filter": text[:80]})
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(name in search_params.CONTROL for name, _value in pairs):
                raise ServiceError(_("_typeFilter cannot page (_count, _offset): an export "
                                     "gives every match."))
            out.setdefault(kind, []).append(search_params.parse(kind, pairs))
    return out


@dataclass(frozen=True, slots=True)
class ExportFilters:
    """What an export keeps: resources changed since an instant, and per-type searches."""

    since: datetime | None = None
    type_filters: Mapping[str, list[search_params.Query]] = field(default_factory=dict)

    def changed(self, session: Session, clinic_id: int) -> set[str] | None:
        """The logical ids of the clinic's resources changed since ``since`` (None: all)."""
        since = self.since
        if since is None:
            return None
        ids: set[str] = set()
        patient_revised = select(RecordRevision.record_id).where(
            RecordRevision.clinic_id == clinic_id, RecordRevision.kind == "patient",
            RecordRevision.at > since)
        ids.update(session.scalars(select(Patient.pseudo_id).where(
            Patient.clinic_id == clinic_id,
            or_(Patient.created_at > since, Patient.updated_at > since,
                Patient.id.in_(patient_revised)))))
        for model, kind in _KINDS:
            revised = select(RecordRevision.record_id).where(
                RecordRevision.clinic_id == clinic_id, RecordRevision.kind == kind,
                RecordRevision.at > since)
            when = [model.created_at > since, model.id.in_(revised)]
            if model is PlanRecord:
                when.append(PlanRecord.accepted_at > since)
            table = model.__tablename__
            for pk in session.scalars(select(model.id).where(model.clinic_id == clinic_id,
                                                             or_(*when))):
                # Computed, not read from fhir_id: rows bulk-loaded without it count too.
                ids.add(logical_id(clinic_id, table, pk))
                if model is ScoreRecord:
                    # The response's id, and the row number the assessment builder serves.
                    ids.update((logical_id(clinic_id, table, pk, "response"), str(pk)))
        return ids

    def keeps(self, kind: str, resource: Mapping[str, Any], changed: set[str] | None) -> bool:
        """Whether the export keeps this resource."""
        if changed is not None and str(resource.get("id")) not in changed:
            return False
        queries = self.type_filters.get(kind)
        return not queries or any(q.matches(resource) for q in queries)
