"""Reading a FHIR Bundle into acuneuro's tables: every resource checked first, then one write.

:func:`read_bundle` turns the Bundle's resources into what the store keeps and collects one
sentence per resource it cannot take (an unknown code, a missing element, a resource type
acuneuro does not keep); the caller refuses the whole Bundle when there is any, so nothing is
half-written. :func:`store_patient` and :func:`store_content` then write in the caller's one
transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from acuneuro.clinical.adverse_events import AdverseEvent
from acuneuro.clinical.case import ConditionKind
from acuneuro.clinical.medication import MedicationStatement
from acuneuro.clinical.planner import Plan
from acuneuro.clinical.scoring import get_instrument, score
from acuneuro.clinical.stricta import SessionRecord
from acuneuro.i18n import gettext as _
from acuneuro.interop.fhir_bundle import entry_resources
from acuneuro.interop.fhir_course import parse_adverse_event, parse_medication, parse_session
from acuneuro.interop.fhir_scores import ImportedScore, parse_scores
from acuneuro.knowledge import fhir_codes
from acuneuro.services._actor import Actor
from acuneuro.services._course_common import CourseRefused
from acuneuro.services._fhir_resources import CONDITION_CS, EXT_PLAN
from acuneuro.services._plan_edit import PlanRefused, schedule_visits
from acuneuro.store import (
    AdverseEventRecord,
    Episode,
    MedicationStatementRecord,
    Patient,
    PatientIdentity,
    PlannedSession,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
)

__all__ = ["IMPORTED_VERSION", "BundleContent", "read_bundle", "store_content", "store_patient"]

# Stored as the instrument version of a score whose answers did not come with it.
IMPORTED_VERSION = "imported (FHIR)"
_KEPT = {"Patient", "Condition", "CarePlan", "Observation", "QuestionnaireResponse",
         "Procedure", "MedicationStatement", "AdverseEvent"}


@dataclass
class BundleContent:
    """What a Bundle holds, in the clinical models, and what could not be read."""

    person: Mapping[str, Any] | None = None
    episodes: list[tuple[ConditionKind, str | None, date | None, date | None]] = field(
        default_factory=list)
    plan: Mapping[str, Any] | None = None
    scores: list[ImportedScore] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    medications: list[MedicationStatement] = field(default_factory=list)
    adverse_events: list[AdverseEvent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _day(text: Any) -> date | None:
    return date.fromisoformat(text[:10]) if isinstance(text, str) and text else None


def _condition(c: Mapping[str, Any]) -> tuple[ConditionKind, str | None, date | None, date | None]:
    codes = fhir_codes()
    found = {x.get("system"): x.get("code") for x in c.get("code", {}).get("coding", [])}
    kind = found.get(CONDITION_CS)
    if kind is None:
        snomed = found.get(codes.systems["snomed"])
        kind = next((k for k, v in codes.conditions.items() if snomed and v.snomed == snomed),
                    None)
    if kind not in {k.value for k in ConditionKind}:
        raise ValueError(_("code: no condition acuneuro knows (its own code or a verified "
                           "SNOMED CT code)"))
    return (ConditionKind(kind), found.get(codes.systems["icd10"]),
            _day(c.get("onsetDateTime")), _day(c.get("abatementDateTime")))


def read_bundle(bundle: Mapping[str, Any]) -> BundleContent:
    """The Bundle's content; ``problems`` names every resource that could not be read."""
    content = BundleContent()
    # urn:uuid entries (``export fhir --requests create``, or another system's transaction)
    # get their ids and their Bundle-internal references as Type/id before anything is read.
    resources = entry_resources(bundle)
    readers: dict[str, tuple[list[Any], Callable[[Mapping[str, Any]], Any]]] = {
        "Procedure": (content.sessions, parse_session),
        "MedicationStatement": (content.medications, parse_medication),
        "AdverseEvent": (content.adverse_events, parse_adverse_event)}
    for r in resources:
        if not isinstance(r, Mapping):
            content.problems.append(_("Bundle.entry: an entry without a resource"))
            continue
        kind, where = r.get("resourceType"), f"{r.get('resourceType')}/{r.get('id')}"
        try:
            if kind not in _KEPT:
                raise ValueError(_("acuneuro does not keep %(kind)s resources") % {"kind": kind})
            if kind == "Patient":
                content.person = r
            elif kind == "Condition":
                content.episodes.append(_condition(r))
            elif kind == "CarePlan":
                content.plan = r
            elif kind in readers:
                target, parse = readers[str(kind)]
                target.append(parse(r))
        except (ValueError, KeyError, IndexError, TypeError, StopIteration) as exc:
            content.problems.append(f"{where}: {exc}")
    content.scores, problems = parse_scores([r for r in resources if isinstance(r, Mapping)])
    content.problems += problems
    subjects = sorted({str(r["subject"].get("reference")) for r in resources
                       if isinstance(r, Mapping) and isinstance(r.get("subject"), Mapping)})
    if len(subjects) > 1:
        content.problems.append(_("Bundle: resources of more than one patient (%(ids)s)")
                                % {"ids": ", ".join(subjects)})
    return content


def store_patient(session: Session, actor: Actor, pseudo: str, person: Mapping[str, Any]
                  ) -> Patient:
    """A new patient of the caller's clinic from a Patient resource (the birth year is needed)."""
    born = str(person.get("birthDate", ""))[:4]
    if not born.isdigit():
        raise ValueError(_("Patient.birthDate: the birth year is needed"))
    clinic = actor.clinic_id
    patient = Patient(clinic_id=clinic, pseudo_id=pseudo, sex=person.get("gender"))
    patient.identity = PatientIdentity(clinic_id=clinic, given_name="Imported",
                                       family_name=f"Patient {pseudo}",
                                       date_of_birth=date(int(born), 1, 1))
    session.add(patient)
    session.flush()
    return patient


def _store_plan(session: Session, actor: Actor, patient: Patient, plan_resource: Mapping[str, Any]
                ) -> int:
    raw = next((e.get("valueString") for e in plan_resource.get("extension", [])
                if e.get("url") == EXT_PLAN), None)
    if raw is None:
        raise ValueError(_("CarePlan: no acuneuro plan extension"))
    documents = json.loads(raw)
    plan = Plan.model_validate(documents["plan"])
    start = date.fromisoformat(plan_resource["period"]["start"][:10])
    row = PlanRecord(clinic_id=patient.clinic_id, patient_id=patient.id, status="accepted",
                     condition_kind=plan.condition.value, safety_status=plan.safety.status,
                     case_json=documents["case"], plan_json=documents["plan"], start_on=start,
                     created_by=actor.user_id, accepted_by=actor.user_id)
    session.add(row)
    session.flush()
    try:
        visits = schedule_visits(plan.course, start)
    except PlanRefused as exc:
        raise CourseRefused(str(exc)) from None
    session.add_all(PlannedSession(clinic_id=row.clinic_id, patient_id=patient.id,
                                   plan_id=row.id, number=v.number, due_on=v.due_on,
                                   reassessment=v.reassessment,
                                   instruments_due=v.instruments_due) for v in visits)
    return row.id


def _version(s: ImportedScore) -> str:
    """The current instrument version when the answers give the stored numbers again."""
    if not s.answers:
        return IMPORTED_VERSION
    try:
        again = score(s.instrument, s.answers)
    except ValueError:
        return IMPORTED_VERSION
    same = (again.total, again.positive, dict(again.subscales)) == (
        s.total, s.positive, s.subscales)
    return get_instrument(s.instrument).version if same else IMPORTED_VERSION


def store_content(session: Session, actor: Actor, patient: Patient, content: BundleContent
                  ) -> None:
    """Write the content for ``patient`` (episodes, plan, scores, sessions, medicines, events)."""
    clinic, pid = patient.clinic_id, patient.id
    for kind, icd10, onset, closed in content.episodes:
        session.add(Episode(clinic_id=clinic, patient_id=pid, condition_kind=kind, icd10=icd10,
                            onset=onset, closed_on=closed))
    plan_id = _store_plan(session, actor, patient, content.plan) if content.plan else None
    for s in content.scores:
        session.add(ScoreRecord(clinic_id=clinic, patient_id=pid, instrument_id=s.instrument,
                                instrument_version=_version(s), taken_on=s.taken_on,
                                answers_json=dict(s.answers), total=s.total,
                                subscales_json=dict(s.subscales), positive=s.positive,
                                created_by=actor.user_id))
    ids: dict[int, int] = {}
    for rec in content.sessions:
        row = TreatmentSession(clinic_id=clinic, patient_id=pid, plan_id=plan_id,
                               occurred_on=rec.on, attendance=rec.attendance,
                               record_json=rec.model_dump(mode="json"), deviation=rec.deviation,
                               acknowledged_rules=[], practitioner_id=None)
        session.add(row)
        session.flush()
        ids[rec.session_number] = row.id
    for m in content.medications:
        session.add(MedicationStatementRecord(clinic_id=clinic, patient_id=pid, drug=m.drug,
                                              daily_dose=m.daily_dose, unit=m.unit,
                                              start_on=m.start, stop_on=m.stop,
                                              created_by=actor.user_id))
    for e in content.adverse_events:
        session.add(AdverseEventRecord(
            clinic_id=clinic, patient_id=pid, occurred_on=e.on, kind=e.type, grade=e.grade,
            session_id=ids.get(e.session_number) if e.session_number else None,
            relatedness=e.relatedness, action=e.action, outcome=e.outcome, note=e.description,
            created_by=actor.user_id))
    session.flush()
