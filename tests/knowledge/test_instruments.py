"""The instrument definitions in knowledge/instruments load, cite sources and keep our rules."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from acuneuro.knowledge import (
    Instrument,
    bibliography,
    instrument_ids,
    load_instrument,
    load_instruments,
    pain_type_rules,
)

from ..clinical._cases import DN4_ITEMS

REQUIRED = {
    "dn4",
    "dn4-interview",
    "lanss",
    "s-lanss",
    "paindetect",
    "id-pain",
    "npsi",
    "nrs",
    "bpi-sf",
    "pgic",
    "dsis",
    "hads",
    "eq-5d-5l",
    "mnsi",
    "monofilament",
    "vibration",
    "qlq-cipn20",
    "fact-gog-ntx",
    "ctcae-sensory-neuropathy",
}



# The only LOINC code the reference dossier found for these instruments (NRS, HL7 BE IG).
KNOWN_LOINC = {"72514-3"}


def test_every_required_instrument_is_shipped() -> None:
    assert set(instrument_ids()) == REQUIRED


def test_dn4_items_are_the_case_contract_ids_in_published_order() -> None:
    assert [i.id for i in load_instrument("dn4").items] == DN4_ITEMS
    assert [i.id for i in load_instrument("dn4-interview").items] == DN4_ITEMS[:7]


@pytest.mark.parametrize("instrument_id", sorted(REQUIRED))
def test_every_cited_source_is_in_the_bibliography(instrument_id: str) -> None:
    instrument = load_instrument(instrument_id)
    cited = set(instrument.sources)
    for rule in instrument.scores:
        cited |= set(rule.sources)
    for cutoff in instrument.cutoffs:
        cited |= set(cutoff.sources)
    assert cited <= set(bibliography())


def test_no_loinc_code_is_invented() -> None:
    used = {
        c.code
        for i in load_instruments().values()
        for c in i.codes
        if c.system == "http://loinc.org"
    }
    assert used <= KNOWN_LOINC
    assert load_instrument("nrs").codes[0].code == "72514-3"


@pytest.mark.parametrize(
    "instrument_id", ["bpi-sf", "hads", "eq-5d-5l", "qlq-cipn20", "fact-gog-ntx"]
)
def test_licensed_instruments_say_they_are_not_free_to_embed(instrument_id: str) -> None:
    assert load_instrument(instrument_id).licence.free_to_embed == "no"


def test_unverified_facts_are_marked_and_explained() -> None:
    # Facts the reference dossier tags UNVERIFIED must not be live rules.
    npsi = load_instrument("npsi")
    assert all(not r.verified for r in npsi.scores if r.id != "total")
    assert all(not r.verified for r in load_instrument("qlq-cipn20").scores)
    assert all(not c.verified for c in load_instrument("id-pain").cutoffs)
    course = load_instrument("paindetect").item("course_pattern")
    assert all(o.value is None and o.value_bounds == (-1, 1) for o in course.options)
    assert load_instrument("paindetect").verification


def test_cut_offs_report_sensitivity_and_specificity_where_published() -> None:
    primary = next(c for c in load_instrument("paindetect").cutoffs if c.primary)
    assert (primary.sensitivity, primary.specificity) == (0.85, 0.80)


def test_the_pain_type_table_covers_every_grade_and_screening_result() -> None:
    rules = pain_type_rules()
    assert len(rules.rules) == 25
    assert "design decision" in rules.design_note
    assert set(rules.screening_instruments) <= REQUIRED


def _minimal(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "x",
        "name": "X",
        "version": "1",
        "purpose": "outcome",
        "items": [{"id": "a", "text": "a", "type": "number", "min": 0, "max": 10}],
        "total": "total",
        "scores": [
            {
                "id": "total",
                "label": "t",
                "method": "sum",
                "items": ["a"],
                "range": [0, 10],
                "sources": ["s"],
            }
        ],
        "licence": {"holder": "none", "free_to_embed": "yes", "note": "-"},
        "sources": ["s"],
    }
    data.update(changes)
    return data


def test_a_minimal_definition_validates() -> None:
    assert Instrument.model_validate(_minimal()).id == "x"


@pytest.mark.parametrize(
    "changes",
    [
        {"total": "nope"},
        {
            "scores": [
                {
                    "id": "total",
                    "label": "t",
                    "method": "sum",
                    "items": ["b"],
                    "range": [0, 1],
                    "sources": ["s"],
                }
            ]
        },
        {
            "scores": [
                {
                    "id": "total",
                    "label": "t",
                    "method": "sum",
                    "items": ["a"],
                    "range": [0, 1],
                    "verified": False,
                    "sources": ["s"],
                }
            ]
        },
        {
            "items": [
                {
                    "id": "a",
                    "text": "a",
                    "type": "boolean",
                    "options": [
                        {"code": "si", "label": "si", "value": 1},
                        {"code": "no", "label": "no", "value": 0},
                    ],
                }
            ]
        },
        {"items": [{"id": "a", "text": "a", "type": "number", "min": 5, "max": 1}]},
        {"unknown_key": 1},
        {
            "cutoffs": [
                {
                    "score": "total",
                    "sources": ["s"],
                    "bands": [
                        {"min": 0, "max": 5, "label": "a", "positive": False},
                        {"min": 5, "max": 10, "label": "b", "positive": True},
                    ],
                }
            ]
        },
        {
            "items": [
                {
                    "id": "a",
                    "text": "a",
                    "type": "choice",
                    "options": [
                        {"code": "x", "label": "x", "value": 0},
                        {"code": "y", "label": "y", "value": 1},
                    ],
                }
            ],
            "scores": [
                {
                    "id": "total",
                    "label": "t",
                    "method": "lookup",
                    "items": ["a"],
                    "table": {"x": 0},
                    "range": [0, 1],
                    "sources": ["s"],
                }
            ],
        },
    ],
)
def test_it_rejects_inconsistent_definitions(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Instrument.model_validate(_minimal(**changes))
