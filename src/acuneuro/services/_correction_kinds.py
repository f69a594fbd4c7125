"""What each kind of clinical record lets a correction change, and how it is checked.

One ``Kind`` per record kind: its table, the fields a clinician may amend (with their labels and
input types, so the one correction form serves every kind), how a row reads as a sentence, and
``apply``, which checks the amended values through the same clinical models that checked the
record when it was written (``clinical.adverse_events``, ``clinical.medication``, the patient
and episode request models) and the date rules of ``services._clinical_checks``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from acuneuro.clinical.adverse_events import AdverseEvent
from acuneuro.clinical.case import ConditionKind
from acuneuro.clinical.medication import MedicationStatement
from acuneuro.clinical.scoring import UnknownInstrumentError, get_instrument
from acuneuro.clinical.stricta import SessionRecord
from acuneuro.i18n import format_date
from acuneuro.i18n import gettext as _
from acuneuro.knowledge.course import adverse_event_knowledge
from acuneuro.services._clinical_checks import FieldRefused, check_clinical_date
from acuneuro.services._patient_models import EpisodeIn, PatientUpdate
from acuneuro.services._policy import UseCase
from acuneuro.store import (
    AdverseEventRecord,
    Base,
    Episode,
    MedicationStatementRecord,
    Patient,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
)

__all__ = ["KINDS", "N_", "FieldSpec", "Kind", "display"]


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue; it is translated where it is shown."""
    return text


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One amendable field: its name, label, input type and, for a choice, its options."""

    name: str
    label: str
    input: str  # text, date, number or choice
    options: Callable[[], list[tuple[str, str]]] | None = None


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of clinical record."""

    id: str
    label: str
    model: type[Base]
    use_case: UseCase
    fields: tuple[FieldSpec, ...]
    values: Callable[[Any], dict[str, Any]]
    summary: Callable[[Any], str]
    apply: Callable[[Any, dict[str, Any], date, date], None]


def _humane(code: str) -> str:
    """A vocabulary code as words: ``resolvedWithSequelae`` -> "resolved with sequelae"."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code).replace("_", " ")
    return spaced.lower()


def _ae_options(part: str) -> list[tuple[str, str]]:
    k = adverse_event_knowledge()
    if part == "kind":
        return [(t.id, t.label) for t in k.types]
    if part == "action":
        return [(a.id, a.label) for a in k.actions]
    if part == "grade":
        return [(str(g.grade), f"{g.grade} ({g.label})") for g in k.grades.levels]
    levels = k.relatedness.levels if part == "relatedness" else k.outcomes
    return [(v, _humane(v)) for v in levels]


def _conditions() -> list[tuple[str, str]]:
    return [(c.value, c.value.upper() if c is not ConditionKind.other else _("other"))
            for c in ConditionKind]


def _sexes() -> list[tuple[str, str]]:
    return [(s, _(s)) for s in ("female", "male", "other", "unknown")]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _columns(*names: str) -> Callable[[Any], dict[str, Any]]:
    return lambda row: {n: _iso(getattr(row, n)) for n in names}


def _day(value: Any) -> date | None:
    return None if value in (None, "") else date.fromisoformat(str(value))


def _refuse_validation(exc: ValidationError, fields: Mapping[str, str]) -> FieldRefused:
    """The first pydantic error as a sentence on the form field it concerns."""
    error = exc.errors(include_url=False)[0]
    loc = [str(p) for p in error["loc"]]
    text = str(error["msg"]).removeprefix("Value error, ")
    field = next((f for p in reversed(loc) if (f := fields.get(p))), "")
    if not field:  # a whole-record check names its field in its text ("medication x: ...")
        field = next((f for k, f in fields.items() if k in text), next(iter(fields.values())))
    return FieldRefused(field, text[:1].upper() + text[1:])


# ---- patient details -------------------------------------------------------------------------

def _patient_values(row: Patient) -> dict[str, Any]:
    i = row.identity
    return {"given_name": i.given_name, "family_name": i.family_name,
            "date_of_birth": i.date_of_birth.isoformat(), "sex": row.sex, "phone": i.phone,
            "email": i.email, "record_number": i.record_number}


def _patient_apply(row: Patient, new: dict[str, Any], today: date,
                born: date) -> None:
    given = {k: (v if v not in ("", None) else None) for k, v in new.items()}
    try:
        checked = PatientUpdate.model_validate(given)
    except ValidationError as exc:
        raise _refuse_validation(exc, {k: k for k in given}) from None
    for field, value in checked.model_dump(exclude_unset=True).items():
        if field == "sex":
            row.sex = value
        else:
            setattr(row.identity, field, value)


# ---- episode and its condition ---------------------------------------------------------------

def _episode_apply(row: Episode, new: dict[str, Any], today: date,
                born: date) -> None:
    try:
        checked = EpisodeIn.model_validate({"kind": new["condition_kind"],
                                            "icd10": new["icd10"] or None,
                                            "onset": new["onset"] or None})
    except ValidationError as exc:
        raise _refuse_validation(exc, {"kind": "condition_kind", "icd10": "icd10",
                                       "onset": "onset"}) from None
    closed = _day(new["closed_on"])
    check_clinical_date("onset", _("The onset"), checked.onset, born, today)
    check_clinical_date("closed_on", _("The closing date"), closed, born, today)
    if closed is not None and checked.onset is not None and closed < checked.onset:
        raise FieldRefused("closed_on", _("The episode cannot close before its onset."))
    row.condition_kind, row.icd10, row.onset, row.closed_on = (
        checked.kind, checked.icd10, checked.onset, closed)


def _episode_summary(row: Episode) -> str:
    onset = format_date(row.onset) if row.onset else _("not recorded")
    return _("Episode %(kind)s, onset %(onset)s") % {"kind": row.condition_kind.value.upper(),
                                                      "onset": onset}


# ---- score -----------------------------------------------------------------------------------

def _score_apply(row: ScoreRecord, new: dict[str, Any], today: date,
                born: date) -> None:
    taken = _day(new["taken_on"])
    if taken is None:
        raise FieldRefused("taken_on", _("Give the date the score was taken."))
    check_clinical_date("taken_on", _("The score date"), taken, born, today)
    row.taken_on = taken


def _score_summary(row: ScoreRecord) -> str:
    try:
        name = get_instrument(row.instrument_id).name
    except UnknownInstrumentError:  # an instrument since retired keeps its stored id
        name = row.instrument_id.upper()
    total = "" if row.total is None else ", " + _("total %(total)s") % {"total": f"{row.total:g}"}
    return f"{name}, {format_date(row.taken_on)}{total}"


# ---- session ---------------------------------------------------------------------------------

def _session_apply(row: TreatmentSession, new: dict[str, Any], today: date,
                born: date) -> None:
    on = _day(new["occurred_on"])
    if on is None:
        raise FieldRefused("occurred_on", _("Give the date of the session."))
    check_clinical_date("occurred_on", _("The session date"), on, born, today)
    minutes = new.get("session_minutes") or None
    doc = {**row.record_json, "on": on.isoformat(), "deviation": new["deviation"] or None,
           "reason_not_attended": new["reason_not_attended"] or None,
           "session_minutes": minutes}
    try:
        record = SessionRecord.model_validate(doc)
    except ValidationError as exc:
        raise _refuse_validation(exc, {"deviation": "deviation", "session_minutes":
                                       "session_minutes", "reason_not_attended":
                                       "reason_not_attended", "on": "occurred_on"}) from None
    row.occurred_on, row.deviation = on, record.deviation
    row.record_json = record.model_dump(mode="json")


def _session_values(row: TreatmentSession) -> dict[str, Any]:
    doc = row.record_json
    return {"occurred_on": row.occurred_on.isoformat(), "deviation": row.deviation,
            "reason_not_attended": doc.get("reason_not_attended"),
            "session_minutes": doc.get("session_minutes")}


def _session_summary(row: TreatmentSession) -> str:
    return _("Session %(number)s, %(on)s, %(attendance)s") % {
        "number": row.record_json.get("session_number"), "on": format_date(row.occurred_on),
        "attendance": _(row.attendance)}


# ---- adverse event ---------------------------------------------------------------------------

def _event_apply(row: AdverseEventRecord, new: dict[str, Any], today: date,
                born: date) -> None:
    try:
        event = AdverseEvent.model_validate({
            "on": new["occurred_on"], "type": new["kind"], "grade": new["grade"],
            "relatedness": new["relatedness"], "action": new["action"] or "none",
            "outcome": new["outcome"] or "unknown", "description": new["note"] or None})
    except ValidationError as exc:
        raise _refuse_validation(exc, {"on": "occurred_on", "type": "kind", "grade": "grade",
                                       "relatedness": "relatedness", "action": "action",
                                       "outcome": "outcome", "description": "note"}) from None
    check_clinical_date("occurred_on", _("The date of the adverse event"), event.on,
                        born, today)
    row.occurred_on, row.kind, row.grade, row.relatedness = (
        event.on, event.type, event.grade, event.relatedness)
    row.action, row.outcome, row.note = event.action, event.outcome, event.description


def _event_summary(row: AdverseEventRecord) -> str:
    label = dict(_ae_options("kind")).get(row.kind, row.kind)
    return _("%(what)s on %(on)s, grade %(grade)d") % {
        "what": label, "on": format_date(row.occurred_on), "grade": row.grade}


# ---- medicine --------------------------------------------------------------------------------

def _medicine_apply(row: MedicationStatementRecord, new: dict[str, Any], today: date,
                born: date) -> None:
    try:
        stmt = MedicationStatement(drug=new["drug"], daily_dose=new["daily_dose"],
                                   unit=new["unit"], start=new["start_on"],
                                   stop=new["stop_on"] or None)
    except ValidationError as exc:
        raise _refuse_validation(exc, {"drug": "drug", "daily_dose": "daily_dose",
                                       "unit": "unit", "start": "start_on",
                                       "stop": "stop_on"}) from None
    check_clinical_date("start_on", _("The start date"), stmt.start, born, today)
    if stmt.stop is not None and stmt.stop < born:  # a last day ahead is a planned stop
        check_clinical_date("stop_on", _("The last day taken"), stmt.stop, born, today)
    row.drug, row.daily_dose, row.unit = stmt.drug[:64], stmt.daily_dose, stmt.unit[:16]
    row.start_on, row.stop_on = stmt.start, stmt.stop


def _medicine_summary(row: MedicationStatementRecord) -> str:
    return _("%(drug)s %(dose)g %(unit)s a day from %(start)s") % {
        "drug": row.drug, "dose": row.daily_dose, "unit": row.unit,
        "start": format_date(row.start_on)}


# ---- plan ------------------------------------------------------------------------------------

def _plan_apply(row: PlanRecord, new: dict[str, Any], today: date,
                born: date) -> None:
    raise FieldRefused("reason", _("A plan is changed on the plan page; here it can only be "
                                   "withdrawn or marked as entered in error."))


def _plan_summary(row: PlanRecord) -> str:
    return _("Plan %(id)d for %(condition)s, %(status)s") % {
        "id": row.id, "condition": row.condition_kind.upper(), "status": _(row.status)}


KINDS: dict[str, Kind] = {k.id: k for k in (
    Kind("patient", N_("patient details"), Patient, UseCase.PATIENT_RECORD, (
        FieldSpec("given_name", N_("Given name"), "text"),
        FieldSpec("family_name", N_("Family name"), "text"),
        FieldSpec("date_of_birth", N_("Date of birth"), "date"),
        FieldSpec("sex", N_("Sex"), "choice", _sexes),
        FieldSpec("phone", N_("Phone"), "text"),
        FieldSpec("email", N_("Email"), "text"),
        FieldSpec("record_number", N_("Record number"), "text")),
        _patient_values, lambda row: _("Patient details"), _patient_apply),
    Kind("episode", N_("episode of care"), Episode, UseCase.COURSE_WRITE, (
        FieldSpec("condition_kind", N_("Condition"), "choice", _conditions),
        FieldSpec("icd10", N_("ICD-10 code"), "text"),
        FieldSpec("onset", N_("Onset"), "date"),
        FieldSpec("closed_on", N_("Closed on"), "date")),
        lambda row: {"condition_kind": row.condition_kind.value, "icd10": row.icd10,
                     "onset": _iso(row.onset), "closed_on": _iso(row.closed_on)},
        _episode_summary, _episode_apply),
    Kind("score", N_("score"), ScoreRecord, UseCase.SCORE_WRITE, (
        FieldSpec("taken_on", N_("Date taken"), "date"),),
        _columns("taken_on"), _score_summary, _score_apply),
    Kind("session", N_("session"), TreatmentSession, UseCase.COURSE_WRITE, (
        FieldSpec("occurred_on", N_("Session date"), "date"),
        FieldSpec("session_minutes", N_("Minutes"), "number"),
        FieldSpec("deviation", N_("Deviation from plan"), "text"),
        FieldSpec("reason_not_attended", N_("Reason not attended"), "text")),
        _session_values, _session_summary, _session_apply),
    Kind("adverse-event", N_("adverse event"), AdverseEventRecord, UseCase.COURSE_WRITE, (
        FieldSpec("occurred_on", N_("Date"), "date"),
        FieldSpec("kind", N_("Type"), "choice", lambda: _ae_options("kind")),
        FieldSpec("grade", N_("CTCAE grade"), "choice", lambda: _ae_options("grade")),
        FieldSpec("relatedness", N_("Attribution"), "choice",
                  lambda: _ae_options("relatedness")),
        FieldSpec("action", N_("Action taken"), "choice", lambda: _ae_options("action")),
        FieldSpec("outcome", N_("Outcome"), "choice", lambda: _ae_options("outcome")),
        FieldSpec("note", N_("Description"), "text")),
        _columns("occurred_on", "kind", "grade", "relatedness", "action", "outcome", "note"),
        _event_summary, _event_apply),
    Kind("medicine", N_("medicine"), MedicationStatementRecord, UseCase.COURSE_WRITE, (
        FieldSpec("drug", N_("Drug"), "text"),
        FieldSpec("daily_dose", N_("Total daily dose"), "number"),
        FieldSpec("unit", N_("Unit"), "text"),
        FieldSpec("start_on", N_("Since"), "date"),
        FieldSpec("stop_on", N_("Last day taken"), "date")),
        _columns("drug", "daily_dose", "unit", "start_on", "stop_on"),
        _medicine_summary, _medicine_apply),
    Kind("plan", N_("plan"), PlanRecord, UseCase.PLAN_WRITE, (),
         _columns("status"), _plan_summary, _plan_apply),
)}


def display(kind: Kind, field: str, value: Any) -> str:
    """A stored value as the history shows it: dates formatted, codes as their labels."""
    if value in (None, ""):
        return _("none")
    spec = next((f for f in kind.fields if f.name == field), None)
    if spec is not None and spec.input == "date":
        return format_date(date.fromisoformat(str(value)))
    if spec is not None and spec.options is not None:
        return dict(spec.options()).get(str(value), _humane(str(value)))
    if field == "status":
        return _(str(value).replace("-", " "))
    return f"{value:g}" if isinstance(value, float) else str(value)
