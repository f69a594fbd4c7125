"""The FHIR REST face: read and search the resources the export builds, scoped and audited.

Every resource served is the one the patient's export puts in its Bundle
(:func:`built_resources`, the export's builders; :func:`resources_of_type` per type), so the
REST face and the Bundles never disagree: the id at ``/fhir/{type}/{id}`` is the builder's
``resource["id"]``, never a row number of ours. That id is also stored, indexed, on the row
(``store._fhir_ids``), so a read finds its row with one lookup and builds only that patient's
resources of the type; a search pushes its patient and date parameters and its paging into SQL
(``_fhir_sql``) and builds only the rows of the page (Observations) or only the matching
patients' resources of the one type (the others). A caller is a staff member (the role policy
applies) or a SMART backend client (its ``system/`` scopes apply too); either way the clinic is
part of every query, another clinic's resource is "not found" exactly like one that never
existed, and every read and search is audited like the other reads.

References
----------
HL7 FHIR R4 (4.0.1) http.html (read, search), search.html (date prefixes, token
``system|code``, ``_count``, paging links, ``Bundle.total``); SMART App Launch 2.0 scopes
(``system/Observation.read``, ``system/*.rs``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, exists, func, select
from sqlalchemy.orm import Session, selectinload

from acuneuro.i18n import gettext as _
from acuneuro.interop.fhir_ids import logical_id
from acuneuro.services import _fhir_search as search_params
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._context import Context
from acuneuro.services._course_common import episodes_loader, not_found
from acuneuro.services._errors import NotFound, PermissionDenied
from acuneuro.services._fhir_resources import (
    medication_statements_of,
    procedures_of,
    resources_of,
    resources_of_kind,
    score_resources_of,
)
from acuneuro.services._fhir_sql import push
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services.assessment import score_view
from acuneuro.services.audit import Action, Outcome, record_alone
from acuneuro.services.fhir_assessment import questionnaire_response_of
from acuneuro.services.outcomes import score_rows
from acuneuro.store import (
    ACTIVE,
    ENTERED_IN_ERROR,
    AdverseEventRecord,
    Episode,
    MedicationStatementRecord,
    Patient,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
)

__all__ = [
    "RESOURCE_TYPES",
    "FhirCaller",
    "FhirSearchError",
    "SearchPage",
    "built_resources",
    "clinic_resources",
    "read_resource",
    "resources_of_type",
    "search_resources",
]

RESOURCE_TYPES = ("Patient", "Condition", "Observation", "QuestionnaireResponse", "Procedure",
                  "MedicationStatement", "AdverseEvent", "CarePlan")
# Design choice: a page small enough to answer fast, as large as clients usually ask for.
DEFAULT_COUNT = 50
MAX_COUNT = 500


# A search the server cannot run as asked (HTTP 400); the message names the parameter.
FhirSearchError = search_params.SearchRefused


@dataclass(frozen=True, slots=True)
class FhirCaller:
    """Who reads: a staff member (``scopes`` None) or a backend client with its scopes."""

    actor: Actor
    scopes: frozenset[str] | None = None

    def may_read(self, resource_type: str) -> bool:
        """The role may read course records and, for a client, a scope grants the type."""
        if not allowed(self.actor.role, UseCase.COURSE_READ):
            return False
        if self.scopes is None:
            return True
        wanted = {f"system/{kind}.{access}" for kind in (resource_type, "*")
                  for access in ("read", "rs", "r")}
        return not wanted.isdisjoint(self.scopes)


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of matches: the resources, the total across pages and where this page starts."""

    resources: list[dict[str, Any]]
    total: int
    offset: int
    count: int


# ---------------------------------------------------------------- the sources

# The table each type is built from and the column holding the resource's stored logical id.
_ROWS: dict[str, tuple[Any, str]] = {
    "Condition": (Episode, "fhir_id"),
    "CarePlan": (PlanRecord, "fhir_id"),
    "Observation": (ScoreRecord, "fhir_id"),
    "QuestionnaireResponse": (ScoreRecord, "fhir_response_id"),
    "Procedure": (TreatmentSession, "fhir_id"),
    "MedicationStatement": (MedicationStatementRecord, "fhir_id"),
    "AdverseEvent": (AdverseEventRecord, "fhir_id"),
}


def built_resources(session: Session, patient: Patient) -> list[dict[str, Any]]:
    """Every resource of the patient exactly as the export builds it: the one seam between
    the REST face and the builders (whatever they put in ``resource["id"]`` is served)."""
    return resources_of(session, patient)


def _questionnaire_responses(session: Session, patient: Patient) -> list[dict[str, Any]]:
    # The export has no QuestionnaireResponse yet: the assessment builder gives them.
    return [questionnaire_response_of(score_view(row, patient.pseudo_id))
            for row in score_rows(session, patient)]


def resources_of_type(session: Session, patient: Patient, resource_type: str
                      ) -> list[dict[str, Any]]:
    """The patient's resources of one type, exactly as the export builds them."""
    found = resources_of_kind(session, patient, resource_type)
    if resource_type == "QuestionnaireResponse" and not found:
        return _questionnaire_responses(session, patient)
    return found


def _all_of(session: Session, patient: Patient, types: Iterable[str]
            ) -> dict[str, list[dict[str, Any]]]:
    # Several types at once (Bulk Data): build the patient's resources once and split them.
    exported: dict[str, list[dict[str, Any]]] = {}
    for resource in built_resources(session, patient):
        exported.setdefault(str(resource.get("resourceType")), []).append(resource)
    wanted = set(types)
    if "QuestionnaireResponse" in wanted and "QuestionnaireResponse" not in exported:
        exported["QuestionnaireResponse"] = _questionnaire_responses(session, patient)
    return {kind: exported.get(kind, []) for kind in RESOURCE_TYPES if kind in wanted}


def _patients(session: Session, clinic_id: int, pseudo_id: str | None = None
              ) -> list[Patient]:
    query = (select(Patient).where(Patient.clinic_id == clinic_id)
             .options(selectinload(Patient.identity), episodes_loader(one=pseudo_id is not None))
             .order_by(Patient.id))
    if pseudo_id is not None:
        query = query.where(Patient.pseudo_id == pseudo_id)
    return list(session.scalars(query).unique())


def _patients_where(session: Session, clinic_id: int, ids: Sequence[int]) -> list[Patient]:
    if not ids:
        return []
    query = (select(Patient).where(Patient.clinic_id == clinic_id, Patient.id.in_(ids))
             .options(selectinload(Patient.identity), episodes_loader(one=False))
             .order_by(Patient.id))
    return list(session.scalars(query).unique())


def clinic_resources(session: Session, clinic_id: int, types: Iterable[str],
                     each: Callable[[str, list[dict[str, Any]]], None],
                     keeps: Callable[[str, dict[str, Any]], bool] | None = None) -> list[str]:
    """Build every patient's resources of ``types``, calling ``each(type, resources)`` with
    those ``keeps`` keeps (all by default); return the pseudonymous ids of the patients whose
    resources were given (Bulk Data)."""
    wanted = list(types)
    given: list[str] = []
    for patient in _patients(session, clinic_id):
        found = {kind: [r for r in resources if keeps is None or keeps(kind, r)]
                 for kind, resources in _all_of(session, patient, wanted).items()}
        for kind, resources in found.items():
            if resources:
                each(kind, resources)
        if any(found.values()):
            given.append(patient.pseudo_id)
    return given


# ---------------------------------------------------------------- read and search


def _audit_name(resource_type: str) -> str:
    return f"fhir-{resource_type.lower()}"


def _require(ctx: Context, caller: FhirCaller, resource_type: str, action: Action) -> None:
    if resource_type not in RESOURCE_TYPES:
        raise NotFound(_("This server does not serve %(type)s resources.") % {
            "type": resource_type[:64]})
    if not caller.may_read(resource_type):
        record_alone(ctx, actor=caller.actor, action=action,
                     resource=_audit_name(resource_type), outcome=Outcome.DENIED)
        raise PermissionDenied(_("Your access does not include reading %(type)s resources.") % {
            "type": resource_type})


# Row ids are 64-bit signed integers; a longer number is no row (SQLite cannot even bind it).
_LARGEST_ROW_ID = 2**63 - 1


def _holder(session: Session, clinic: int, resource_type: str, resource_id: str
            ) -> list[Patient]:
    """The patient whose row has this logical id (one indexed lookup), as a list of 0 or 1."""
    if resource_type == "Patient":
        return _patients(session, clinic, resource_id)
    model, column = _ROWS[resource_type]
    patient_id = session.scalar(select(model.patient_id).where(
        model.clinic_id == clinic, getattr(model, column) == resource_id))
    if patient_id is None:
        patient_id = _unstamped(session, clinic, model, column, resource_id)
    if (patient_id is None and resource_type == "QuestionnaireResponse"
            and resource_id.isascii() and resource_id.isdigit()
            and int(resource_id) <= _LARGEST_ROW_ID):
        # A patient with no answers anywhere is served the assessment builder's responses,
        # whose id is the score's row number (resources_of_type).
        patient_id = session.scalar(select(ScoreRecord.patient_id).where(
            ScoreRecord.clinic_id == clinic, ScoreRecord.id == int(resource_id)))
    return _patients_where(session, clinic, [patient_id] if patient_id is not None else [])


def _unstamped(session: Session, clinic: int, model: Any, column: str, resource_id: str
               ) -> int | None:
    """The patient of a row written without its id (bulk loads that bypass the ORM, such as
    the synthetic registry): its id is computed as the export computes it. Normally no row."""
    part = "response" if column == "fhir_response_id" else ""
    for pk, patient_id in session.execute(select(model.id, model.patient_id).where(
            model.clinic_id == clinic, getattr(model, column).is_(None))):
        if logical_id(clinic, model.__tablename__, pk, part) == resource_id:
            return int(patient_id)
    return None


def read_resource(ctx: Context, caller: FhirCaller, resource_type: str, resource_id: str
                  ) -> dict[str, Any]:
    """One resource by its id, from the caller's clinic; audited; "not found" otherwise."""
    _require(ctx, caller, resource_type, Action.READ)
    clinic = caller.actor.clinic_id
    found: tuple[str, dict[str, Any]] | None = None
    with ctx.db.snapshot() as session:
        for patient in _holder(session, clinic, resource_type, resource_id[:64]):
            # The resource as its patient's export builds it (the id is checked again).
            match = next((r for r in resources_of_type(session, patient, resource_type)
                          if r.get("id") == resource_id), None)
            if match is not None:
                found = (patient.pseudo_id, match)
    if found is None:
        not_found(ctx, caller.actor, Action.READ, _audit_name(resource_type),
                  resource_id[:32], what=_("%(type)s with this id in your clinic") % {
                      "type": resource_type})
    record_read(ctx, caller.actor, Action.READ, _audit_name(resource_type), [found[0]])
    return found[1]


Pair = tuple[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class _PerRow:
    """A type built one resource per row: the table, the day a date search compares (None:
    the resource's date is not one stored day), the order the export gives, the builder."""

    model: Any
    day: Any | None
    order: Any
    build: Callable[[list[Any], Patient, str], list[dict[str, Any]]]


_PER_ROW: dict[str, _PerRow] = {
    "Observation": _PerRow(ScoreRecord, ScoreRecord.taken_on, ScoreRecord.taken_on,
                           lambda rows, patient, ref: score_resources_of(
                               rows, patient, ref, observations_only=True)),
    # performedDateTime comes from the STRICTA record, not from occurred_on: not pushed.
    "Procedure": _PerRow(TreatmentSession, None, TreatmentSession.occurred_on,
                         lambda rows, _patient, ref: procedures_of(rows, ref)),
    "MedicationStatement": _PerRow(MedicationStatementRecord, None,
                                   MedicationStatementRecord.start_on,
                                   lambda rows, _patient, ref: medication_statements_of(
                                       rows, ref)),
}


def _per_row(session: Session, clinic: int, spec: _PerRow, query: search_params.Query
             ) -> tuple[list[Pair], int]:
    """One resource per row: patient (and date) and paging go into SQL and only the page's
    rows are built, in the export's order (by patient, active then retracted, by day)."""
    model = spec.model
    pushed = push(query, spec.day, ScoreRecord.instrument_id if model is ScoreRecord else None)
    rows: Select[Any, str] = (
        select(model, Patient.pseudo_id)
        .join(Patient, (Patient.clinic_id == model.clinic_id) & (Patient.id == model.patient_id))
        .where(model.clinic_id == clinic, model.status.in_((ACTIVE, ENTERED_IN_ERROR)),
               *pushed.where)
        .order_by(Patient.id, case((model.status == ENTERED_IN_ERROR, 1), else_=0),
                  spec.order, model.id))
    residual = pushed.residual
    if not residual.tests:
        total = session.scalar(select(func.count()).select_from(rows.subquery())) or 0
        page = session.execute(rows.offset(query.offset).limit(query.count)).all()
        return _built(session, clinic, spec, page), total
    matches = [pair for pair in _built(session, clinic, spec, session.execute(rows).all())
               if residual.matches(pair[1])]
    return matches[query.offset:query.offset + query.count], len(matches)


def _built(session: Session, clinic: int, spec: _PerRow, rows: Sequence[Any]) -> list[Pair]:
    patients = {p.pseudo_id: p for p in _patients_where(
        session, clinic, sorted({row.patient_id for row, _pseudo in rows}))}
    out: list[Pair] = []
    for row, pseudo in rows:
        built = spec.build([row], patients[pseudo], f"Patient/{pseudo}")
        out += [(pseudo, r) for r in built]
    return out


def _others(session: Session, clinic: int, resource_type: str, query: search_params.Query
            ) -> tuple[list[Pair], int]:
    """Any other type: SQL picks the patients (the patient parameter; only patients with rows
    of the type), then only their resources of this one type are built and tested."""
    pushed = push(query, None)
    who = select(Patient.id).where(Patient.clinic_id == clinic, *pushed.where)
    if resource_type in _ROWS:
        model = _ROWS[resource_type][0]
        who = who.where(exists().where(model.clinic_id == Patient.clinic_id,
                                       model.patient_id == Patient.id))
    ids = list(session.scalars(who.order_by(Patient.id)))
    matches = [(patient.pseudo_id, resource)
               for patient in _patients_where(session, clinic, ids)
               for resource in resources_of_type(session, patient, resource_type)
               if pushed.residual.matches(resource)]
    return matches[query.offset:query.offset + query.count], len(matches)


def search_resources(ctx: Context, caller: FhirCaller, resource_type: str,
                     params: list[tuple[str, str]]) -> SearchPage:
    """The caller's clinic's resources of one type matching ``params`` (a page of them).

    ``params`` are the query's (name, value) pairs in order; a parameter this server does not
    support is refused rather than ignored, so no filter is silently dropped.
    """
    _require(ctx, caller, resource_type, Action.LIST)
    query = search_params.parse(resource_type, params, DEFAULT_COUNT, MAX_COUNT)
    clinic = caller.actor.clinic_id
    with ctx.db.snapshot() as session:
        if resource_type in _PER_ROW:
            page, total = _per_row(session, clinic, _PER_ROW[resource_type], query)
        else:
            page, total = _others(session, clinic, resource_type, query)
    seen = list(dict.fromkeys(pseudo for pseudo, _resource in page))
    if seen:
        record_read(ctx, caller.actor, Action.LIST, _audit_name(resource_type), seen)
    else:
        record_alone(ctx, actor=caller.actor, action=Action.LIST,
                     resource=_audit_name(resource_type), outcome=Outcome.SUCCESS)
    return SearchPage([r for _pseudo, r in page], total, query.offset, query.count)
