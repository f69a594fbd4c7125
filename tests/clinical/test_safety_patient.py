"""Patient-risk rules of issue 12, just inside and just outside each threshold.

Pregnancy by WHO 1999 stage, autonomic dysreflexia at or above T6, electroacupuncture on skin
without protective sensation, and the case's risk factors (one grouped not-assessed caution).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from acuneuro.clinical.case import STORED_CASE, ClinicalCase
from acuneuro.clinical.planner import build_plan
from acuneuro.clinical.safety import screen, screen_case
from acuneuro.clinical.safety_model import SafetyFinding, Severity

from ._cases import make_case, raw_case


def _by_rule(findings: list[SafetyFinding], rule: str) -> list[SafetyFinding]:
    return [f for f in findings if f.rule == rule]


def _regions(finding: SafetyFinding) -> set[tuple[str, str]]:
    return {(r.region.value, r.side.value) for r in finding.excluded_regions}


# A DPN case with no chemotherapy: the oncology questions are not asked.
DPN: dict[str, Any] = {"condition__kind": "dpn", "chemotherapy": None, "labs": None}


# --- pregnancy by stage (WHO 1999, 2.1) ------------------------------------------------------


def _pregnant(trimester: int | None, **extra: Any) -> list[SafetyFinding]:
    case = make_case(patient__pregnant=True, patient__trimester=trimester, **extra)
    return _by_rule(screen_case(case), "pregnancy-stage")


def test_first_trimester_leaves_out_lower_abdomen_lumbosacral_and_electroacupuncture() -> None:
    [found] = _pregnant(1)
    assert found.severity is Severity.caution and not found.not_assessed
    assert {"CV4", "ST29", "KI12", "BL35"} <= set(found.excluded_points)
    assert "CV12" not in found.excluded_points  # upper abdomen is allowed in the first trimester
    assert _regions(found) == {("lower_back", "both")}
    assert found.excluded_techniques == ["electroacupuncture"]
    assert "first trimester" in found.message


@pytest.mark.parametrize("trimester", [2, 3])
def test_after_the_third_month_the_abdomen_and_strong_points_are_left_out(trimester: int) -> None:
    [found] = _pregnant(trimester)
    assert _regions(found) == {("abdomen", "both"), ("lower_back", "both")}
    assert {"LI4", "SP6", "BL60", "BL67"} <= set(found.excluded_points)
    assert found.excluded_techniques == ["electroacupuncture"]


def test_a_pregnancy_is_never_go() -> None:
    for trimester in (1, 2, 3, None):
        case = make_case(patient__pregnant=True, patient__trimester=trimester)
        assert screen(case).status == "caution", trimester


def test_an_unknown_trimester_takes_the_strictest_set() -> None:
    [unknown] = _pregnant(None)
    [late] = _pregnant(3)
    [early] = _pregnant(1)
    assert unknown.not_assessed
    assert set(early.excluded_points) | set(late.excluded_points) <= set(unknown.excluded_points)
    assert _regions(unknown) == _regions(late)
    assert "trimester not given" in unknown.message


def test_pregnancy_not_assessed_in_a_woman_of_child_bearing_age_fails_closed() -> None:
    case = make_case(patient__pregnant=None, patient__age=30)
    [found] = _by_rule(screen_case(case), "pregnancy-stage")
    assert found.not_assessed and found.excluded_techniques == ["electroacupuncture"]
    assert ("abdomen", "both") in _regions(found)


def test_no_pregnancy_rule_for_a_man_or_a_woman_not_pregnant() -> None:
    man = make_case(patient__sex="male", patient__pregnant=None)
    assert _by_rule(screen_case(man), "pregnancy-stage") == []
    assert _by_rule(screen_case(make_case(patient__pregnant=False)), "pregnancy-stage") == []


def test_a_pregnant_patient_gets_no_electroacupuncture_and_no_abdominal_point() -> None:
    plan = build_plan(make_case(**DPN, patient__pregnant=True, patient__trimester=2,
                                requested__electroacupuncture=True))  # fmt: skip
    assert plan.stimulation is not None and plan.stimulation.technique == "manual"
    assert not {"SP6", "LI4", "ST25", "CV4"} & {p.code for p in plan.points}
    assert any(o.rule == "pregnancy-stage" and o.what == "electroacupuncture" for o in plan.omitted)


# --- spinal cord injury: autonomic dysreflexia at or above T6 ---------------------------------


def _sci(level: str | None) -> list[SafetyFinding]:
    case = make_case(condition__kind="sci", condition__sci_level=level, chemotherapy=None,
                     labs=None)  # fmt: skip
    return _by_rule(screen_case(case), "autonomic-dysreflexia")


@pytest.mark.parametrize("level", ["C4", "T5", "T6"])
def test_an_injury_at_or_above_t6_brings_the_dysreflexia_caution(level: str) -> None:
    [found] = _sci(level)
    assert found.severity is Severity.caution and not found.not_assessed
    assert level in found.message
    for words in ("blood pressure", "headache", "upright", "trigger", "protocol"):
        assert words in found.message
    assert {"sci-cscm2001", "sci-krassioukov2021"} <= set(found.sources)


@pytest.mark.parametrize("level", ["T7", "L1"])
def test_an_injury_below_t6_does_not(level: str) -> None:
    assert _sci(level) == []


def test_an_sci_case_without_a_level_is_not_assessed() -> None:
    [found] = _sci(None)
    assert found.not_assessed and found.severity is Severity.caution


def test_another_condition_without_a_level_raises_nothing() -> None:
    assert _by_rule(screen_case(make_case(**DPN)), "autonomic-dysreflexia") == []


def test_an_impossible_level_is_refused_with_its_field() -> None:
    with pytest.raises(ValidationError) as refused:
        make_case(condition__kind="sci", condition__sci_level="T13")
    assert refused.value.errors()[0]["loc"] == ("condition", "sci_level")


# --- electroacupuncture on skin without protective sensation ----------------------------------


def _ea_plan(**changes: Any) -> Any:
    return build_plan(make_case(**DPN, requested__electroacupuncture=True, **changes))


def test_insensate_feet_set_the_intensity_by_a_visible_twitch_not_the_patients_report() -> None:
    plan = _ea_plan(findings__protective_sensation_lost=True)
    [found] = _by_rule(plan.safety.findings, "insensate-electroacupuncture")
    assert found.severity is Severity.caution
    assert plan.stimulation is not None and plan.stimulation.technique == "electroacupuncture"
    assert "80%" not in plan.stimulation.note and "bearable" not in plan.stimulation.note
    assert "visible muscle twitch" in plan.stimulation.note
    assert plan.safety.status != "go"


def test_feet_with_sensation_keep_the_protocol_intensity() -> None:
    plan = _ea_plan(findings__protective_sensation_lost=False)
    assert _by_rule(plan.safety.findings, "insensate-electroacupuncture") == []
    assert plan.stimulation is not None and "80% of the bearable" in plan.stimulation.note


def test_unknown_sensation_of_the_feet_fails_closed_to_the_twitch_dosing() -> None:
    plan = _ea_plan(findings__protective_sensation_lost=None)
    [found] = _by_rule(plan.safety.findings, "insensate-electroacupuncture")
    assert found.not_assessed
    assert plan.stimulation is not None and "80%" not in plan.stimulation.note


def test_a_spinal_cord_injury_with_electroacupuncture_needs_the_twitch_dosing() -> None:
    case = make_case(condition__kind="sci", condition__sci_level="T10", chemotherapy=None,
                     labs=None, requested__electroacupuncture=True)  # fmt: skip
    [found] = _by_rule(screen_case(case), "insensate-electroacupuncture")
    assert "spinal cord injury" in found.message and found.electro_note


def test_no_dosing_caution_without_electroacupuncture() -> None:
    case = make_case(**DPN, findings__protective_sensation_lost=True)
    assert _by_rule(screen_case(case), "insensate-electroacupuncture") == []


# --- risk factors --------------------------------------------------------------------------


def test_the_example_case_with_every_risk_fact_assessed_is_go() -> None:
    assert screen(make_case()).status == "go"


def test_facts_not_assessed_are_named_together_in_one_caution() -> None:
    case = make_case(risk_factors={})
    [found] = _by_rule(screen_case(case), "risk-factors")
    assert found.not_assessed and found.severity is Severity.caution
    for label in ("immunosuppression", "fever", "heart valve", "prosthetic joints",
                  "tumour, port or catheter", "lymph node", "arterial disease"):  # fmt: skip
        assert label in found.message
    assert "epilepsy" not in found.message  # only asked when electroacupuncture is requested
    assert screen(case).status == "caution"


def test_oncology_facts_are_asked_only_in_oncology_cases() -> None:
    [found] = _by_rule(screen_case(make_case(**DPN, risk_factors={})), "risk-factors")
    assert "tumour" not in found.message and "lymph node" not in found.message


def test_one_missing_fact_is_named_alone() -> None:
    [found] = _by_rule(screen_case(make_case(risk_factors__heart_valve=None)), "risk-factors")
    assert found.message.startswith("Before needling, ask and record: heart valve disease")
    assert "immunosuppression" not in found.message


def test_fever_or_systemic_infection_stops_the_session() -> None:
    case = make_case(risk_factors__systemic_infection=True)
    assert screen(case).status == "stop"
    assert build_plan(case).points == []


@pytest.mark.parametrize(("field", "value"), [("immunosuppressed", True),
                                              ("heart_valve", "disease"),
                                              ("heart_valve", "prosthetic")])  # fmt: skip
def test_immunosuppression_and_valve_disease_need_acknowledgement(field: str, value: Any) -> None:
    result = screen(make_case(**{f"risk_factors__{field}": value}))
    assert result.status == "caution"
    assert all(f.sources for f in result.findings)


def test_a_heart_valve_assessed_as_normal_raises_nothing() -> None:
    assert screen(make_case(risk_factors__heart_valve="none")).status == "go"


def test_epilepsy_excludes_electroacupuncture_only_when_it_is_requested() -> None:
    with_ea = make_case(risk_factors__epilepsy=True, requested__electroacupuncture=True)
    [found] = _by_rule(screen_case(with_ea), "epilepsy-electroacupuncture")
    assert found.excluded_techniques == ["electroacupuncture"]
    assert _by_rule(screen_case(make_case(risk_factors__epilepsy=True)),
                    "epilepsy-electroacupuncture") == []  # fmt: skip


def test_epilepsy_not_assessed_with_electroacupuncture_requested_keeps_it_out() -> None:
    case = make_case(risk_factors__epilepsy=None, requested__electroacupuncture=True)
    [found] = _by_rule(screen_case(case), "risk-factors")
    assert "epilepsy" in found.message and found.excluded_techniques == ["electroacupuncture"]


def test_arterial_disease_is_a_caution_and_with_lost_sensation_the_feet_are_left_out() -> None:
    alone = _by_rule(screen_case(make_case(risk_factors__peripheral_arterial_disease=True)),
                     "peripheral-arterial-disease")  # fmt: skip
    assert [f.severity for f in alone] == [Severity.caution]
    both = _by_rule(screen_case(make_case(risk_factors__peripheral_arterial_disease=True,
                                          findings__protective_sensation_lost=True)),
                    "peripheral-arterial-disease")  # fmt: skip
    assert [f.severity for f in both] == [Severity.caution, Severity.exclude]
    assert _regions(both[1]) == {("foot", "both")}


def test_a_prosthetic_hip_leaves_out_hip_and_buttock_on_its_side() -> None:
    case = make_case(risk_factors__prosthetic_joints=[{"region": "hip", "side": "left"}])
    [found] = _by_rule(screen_case(case), "prosthetic-joint")
    assert _regions(found) == {("hip", "left"), ("buttock", "left")}


def test_a_port_site_is_left_out_on_its_side() -> None:
    case = make_case(risk_factors__tumour_sites=[{"region": "chest", "side": "right"}])
    [found] = _by_rule(screen_case(case), "tumour-or-port-site")
    assert _regions(found) == {("chest", "right")}


def test_a_node_dissected_arm_is_left_out_whole_like_lymphoedema() -> None:
    case = make_case(risk_factors__node_dissection=[{"region": "upper_arm", "side": "left"}])
    [found] = _by_rule(screen_case(case), "node-dissected-limb")
    assert _regions(found) == {(r, "left") for r in ("shoulder", "upper_arm", "forearm", "hand")}
    plan = build_plan(case)
    assert not any(p.code == "LI4" and p.side in ("left", "both") for p in plan.points)


def test_spinal_metal_removes_jiaji_at_its_level_and_one_either_side_only() -> None:
    case = make_case(condition__kind="sci", condition__sci_level="T4", chemotherapy=None,
                     labs=None, pain__regions=[],
                     pain__dermatomes=[{"dermatome": d, "side": "both"} for d in
                                       ("T9", "T10", "T12", "L1")],
                     risk_factors__spinal_hardware=["T11"])  # fmt: skip
    [found] = _by_rule(screen_case(case), "spinal-metal-jiaji")
    assert found.excluded_jiaji_levels == ["T10", "T11", "T12"]
    plan = build_plan(case)
    jiaji = {p.name for p in plan.points if p.code == "EX-B2"}
    assert jiaji == {"Jiaji at T9", "Jiaji at L1"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"risk_factors__heart_valve": "maybe"}, ("risk_factors", "heart_valve")),
        ({"risk_factors__epilepsy": "sometimes"}, ("risk_factors", "epilepsy")),
        ({"risk_factors__spinal_hardware": ["T13"]}, ("risk_factors", "spinal_hardware", 0)),
        ({"risk_factors__tumour_sites": [{"region": "elbow", "side": "left"}]},
         ("risk_factors", "tumour_sites", 0, "region")),
        ({"risk_factors__smoker": True}, ("risk_factors", "smoker")),
        ({"labs__platelets_per_ul": -1}, ("labs", "platelets_per_ul")),
        ({"condition__onset": "2026-11-25"}, ("condition", "onset")),
        ({"chemotherapy__last_dose": "2026-12-01"}, ("chemotherapy", "last_dose")),
        ({"chemotherapy__start": "2026-11-11"}, ("chemotherapy", "last_dose")),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field(
    change: dict[str, Any], field: tuple[Any, ...]
) -> None:
    with pytest.raises(ValidationError) as refused:
        make_case(**change)
    assert field in [tuple(e["loc"]) for e in refused.value.errors()]


def test_a_stored_case_rescreened_on_an_earlier_day_reports_the_later_lab_as_unusable() -> None:
    # A session day before the plan's blood count: the case from the record is not refused, the
    # screen says the count cannot be used for that day (fails closed).
    later = raw_case(labs__taken="2026-11-25")
    with pytest.raises(ValidationError):
        ClinicalCase.model_validate(later)
    case = ClinicalCase.model_validate(later, context=STORED_CASE)
    [found] = _by_rule(screen_case(case), "chemotherapy-blood-count")
    assert found.not_assessed and "after the assessment" in found.message
