"""The FHIR REST face: read and search the resources the export builds, scoped and audited.

Every resource served is the one the patient's export puts in its Bundle
(:func:`built_resources`, the export's builders; :func:`resources_of_type` per type), so the
REST face and the Bundles never disagree: the id at ``/fhir/{type}/{id}`` is the builder's
``resource["id"]``, never a row number of ours. A caller is a staff member (the role policy
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

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from acuneuro.i18n import gettext as _
from acuneuro.services import _fhir_search as search_params
from acuneuro.services._actor import Actor
from acuneuro.services._audit_group import record_read
from acuneuro.services._context import Context
from acuneuro.services._course_common import episodes_loader, not_found
from acuneuro.services._errors import NotFound, PermissionDenied
from acuneuro.services._fhir_resources import resources_of
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services.assessment import score_view
from acuneuro.services.audit import Action, Outcome, record_alone
from acuneuro.services.fhir_assessment import questionnaire_response_of
from acuneuro.services.outcomes import score_rows
from acuneuro.store import Patient

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


def built_resources(session: Session, patient: Patient) -> list[dict[str, Any]]:
    """Every resource of the patient exactly as the export builds it: the one seam between
    the REST face and the builders (whatever they put in ``resource["id"]`` is served)."""
    return resources_of(session, patient)


def _exported(session: Session, patient: Patient) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for resource in built_resources(session, patient):
        grouped.setdefault(str(resource.get("resourceType")), []).append(resource)
    return grouped


def _questionnaire_responses(session: Session, patient: Patient) -> list[dict[str, Any]]:
    # The export has no QuestionnaireResponse yet: the assessment builder gives them.
    return [questionnaire_response_of(score_view(row, patient.pseudo_id))
            for row in score_rows(session, patient)]


def resources_of_type(session: Session, patient: Patient, resource_type: str
                      ) -> list[dict[str, Any]]:
    """The patient's resources of one type, exactly as the export builds them."""
    exported = _exported(session, patient)
    if resource_type == "QuestionnaireResponse" and resource_type not in exported:
        return _questionnaire_responses(session, patient)
    return exported.get(resource_type, [])


def _all_of(session: Session, patient: Patient, types: Iterable[str]
            ) -> dict[str, list[dict[str, Any]]]:
    exported = _exported(session, patient)
    wanted = set(types)
    if "QuestionnaireResponse" in wanted and "QuestionnaireResponse" not in exported:
        exported["QuestionnaireResponse"] = _questionnaire_responses(session, patient)
    found = {kind: exported.get(kind, []) for kind in RESOURCE_TYPES if kind in wanted}
    for resources in found.values():
        for resource in resources:
            _WHERE.remember(patient.clinic_id, resource, patient.pseudo_id)
    return found


class _Locator:
    """Which patient holds a resource id, learnt whenever resources are built (a hint only:
    every read builds that patient's resources again and checks the id)."""

    def __init__(self, size: int = 200_000) -> None:
        self._size = size
        self._seen: OrderedDict[tuple[int, str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, clinic: int, resource: Mapping[str, Any], pseudo_id: str) -> None:
        key = (clinic, str(resource.get("resourceType")), str(resource.get("id")))
        with self._lock:
            self._seen[key] = pseudo_id
            self._seen.move_to_end(key)
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)

    def hint(self, clinic: int, resource_type: str, resource_id: str) -> str | None:
        with self._lock:
            return self._seen.get((clinic, resource_type, resource_id))


_WHERE = _Locator()


def _patients(session: Session, clinic_id: int, pseudo_id: str | None = None
              ) -> list[Patient]:
    query = (select(Patient).where(Patient.clinic_id == clinic_id)
             .options(selectinload(Patient.identity), episodes_loader(one=pseudo_id is not None))
             .order_by(Patient.id))
    if pseudo_id is not None:
        query = query.where(Patient.pseudo_id == pseudo_id)
    return list(session.scalars(query).unique())


def clinic_resources(session: Session, clinic_id: int, types: Iterable[str],
                     each: Callable[[str, list[dict[str, Any]]], None]) -> list[str]:
    """Build every patient's resources of ``types``, calling ``each(type, resources)``;
    return the pseudonymous ids of the patients whose resources were given (Bulk Data)."""
    wanted = list(types)
    given: list[str] = []
    for patient in _patients(session, clinic_id):
        found = _all_of(session, patient, wanted)
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


def read_resource(ctx: Context, caller: FhirCaller, resource_type: str, resource_id: str
                  ) -> dict[str, Any]:
    """One resource by its id, from the caller's clinic; audited; "not found" otherwise."""
    _require(ctx, caller, resource_type, Action.READ)
    clinic = caller.actor.clinic_id
    found: tuple[str, dict[str, Any]] | None = None
    with ctx.db.snapshot() as session:
        hint = (resource_id if resource_type == "Patient"
                else _WHERE.hint(clinic, resource_type, resource_id))
        tried: set[str] = set()
        for candidates in ((hint,), (None,)):
            for pseudo in candidates:
                for patient in _patients(session, clinic, pseudo):
                    if patient.pseudo_id in tried:
                        continue
                    tried.add(patient.pseudo_id)
                    match = next((r for r in _all_of(session, patient, [resource_type])
                                  [resource_type] if r.get("id") == resource_id), None)
                    if match is not None:
                        found = (patient.pseudo_id, match)
                        break
                if found or pseudo is None:
                    break
            if found:
                break
    if found is None:
        not_found(ctx, caller.actor, Action.READ, _audit_name(resource_type),
                  resource_id[:32], what=_("%(type)s with this id in your clinic") % {
                      "type": resource_type})
    record_read(ctx, caller.actor, Action.READ, _audit_name(resource_type), [found[0]])
    return found[1]


def search_resources(ctx: Context, caller: FhirCaller, resource_type: str,
                     params: list[tuple[str, str]]) -> SearchPage:
    """The caller's clinic's resources of one type matching ``params`` (a page of them).

    ``params`` are the query's (name, value) pairs in order; a parameter this server does not
    support is refused rather than ignored, so no filter is silently dropped.
    """
    _require(ctx, caller, resource_type, Action.LIST)
    query = search_params.parse(resource_type, params, DEFAULT_COUNT, MAX_COUNT)
    pairs: list[tuple[str, dict[str, Any]]] = []
    with ctx.db.snapshot() as session:
        hint = query.patient
        patients = _patients(session, caller.actor.clinic_id, hint) if hint else []
        if not patients:
            patients = _patients(session, caller.actor.clinic_id)
        for patient in patients:
            for resource in _all_of(session, patient, [resource_type])[resource_type]:
                if query.matches(resource):
                    pairs.append((patient.pseudo_id, resource))
    page = pairs[query.offset:query.offset + query.count]
    seen = list(dict.fromkeys(pseudo for pseudo, _resource in page))
    if seen:
        record_read(ctx, caller.actor, Action.LIST, _audit_name(resource_type), seen)
    else:
        record_alone(ctx, actor=caller.actor, action=Action.LIST,
                     resource=_audit_name(resource_type), outcome=Outcome.SUCCESS)
    return SearchPage([r for _pseudo, r in page], len(pairs), query.offset, query.count)
