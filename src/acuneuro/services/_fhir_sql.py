"""FHIR search parameters that map exactly onto columns, pushed into the SQL of a search.

A search used to build every resource of the clinic and test each one. The parameters whose
meaning is a column comparison (the patient reference: the patient's pseudonymous id; a date on
a resource whose date is one stored day; an Observation's code, which depends on its instrument
alone, so it becomes the list of instruments whose code matches) become WHERE clauses;
whatever cannot be pushed stays a *residual* test, run on the built resources exactly as
before, so a pushed search and a built one match the same resources
(tests/services/test_fhir_rest_sql.py compares them).

References
----------
HL7 FHIR R4 (4.0.1) search.html 3.1.1.4.2 (date prefixes on a date that is a whole day: ``eq``
inside the range, ``gt`` after its end, ``ge`` on or after its start, ``lt`` before its start,
``le`` on or before its end), 3.1.1.4.5 (reference).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from acuneuro.clinical.scoring import ScoreResult
from acuneuro.interop.fhir_questionnaire import score_observation
from acuneuro.knowledge import instrument_ids
from acuneuro.services._fhir_search import Query, day_range
from acuneuro.store import Patient

__all__ = ["Pushed", "observation_codes", "push"]


@cache
def observation_codes() -> Mapping[str, Any]:
    """Each instrument's ``Observation.code``, built by the export's own builder: the code
    depends on the instrument only (never on the answers), so a code search is an instrument
    list."""
    return {i: score_observation(ScoreResult(instrument=i, version="", total=None,
                                             positive=None, interpretation=""))["code"]
            for i in instrument_ids()}


@dataclass(frozen=True, slots=True)
class Pushed:
    """The WHERE clauses a search pushes into SQL and the tests left to run on resources."""

    where: tuple[ColumnElement[bool], ...]
    residual: Query


def _on(column: Any, value: str) -> ColumnElement[bool]:
    prefix = value[:2] if value[:2].isalpha() else "eq"
    found = day_range(value)
    if found is None:  # parse() refuses these; never match rather than guess
        return false()
    low, high = found
    clauses: dict[str, ColumnElement[bool]] = {
        "eq": and_(column >= low, column <= high), "gt": column > high,
        "ge": column >= low, "lt": column < low, "le": column <= high}
    return clauses[prefix]


def push(query: Query, day_column: Any | None, instrument_column: Any | None = None
         ) -> Pushed:
    """Split ``query``: patient (and, with ``day_column``, date) tests become SQL.

    ``day_column`` is the column holding the resource's one date, or None when the resource's
    date is not one stored day (a period, an optional onset): then dates stay residual.
    ``instrument_column`` (Observations): the code test becomes "instrument in [...]".
    """
    where: list[ColumnElement[bool]] = []
    left = []
    for test in query.tests:
        kind = test.parameter.kind
        if kind == "reference" and test.parameter.name == "patient":
            where.append(Patient.pseudo_id.in_([v.removeprefix("Patient/")
                                                for v in test.values]))
        elif kind == "date" and day_column is not None:
            where.append(or_(*(_on(day_column, v) for v in test.values)))
        elif test.parameter.name == "code" and instrument_column is not None:
            matching = [i for i, code in observation_codes().items()
                        if test.matches({"code": code})]
            where.append(instrument_column.in_(matching) if matching else false())
        else:
            left.append(test)
    residual = Query(tuple(left), query.count, query.offset, query.patient, query.names)
    return Pushed(tuple(where), residual)
