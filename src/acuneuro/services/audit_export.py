"""The audit trail as FHIR R4 ``AuditEvent`` resources in the IHE BALP shapes.

Patient reads, creates, updates and searches are RESTful events (type ``rest``, subtype the
FHIR interaction, ``entity`` the patient: IHE.BasicAudit.PatientRead/Create/Update/Query);
logins and logouts are DICOM ``110114`` User Authentication with subtype ``110122`` Login or
``110123`` Logout (Medplum ``auditevent.ts`` codes them the same way). Only pseudonymous ids
leave: the user's number, never the account's email, and the patient's pseudonymous id, never
a name (shared/reference/security-reliability.md A1.3). Each resource is validated with
``fhir.resources`` (R4B) before it is returned.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from sqlalchemy import select

from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services._refusals import role_refused_for
from acuneuro.services.audit import Action, Outcome, record_alone
from acuneuro.store import AuditEvent

__all__ = ["audit_bundle", "fhir_audit_event"]

_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
_DICOM = "http://dicom.nema.org/resources/ontology/DCM"
_INTERACTION = "http://hl7.org/fhir/restful-interaction"
_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
_OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
_USER_SYSTEM = "urn:acuneuro:user"

# action -> (FHIR AuditEvent.action, restful interaction)
_REST = {
    Action.CREATE.value: ("C", "create"),
    Action.READ.value: ("R", "read"),
    Action.UPDATE.value: ("U", "update"),
    Action.LIST.value: ("E", "search-type"),
}
_AUTHENTICATION = {
    Action.LOGIN.value: {"system": _DICOM, "code": "110122", "display": "Login"},
    Action.LOGOUT.value: {"system": _DICOM, "code": "110123", "display": "Logout"},
}
# 0 success, 4 minor failure (a refusal is the system working), 8 serious failure.
_OUTCOME = {Outcome.SUCCESS.value: "0", Outcome.FAILURE.value: "4",
            Outcome.DENIED.value: "4", Outcome.NOT_FOUND.value: "4"}


def fhir_audit_event(row: AuditEvent) -> dict[str, Any]:
    """One audit row as a validated FHIR AuditEvent (JSON)."""
    if row.action in _AUTHENTICATION:
        kind = {"system": _DICOM, "code": "110114", "display": "User Authentication"}
        subtype = [_AUTHENTICATION[row.action]]
        action = "E"
    elif row.action in _REST:
        action, interaction = _REST[row.action]
        kind = {"system": _EVENT_TYPE, "code": "rest", "display": "RESTful Operation"}
        subtype = [{"system": _INTERACTION, "code": interaction}]
    else:
        kind = {"system": _DICOM, "code": "110136", "display": "Security Roles Changed"}
        subtype = []
        action = "E"
    who: dict[str, Any] = (
        {"identifier": {"system": _USER_SYSTEM, "value": str(row.user_id)}}
        if row.user_id is not None else {"display": "system" if row.actor and
                                         row.actor.startswith("system:") else "unknown"}
    )
    agent: dict[str, Any] = {"who": who, "requestor": True}
    if row.role:
        agent["role"] = [{"text": row.role}]
    if row.source_address:
        # network-type 2 is an IP address, 1 a machine name ("local" for the command line).
        agent["network"] = {"address": row.source_address,
                            "type": "2" if _is_ip(row.source_address) else "1"}
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(row.id),
        "type": kind,
        "action": action,
        "recorded": row.at.isoformat(),
        "outcome": _OUTCOME.get(row.outcome, "8"),
        "outcomeDesc": row.outcome,
        "agent": [agent],
        "source": {"observer": {"display": "acuneuro"},
                   "type": [{"system": _SOURCE_TYPE, "code": "4",
                             "display": "Application Server"}]},
    }
    if subtype:
        resource["subtype"] = subtype
    if row.patient_pseudo_id:
        resource["entity"] = [{
            "what": {"reference": f"Patient/{row.patient_pseudo_id}"},
            "type": {"system": _ENTITY_TYPE, "code": "1", "display": "Person"},
            "role": {"system": _OBJECT_ROLE, "code": "1", "display": "Patient"},
        }]
    elif row.resource:
        resource["entity"] = [{"what": {"display": row.resource}}]
    FhirAuditEvent.model_validate(resource)
    return resource


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def audit_bundle(ctx: Context, actor: Actor, since: datetime | None = None) -> dict[str, Any]:
    """A ``collection`` Bundle of every audit event (from ``since``); administrators only.

    Reading the trail is itself audited.
    """
    if not allowed(actor.role, UseCase.AUDIT_READ):
        record_alone(ctx, actor=actor, action=Action.READ, resource="audit",
                     outcome=Outcome.DENIED)
        raise role_refused_for(actor.role, UseCase.AUDIT_READ)
    entries = [{"fullUrl": f"urn:acuneuro:audit:{e['id']}", "resource": e}
               for e in _events(ctx, since)]
    record_alone(ctx, actor=actor, action=Action.READ, resource="audit",
                 outcome=Outcome.SUCCESS)
    return {"resourceType": "Bundle", "type": "collection", "total": len(entries),
            "entry": entries}


def _events(ctx: Context, since: datetime | None) -> Iterator[dict[str, Any]]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    with ctx.db.read() as session:
        for row in session.scalars(query).yield_per(1000):
            yield fhir_audit_event(row)
