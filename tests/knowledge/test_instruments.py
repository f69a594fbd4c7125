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
    reachable_range,
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
# Each confirmed in two independent sources (see the instrument files and their sources).
KNOWN_LOINC = {"72514-3", "77565-0"}


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


def test_every_loinc_code_cites_two_sources() -> None:
    # The rule of knowledge/fhir_codes.yaml: a standard code goes in only when two
    # independent sources agree on code and display.
    for instrument in load_instruments().values():
        for code in instrument.codes:
            if code.system == "http://loinc.org" and code.code != "72514-3":
                assert len(set(code.sources)) >= 2, (instrument.id, code.code)


def test_the_bpi_interference_score_carries_its_loinc_code() -> None:
    codes = load_instrument("bpi-sf").codes
    assert [(c.code, c.score) for c in codes] == [("77565-0", "interference")]


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

def test_paindetect_course_and_s_lanss_self_tests_carry_their_verified_values() -> None:
    # Freynhagen 2006 form / Nikaido 2018 Table 1; Bennett 2005 (5 and 3).
    course = load_instrument("paindetect").item("course_pattern")
    assert [o.value for o in course.options] == [0, -1, 1, 1]
    slanss = load_instrument("s-lanss")
    yes = {i.id: next(o.value for o in i.options if o.code == "yes") for i in slanss.items}
    assert (yes["self_allodynia"], yes["self_pinprick"]) == (5, 3)
    assert "nikaido2018" in load_instrument("paindetect").score_rule("total").sources


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
        "answered_by": "patient",
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
                    "range": [0, 10],
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


def _yes_no(item_id: str, yes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "text": item_id, "type": "boolean", **extra,
            "options": [{"code": "yes", "label": "yes", **yes},
                        {"code": "no", "label": "no", "value": 0}]}


def test_it_refuses_a_score_that_some_answer_set_would_push_past_its_published_range() -> None:
    # The old S-LANSS data: self-test yes stored as "3 to 5" reached 26 on a 0-24 scale.
    weights = [5, 5, 3, 2, 1]
    items = [_yes_no(f"i{n}", {"value": w}) for n, w in enumerate(weights)]
    items += [_yes_no("s6", {"value": None, "value_bounds": [3, 5]}),
              _yes_no("s7", {"value": None, "value_bounds": [3, 5]})]
    scores = [{"id": "total", "label": "t", "method": "sum", "items": [i["id"] for i in items],
               "range": [0, 24], "sources": ["s"]}]
    with pytest.raises(ValidationError, match="can reach 0 to 26, outside its published"):
        Instrument.model_validate(_minimal(items=items, scores=scores))


def test_every_instrument_score_stays_within_its_published_range() -> None:
    for instrument in load_instruments().values():
        for rule in instrument.scores:
            low, high = reachable_range(instrument, rule)
            assert rule.range[0] <= low <= high <= rule.range[1], (instrument.id, rule.id)


def test_who_answers_must_be_stated() -> None:
    data = _minimal()
    del data["answered_by"]
    with pytest.raises(ValidationError, match="answered_by"):
        Instrument.model_validate(data)


@pytest.mark.parametrize(
    ("answered_by", "marked"),
    [("patient", True), ("both", False), ("clinician", True)],
)
def test_it_rejects_clinician_only_marks_that_contradict_who_answers(
    answered_by: str, marked: bool
) -> None:
    items = [_yes_no("a", {"value": 1}, clinician_only=marked), _yes_no("b", {"value": 1})]
    scores = [{"id": "total", "label": "t", "method": "sum", "items": ["a", "b"],
               "range": [0, 2], "sources": ["s"]}]
    with pytest.raises(ValidationError, match="clinician_only"):
        Instrument.model_validate(_minimal(items=items, scores=scores, answered_by=answered_by))


@pytest.mark.parametrize(
    ("instrument_id", "clinician_items"),
    [
        ("dn4", ["hypoesthesia_touch", "hypoesthesia_pinprick", "brushing"]),
        ("lanss", ["allodynia", "pinprick_threshold"]),
        ("mnsi", [f"{part}_{side}" for side in ("right", "left")
                  for part in ("appearance", "ulceration", "ankle_reflex", "vibration")]),
        ("ctcae-sensory-neuropathy", ["severity"]),
        ("monofilament", [f"site{n}_{side}" for side in ("right", "left") for n in (1, 2, 3)]),
        ("vibration", ["hallux_right", "hallux_left"]),
        ("dn4-interview", []),
        ("s-lanss", []),
        ("paindetect", []),
        ("npsi", []),
    ],
)
def test_examinations_and_gradings_are_the_clinicians_and_the_rest_self_report(
    instrument_id: str, clinician_items: list[str]
) -> None:
    instrument = load_instrument(instrument_id)
    marked = [i.id for i in instrument.items if instrument.is_clinician_only(i.id)]
    assert sorted(marked) == sorted(clinician_items)
    assert [i.id for i in instrument.self_report_items()] == [
        i.id for i in instrument.items if i.id not in clinician_items
    ]
