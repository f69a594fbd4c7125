"""The bleeding part of the safety screen with medicines as typed, and its floors and ceilings.

Platelets below 20,000/uL and INR above 4.5 stop needling (design choices awaiting clinical
sign-off, anchored on AABB 2015 and ACCP 2012/Khatib 2019); antiplatelets, an anticoagulant with
an antiplatelet and two antiplatelets are cautions (Hsieh 2023, Hansen 2010); a medicine the
vocabulary cannot place is a not-assessed caution naming it.
"""

from __future__ import annotations

from typing import Any

import pytest

from acuneuro.clinical.planner import build_plan
from acuneuro.clinical.safety import _design_choices, screen, screen_case
from acuneuro.clinical.safety_model import SafetyFinding, Severity
from acuneuro.knowledge import bibliography, safety_rules

from ._cases import make_case


def _by_rule(findings: list[SafetyFinding], rule: str) -> list[SafetyFinding]:
    return [f for f in findings if f.rule == rule]


def _meds(*names: str) -> list[dict[str, Any]]:
    return [{"name": n} for n in names]


# --- what issue 12 found coming back "go" --------------------------------------------------


@pytest.mark.parametrize(("typed", "inn"), [
    ("Eliquis", "apixaban"), ("Xarelto 20 mg", "rivaroxaban"), ("warfarin sodium", "warfarin"),
    ("Clexane 4000 UI", "enoxaparin"), ("Lovenox", "enoxaparin"), ("Coumadin", "warfarin"),
    ("Pradaxa", "dabigatran"), ("eparina sodica", "heparin"),
])
def test_an_anticoagulant_by_brand_or_salt_is_a_caution_naming_the_inn(typed: str, inn: str
                                                                       ) -> None:
    result = screen(make_case(medications=_meds(typed), labs__inr=2.5))
    assert result.status == "caution"
    found = _by_rule(result.findings, "anticoagulation")
    assert found and inn in found[0].message


@pytest.mark.parametrize(("typed", "label"), [
    ("ticagrelor", "P2Y12 inhibitor"), ("Brilique", "P2Y12 inhibitor"),
    ("Brilinta 90 mg", "P2Y12 inhibitor"), ("Plavix", "P2Y12 inhibitor"),
    ("Cardioaspirin", "antiplatelet"), ("aspirin 100 mg", "antiplatelet"),
])
def test_an_antiplatelet_alone_is_a_caution_never_go(typed: str, label: str) -> None:
    result = screen(make_case(medications=_meds(typed)))
    assert result.status == "caution"
    found = _by_rule(result.findings, "antiplatelet")
    assert [f.severity for f in found] == [Severity.caution] and label in found[0].message
    assert _by_rule(result.findings, "anticoagulation") == []


def test_an_unknown_medicine_is_a_not_assessed_caution_naming_it_as_typed() -> None:
    meds = [{"name": "Zzzyxol", "daily_dose": 10, "unit": "mg"}, {"name": "duloxetine"}]
    result = screen(make_case(medications=meds))
    assert result.status == "caution"
    found = _by_rule(result.findings, "medicine-unrecognised")
    assert len(found) == 1 and found[0].not_assessed
    assert '"Zzzyxol 10 mg"' in found[0].message


def test_a_line_with_a_known_and_an_unknown_drug_is_never_read_as_the_known_one_alone() -> None:
    result = screen(make_case(medications=_meds("metformin 500 mg + Zzzyxol")))
    (found,) = _by_rule(result.findings, "medicine-unrecognised")
    assert result.status == "caution" and found.not_assessed
    assert '"zzzyxol"' in found.message and "only metformin was recognised" in found.message


def test_strength_form_and_schedule_words_are_not_unrecognised() -> None:
    meds = _meds("Cardioaspirin 100 mg 1 cp/die", "Lyrica 75 mg x 2 al giorno")
    assert _by_rule(screen_case(make_case(medications=meds)), "medicine-unrecognised") == []


def test_a_bare_string_is_a_medicine_name() -> None:
    case = make_case(medications=["Eliquis", "Zzzyxol 10 mg"])
    assert [m.name for m in case.medications or []] == ["Eliquis", "Zzzyxol 10 mg"]
    found = screen_case(case)
    assert "apixaban" in _by_rule(found, "anticoagulation")[0].message
    assert "Zzzyxol 10 mg" in _by_rule(found, "medicine-unrecognised")[0].message


def test_known_harmless_medicines_leave_the_example_case_go() -> None:
    meds = _meds("Glucophage 500", "Torvast 20", "Triatec 5 mg", "Tachipirina", "Lyrica 75 mg")
    assert screen(make_case(medications=meds)).status == "go"


# --- combinations ---------------------------------------------------------------------------


def test_an_anticoagulant_with_an_antiplatelet_is_a_named_bleeding_caution() -> None:
    case = make_case(medications=_meds("Eliquis 5 mg", "Cardioaspirin"))
    found = _by_rule(screen_case(case), "anticoagulant-with-antiplatelet")
    assert len(found) == 1 and found[0].severity is Severity.caution
    assert "apixaban (Eliquis)" in found[0].message and "acetylsalicylic acid" in found[0].message
    assert "med-hansen2010" in found[0].sources


def test_one_line_naming_both_drugs_counts_as_the_combination() -> None:
    case = make_case(medications=_meds("warfarin 5 mg + clopidogrel 75 mg"), labs__inr=2.5)
    assert _by_rule(screen_case(case), "anticoagulant-with-antiplatelet")


def test_two_antiplatelets_are_a_caution_and_one_is_not_a_pair() -> None:
    both = _by_rule(screen_case(make_case(medications=_meds("Plavix", "Cardioaspirin"))),
                    "dual-antiplatelet")
    assert len(both) == 1 and "clopidogrel" in both[0].message
    one = make_case(medications=_meds("Plavix", "clopidogrel bisulfate 75 mg"))
    assert _by_rule(screen_case(one), "dual-antiplatelet") == []


# --- platelet floor: stop below 20,000/uL (design choice; AABB 2015) ------------------------


def test_platelets_just_below_20000_stop_the_session() -> None:
    result = screen(make_case(labs__platelets_per_ul=19_999))
    found = _by_rule(result.findings, "thrombocytopenia-severe")
    assert [f.severity for f in found] == [Severity.stop] and result.status == "stop"
    assert found[0].design_choice and "design choice" in found[0].message
    assert "19,999" in found[0].message


def test_platelets_at_20000_do_not_stop_but_stay_a_caution() -> None:
    result = screen(make_case(labs__platelets_per_ul=20_000))
    assert _by_rule(result.findings, "thrombocytopenia-severe") == []
    assert result.status == "caution"  # still below 50,000/uL


def test_platelets_of_9000_plan_no_points() -> None:
    plan = build_plan(make_case(labs__platelets_per_ul=9_000))
    assert plan.safety.status == "stop" and plan.points == []


# --- INR ceiling: stop above 4.5 (design choice; ACCP 2012, Khatib 2019) --------------------


def test_inr_4_5_does_not_stop_and_4_51_does() -> None:
    meds = _meds("warfarin sodium 5 mg")
    at = screen(make_case(medications=meds, labs__inr=4.5))
    above = screen(make_case(medications=meds, labs__inr=4.51))
    assert at.status == "caution" and _by_rule(at.findings, "inr-ceiling") == []
    found = _by_rule(above.findings, "inr-ceiling")
    assert above.status == "stop" and found[0].design_choice and "4.51" in found[0].message


def test_inr_6_2_on_warfarin_stops_and_plans_no_points() -> None:
    plan = build_plan(make_case(medications=_meds("Coumadin 5 mg"), labs__inr=6.2))
    assert plan.safety.status == "stop" and plan.points == []
    assert any(f.rule == "inr-ceiling" and "6.2" in f.message for f in plan.safety.findings)


def test_a_high_inr_stops_without_an_anticoagulant_too() -> None:
    assert screen(make_case(labs__inr=5.0)).status == "stop"


def test_the_neutrophil_stop_is_unchanged() -> None:
    assert screen(make_case(labs__anc_per_ul=499)).status == "stop"
    assert screen(make_case(labs__anc_per_ul=500)).status == "go"


# --- the data -------------------------------------------------------------------------------


def test_every_stop_threshold_cites_a_source_or_says_it_is_a_design_choice() -> None:
    known = bibliography()
    for rule in safety_rules():
        assert all(s in known for s in rule.sources), rule.id
    chosen = set().union(*(_design_choices(r) for r in safety_rules()))
    assert {"thrombocytopenia-severe", "inr-ceiling"} <= chosen
    # Whatever the rule's own wording, a design-choice finding says so in words.
    found = screen_case(make_case(labs__platelets_per_ul=10_000))
    (floor,) = [f for f in found if f.rule == "thrombocytopenia-severe"]
    assert floor.design_choice and "design choice" in floor.message.lower()
    assert "sign-off" in floor.message


def test_a_design_choice_finding_is_worded_as_one_even_when_its_message_is_not() -> None:
    finding = SafetyFinding(rule="x", severity=Severity.caution, message="Plain words.",
                            sources=["s"], design_choice=True)
    assert finding.message == "Plain words. (Design choice awaiting clinical sign-off.)"


def test_findings_without_a_design_choice_say_so() -> None:
    found = screen_case(make_case(medications=_meds("Eliquis"), labs__platelets_per_ul=10_000))
    flags = {f.rule: f.design_choice for f in found}
    assert flags["anticoagulation"] is False and flags["thrombocytopenia-severe"] is True
