"""What a patient search term matches, the list's sort orders, and the page with its total.

A term matches a patient when any of these holds (``criteria``):

* every word of the folded term occurs in the folded name (``store._name_key``): so "quinn
  maple", "maple quinn", "Maple, Quinn", "MÄPLE" and "mapl" all find Quinn Maple;
* the term is a birth date, ISO ``1961-05-02`` or day-first ``02/05/1961`` (the form used in
  the clinics this serves), or a birth year ``1961``;
* the term occurs in the record number or the pseudonymous id (case-insensitive).

Sort orders: by name (family, given), by last attended visit (most recent first) and by next
appointment (the earliest planned session due today or later that has no recorded session;
soonest first). Patients without a visit or appointment come last in those orders.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    exists,
    func,
    nulls_last,
    or_,
    select,
)

from acuneuro.store import Patient, PatientIdentity, PlannedSession, TreatmentSession
from acuneuro.store import fold_name as fold

__all__ = [
    "SORT_LABELS",
    "PatientSort",
    "birth_date",
    "criteria",
    "last_visit",
    "next_appointment",
    "ordered",
]

# A select of patients: ORM entities or the columns of the Core reads (services._patient_reads).
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_YEAR = re.compile(r"(1[89]|20)\d\d")


class PatientSort(StrEnum):
    """How the patient list is ordered."""

    NAME = "name"
    LAST_VISIT = "last_visit"
    NEXT_APPOINTMENT = "next_appointment"


SORT_LABELS = {
    PatientSort.NAME: "name",
    PatientSort.LAST_VISIT: "last visit",
    PatientSort.NEXT_APPOINTMENT: "next appointment",
}


def birth_date(term: str) -> date | None:
    """The date ``term`` spells, ISO or day/month/year; None when it is not a real date."""
    if match := _ISO.fullmatch(term):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST.fullmatch(term):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def criteria(term: str) -> ColumnElement[bool] | None:
    """The condition a patient meets to match ``term``; None for a blank term."""
    term = term.strip()
    if not term:
        return None
    matches: list[ColumnElement[bool]] = []
    if (born := birth_date(term)) is not None:
        matches.append(PatientIdentity.date_of_birth == born)
    elif _YEAR.fullmatch(term):
        year = int(term)
        matches.append(PatientIdentity.date_of_birth.between(date(year, 1, 1),
                                                             date(year, 12, 31)))
    if words := fold(term).split():
        matches.append(and_(*(PatientIdentity.name_key.contains(w, autoescape=True)
                              for w in words)))
    matches.append(PatientIdentity.record_number.icontains(term, autoescape=True))
    matches.append(Patient.pseudo_id.icontains(term, autoescape=True))
    return or_(*matches)


def last_visit() -> ScalarSelect[date]:
    """The day of the patient's most recent attended session (a correlated subquery)."""
    return (
        select(func.max(TreatmentSession.occurred_on))
        .where(TreatmentSession.clinic_id == Patient.clinic_id,
               TreatmentSession.patient_id == Patient.id,
               TreatmentSession.attendance == "attended")
        .scalar_subquery()
    )


def next_appointment(today: date) -> ScalarSelect[date]:
    """The earliest planned session due ``today`` or later with no session recorded for it."""
    recorded = exists().where(TreatmentSession.planned_session_id == PlannedSession.id)
    return (
        select(func.min(PlannedSession.due_on))
        .where(PlannedSession.clinic_id == Patient.clinic_id,
               PlannedSession.patient_id == Patient.id,
               PlannedSession.due_on >= today, ~recorded)
        .scalar_subquery()
    )


def ordered(query: _Query, sort: PatientSort, today: date) -> _Query:
    """``query`` in the order ``sort`` names; ties broken by name, then id, so pages are stable."""
    by_name = (PatientIdentity.family_name, PatientIdentity.given_name, Patient.id)
    if sort is PatientSort.LAST_VISIT:
        return query.order_by(nulls_last(last_visit().desc()), *by_name)
    if sort is PatientSort.NEXT_APPOINTMENT:
        return query.order_by(nulls_last(next_appointment(today).asc()), *by_name)
    return query.order_by(*by_name)
