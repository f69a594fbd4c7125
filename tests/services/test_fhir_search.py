"""FHIR search matching: date prefixes over implicit ranges, tokens, references (search.html)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acuneuro.services._fhir_search import SEARCH_PARAMETERS, SearchRefused, parse

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


def _observation(on: date) -> dict[str, object]:
    return {"resourceType": "Observation", "effectiveDateTime": on.isoformat(),
            "subject": {"reference": "Patient/P1"},
            "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]}}


def _hits(query: str, on: date) -> bool:
    name, _, value = query.partition("=")
    return parse("Observation", [(name, value)]).matches(_observation(on))


@given(days, days)
def test_day_prefixes_split_the_calendar_exactly(on: date, asked: date) -> None:
    day = asked.isoformat()
    assert _hits(f"date=ge{day}", on) != _hits(f"date=lt{day}", on)
    assert _hits(f"date=gt{day}", on) != _hits(f"date=le{day}", on)
    assert _hits(f"date={day}", on) == _hits(f"date=eq{day}", on) == (on == asked)
    assert _hits(f"date=ge{day}", on) == (on >= asked)


@given(days, days)
def test_a_month_is_the_range_of_its_days(on: date, asked: date) -> None:
    month = asked.isoformat()[:7]
    same = on.isoformat()[:7] == month
    assert _hits(f"date={month}", on) == same
    assert _hits(f"date=ge{month}", on) == (on.isoformat()[:7] >= month)
    assert _hits(f"date=le{month}", on) == (on.isoformat()[:7] <= month)


@pytest.mark.parametrize(("query", "hit"), [
    ("code=http://loinc.org|72514-3", True), ("code=72514-3", True), ("code=|72514-3", False),
    ("code=http://loinc.org|", True), ("code=http://snomed.info/sct|72514-3", False),
    ("code=x,72514-3", True), ("patient=P1", True), ("patient=Patient/P1", True),
    ("subject=Patient/P1", True), ("patient=P2", False),
])
def test_tokens_and_references(query: str, hit: bool) -> None:
    assert _hits(query, date(2026, 11, 24)) is hit


@pytest.mark.parametrize("query", ["date=2026-02-30", "date=sa2026", "colour=red",
                                   "code:text=pain", "_count=x", "date="])
def test_unsupported_searches_are_refused_naming_the_parameter(query: str) -> None:
    name, _, value = query.partition("=")
    with pytest.raises(SearchRefused):
        parse("Observation", [(name, value)])


def test_every_type_but_patient_searches_by_patient_and_date() -> None:
    for kind, params in SEARCH_PARAMETERS.items():
        names = {p.name for p in params}
        assert kind == "Patient" or {"patient", "date"} <= names
