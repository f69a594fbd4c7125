"""Hypothesis: the safety screen is monotone in bleeding risk and never fails open.

Adding a bleeding-relevant medicine, lowering the platelet count or raising the INR never makes
the verdict milder; removing a fact the screen asks for (setting it to "not assessed") never turns
a caution or a stop into ``go``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.drug_names import drug_vocabulary
from acuneuro.clinical.safety import screen
from acuneuro.knowledge import drug_names

from ._cases import raw_case

RANK = {"go": 0, "caution": 1, "stop": 2}
NAMES = [n.name for n in drug_vocabulary()]
# Every name (brand, salt, INN) of an anticoagulant or antiplatelet of the vocabulary.
_BLEEDING_INNS = {d.inn for d in drug_names().drugs
                  if {"anticoagulant", "antiplatelet"} & set(d.classes)}
BLEEDING = [n.name for n in drug_vocabulary() if n.inn in _BLEEDING_INNS]
_medicine = st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=12).filter(str.strip))


@st.composite
def _changes(draw: st.DrawFn) -> dict[str, Any]:
    """A varied case around the published example (active oxaliplatin, CIPN, feet affected)."""
    return {
        "condition__kind": draw(st.sampled_from(["dpn", "phn", "cipn", "other"])),
        "chemotherapy": draw(st.sampled_from([None, {"agents": ["oxaliplatin"], "active": True}])),
        "labs__platelets_per_ul": draw(st.one_of(st.none(), st.floats(0, 400_000))),
        "labs__inr": draw(st.one_of(st.none(), st.floats(0.8, 9.0))),
        "labs__anc_per_ul": draw(st.one_of(st.none(), st.floats(0, 10_000))),
        "medications": draw(st.one_of(st.none(), st.lists(_medicine, max_size=4))),
        "bleeding_disorder": draw(st.one_of(st.none(), st.booleans())),
        "skin": draw(st.sampled_from([None, []])),
        "lymphoedema": draw(st.sampled_from([None, []])),
        "fainting_with_needles": draw(st.one_of(st.none(), st.booleans())),
    }


def _status(changes: dict[str, Any]) -> str:
    return screen(ClinicalCase.model_validate(raw_case(**changes))).status


@given(_changes(), st.sampled_from(BLEEDING))
def test_adding_a_bleeding_relevant_medicine_never_makes_the_verdict_milder(
    changes: dict[str, Any], drug: str
) -> None:
    before = _status(changes)
    more = {**changes, "medications": [*(changes["medications"] or []), drug]}
    assert RANK[_status(more)] >= RANK[before]
    assert _status(more) != "go"


@given(_changes(), _medicine)
def test_adding_any_medicine_to_an_assessed_list_never_makes_the_verdict_milder(
    changes: dict[str, Any], drug: str
) -> None:
    meds = changes["medications"] or []
    before = _status({**changes, "medications": meds})
    assert RANK[_status({**changes, "medications": [*meds, drug]})] >= RANK[before]


@given(_changes(), st.floats(0, 400_000), st.floats(0, 400_000))
def test_a_lower_platelet_count_never_makes_the_verdict_milder(
    changes: dict[str, Any], a: float, b: float
) -> None:
    high, low = max(a, b), min(a, b)
    assert RANK[_status({**changes, "labs__platelets_per_ul": low})] >= RANK[
        _status({**changes, "labs__platelets_per_ul": high})]


@given(_changes(), st.floats(0.5, 12), st.floats(0.5, 12))
def test_a_higher_inr_never_makes_the_verdict_milder(
    changes: dict[str, Any], a: float, b: float
) -> None:
    high, low = max(a, b), min(a, b)
    assert RANK[_status({**changes, "labs__inr": high})] >= RANK[
        _status({**changes, "labs__inr": low})]


# Facts the screen asks for whatever the condition; labs are asked during or after chemotherapy
# (a count is not required of every patient, so removing one outside chemotherapy is not tested).
ASKED = ["medications", "bleeding_disorder", "skin", "lymphoedema", "fainting_with_needles"]
LABS = ["labs__platelets_per_ul", "labs__anc_per_ul"]


# No deadline: a first call over 200 ms on a loaded machine is not a finding (no timed asserts).
@settings(deadline=None)
@given(_changes(), st.sampled_from(ASKED + LABS))
def test_removing_a_known_fact_never_turns_a_finding_into_go(
    changes: dict[str, Any], fact: str
) -> None:
    if fact in LABS:
        changes = {**changes, "condition__kind": "cipn",
                   "chemotherapy": {"agents": ["oxaliplatin"], "active": True}}
    if _status(changes) == "go":
        return
    assert _status({**changes, fact: None}) != "go"
