"""Pre-session safety screen: one test per rule, just inside and just outside each threshold."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from acuneuro.clinical.case import RegionSite
from acuneuro.clinical.safety import screen, screen_case, screen_points
from acuneuro.clinical.safety_model import SafetyFinding, Severity
from acuneuro.knowledge import SkinRule, bibliography, safety_rules

from ._cases import make_case

# The example case: labs taken 2026-11-18, assessed 2026-11-24, active oxaliplatin.
ASSESSED = "2026-11-24"


def _by_rule(findings: list[SafetyFinding], rule: str) -> list[SafetyFinding]:
    return [f for f in findings if f.rule == rule]


def test_the_example_case_is_go_with_no_findings() -> None:
    result = screen(make_case())
    assert result.status == "go"
    assert result.findings == []


def test_every_rule_cites_known_sources() -> None:
    known = bibliography()
    for rule in safety_rules():
        assert rule.sources and all(s in known for s in rule.sources), rule.id


# --- neutrophils: stop below 500/uL (Liao 2013; CTCAE v5 grade 4) ----------------------------


def test_neutrophils_just_below_500_stop_the_session() -> None:
    found = _by_rule(screen_case(make_case(labs__anc_per_ul=499)), "neutropenia")
    assert [f.severity for f in found] == [Severity.stop]
    assert screen(make_case(labs__anc_per_ul=499)).status == "stop"


def test_neutrophils_at_500_do_not_stop() -> None:
    assert _by_rule(screen_case(make_case(labs__anc_per_ul=500)), "neutropenia") == []


# --- platelets: caution below 50,000/uL (CTCAE grade 3; Ladas 2010; Cybularz 2015) -----------


def test_platelets_just_below_50000_need_acknowledgement() -> None:
    found = _by_rule(screen_case(make_case(labs__platelets_per_ul=49_999)), "thrombocytopenia")
    assert [f.severity for f in found] == [Severity.caution]
    assert "49999" in found[0].message


def test_platelets_at_50000_raise_nothing() -> None:
    assert _by_rule(screen_case(make_case(labs__platelets_per_ul=50_000)), "thrombocytopenia") == []


# --- blood count needed during or after chemotherapy (7-day freshness, 28 days after) ---------


def test_a_count_7_days_old_is_fresh_and_8_days_old_is_not() -> None:
    fresh = make_case(labs__taken="2026-11-17")
    stale = make_case(labs__taken="2026-11-16")
    assert _by_rule(screen_case(fresh), "chemotherapy-blood-count") == []
    found = _by_rule(screen_case(stale), "chemotherapy-blood-count")
    assert len(found) == 1 and found[0].not_assessed and "8 days old" in found[0].message
    assert screen(stale).status == "caution"


def test_active_chemotherapy_without_labs_is_never_go() -> None:
    result = screen(make_case(labs=None))
    assert result.status == "caution"
    assert _by_rule(result.findings, "chemotherapy-blood-count")[0].not_assessed


def test_a_missing_neutrophil_count_is_named() -> None:
    found = _by_rule(screen_case(make_case(labs__anc_per_ul=None)), "chemotherapy-blood-count")
    assert "anc_per_ul" in found[0].message


def test_a_count_dated_after_the_assessment_is_refused_with_its_field() -> None:
    with pytest.raises(ValidationError) as refused:
        make_case(labs__taken="2026-11-25")
    assert [e["loc"] for e in refused.value.errors()] == [("labs", "taken")]
    assert "after the assessment" in refused.value.errors()[0]["msg"]


def test_the_rule_applies_28_days_after_the_last_dose_but_not_29() -> None:
    base = {"labs": None, "chemotherapy__active": False}
    inside = make_case(**base, chemotherapy__last_dose="2026-10-27")
    outside = make_case(**base, chemotherapy__last_dose="2026-10-26")
    assert _by_rule(screen_case(inside), "chemotherapy-blood-count")
    assert _by_rule(screen_case(outside), "chemotherapy-blood-count") == []


def test_unknown_chemotherapy_status_fails_closed() -> None:
    unknown_end = make_case(labs=None, chemotherapy__active=False, chemotherapy__last_dose=None)
    assert _by_rule(screen_case(unknown_end), "chemotherapy-blood-count")
    cipn_without_record = make_case(labs=None, chemotherapy=None)
    assert _by_rule(screen_case(cipn_without_record), "chemotherapy-blood-count")
    dpn_without_record = make_case(labs=None, chemotherapy=None, condition__kind="dpn")
    assert _by_rule(screen_case(dpn_without_record), "chemotherapy-blood-count") == []


# --- anticoagulation (Hsieh 2023; INR above the ACCP range sharpens the caution) -------------


def test_a_direct_oral_anticoagulant_needs_acknowledgement() -> None:
    meds = [{"name": "Apixaban", "daily_dose": 10, "unit": "mg"}]
    found = _by_rule(screen_case(make_case(medications=meds)), "anticoagulation")
    assert [f.severity for f in found] == [Severity.caution]
    assert "apixaban" in found[0].message


def test_an_antiplatelet_is_not_an_anticoagulant() -> None:
    meds = [{"name": "aspirin", "daily_dose": 100, "unit": "mg"}]
    assert _by_rule(screen_case(make_case(medications=meds)), "anticoagulation") == []


def test_warfarin_inr_3_0_is_in_range_and_3_1_is_above() -> None:
    meds = [{"name": "warfarin", "daily_dose": 5, "unit": "mg"}]
    in_range = _by_rule(screen_case(make_case(medications=meds, labs__inr=3.0)), "anticoagulation")
    above = _by_rule(screen_case(make_case(medications=meds, labs__inr=3.1)), "anticoagulation")
    assert len(in_range) == 1
    assert len(above) == 2 and "3.1" in above[1].message


def test_warfarin_without_inr_is_not_assessed() -> None:
    meds = [{"name": "warfarin", "daily_dose": 5, "unit": "mg"}]
    found = _by_rule(screen_case(make_case(medications=meds)), "anticoagulation")
    assert [f.not_assessed for f in found] == [False, True]


def test_an_unassessed_medication_list_is_a_finding() -> None:
    found = _by_rule(screen_case(make_case(medications=None)), "anticoagulation")
    assert found[0].not_assessed and found[0].severity is Severity.caution


# --- bleeding disorder and fainting (flags) -------------------------------------------------


def test_bleeding_disorder_true_false_and_unknown() -> None:
    assert _by_rule(screen_case(make_case(bleeding_disorder=True)), "bleeding-disorder")
    assert _by_rule(screen_case(make_case(bleeding_disorder=False)), "bleeding-disorder") == []
    unknown = _by_rule(screen_case(make_case(bleeding_disorder=None)), "bleeding-disorder")
    assert unknown[0].not_assessed


def test_fainting_with_needles_asks_for_the_lying_position() -> None:
    found = _by_rule(screen_case(make_case(fainting_with_needles=True)), "fainting")
    assert "lying" in found[0].message and found[0].severity is Severity.caution
    assert _by_rule(screen_case(make_case(fainting_with_needles=False)), "fainting") == []
    assert _by_rule(screen_case(make_case(fainting_with_needles=None)), "fainting")[0].not_assessed


# --- devices and electroacupuncture (Cummings 2011) -----------------------------------------


def test_a_pacemaker_excludes_electroacupuncture_only_when_it_is_requested() -> None:
    requested = make_case(devices=["pacemaker"], requested__electroacupuncture=True)
    found = _by_rule(screen_case(requested), "device-electroacupuncture")
    assert found[0].severity is Severity.exclude
    assert found[0].excluded_techniques == ["electroacupuncture"]
    manual = make_case(devices=["pacemaker"], requested__electroacupuncture=False)
    assert _by_rule(screen_case(manual), "device-electroacupuncture") == []


def test_any_other_implanted_device_excludes_electroacupuncture_in_plain_words() -> None:
    # Issue 12: an implant of another kind may be electronic, so it fails closed.
    for device, words in (("other", "device of another kind"), ("cochlear_implant",
                          "cochlear implant"), ("drug_pump", "drug pump")):  # fmt: skip
        case = make_case(devices=[device], requested__electroacupuncture=True)
        found = _by_rule(screen_case(case), "device-electroacupuncture")
        assert [f.excluded_techniques for f in found] == [["electroacupuncture"]], device
        assert words in found[0].message and "_" not in found[0].message


def test_unassessed_devices_exclude_electroacupuncture() -> None:
    case = make_case(devices=None, requested__electroacupuncture=True)
    found = _by_rule(screen_case(case), "device-electroacupuncture")
    assert found[0].not_assessed and found[0].excluded_techniques == ["electroacupuncture"]


# --- pregnancy (Betts 2011; Carr 2015) ------------------------------------------------------


def test_pregnancy_excludes_the_forbidden_points() -> None:
    found = _by_rule(screen_case(make_case(patient__pregnant=True)), "pregnancy-points")
    assert found[0].severity is Severity.exclude
    assert {"LI4", "SP6", "GB21", "BL67"} <= set(found[0].excluded_points)


def test_unknown_pregnancy_is_asked_from_12_to_55_only() -> None:
    for age, asked in ((11, False), (12, True), (55, True), (56, False)):
        case = make_case(patient__pregnant=None, patient__age=age)
        found = _by_rule(screen_case(case), "pregnancy-points")
        assert bool(found) is asked, age
    male = make_case(patient__pregnant=None, patient__sex="male")
    assert _by_rule(screen_case(male), "pregnancy-points") == []


# --- skin: ulcers, infection, vesicles, wounds (Liao 2013; zoster trials) -------------------


def test_an_ulcer_excludes_its_region_and_side() -> None:
    skin = [{"finding": "ulcer", "region": "foot", "side": "left"}]
    found = _by_rule(screen_case(make_case(skin=skin)), "skin-lesion-site")
    assert found[0].severity is Severity.exclude
    assert found[0].excluded_regions == [
        RegionSite.model_validate({"region": "foot", "side": "left"})
    ]


def test_zoster_vesicles_exclude_the_dermatome_and_side() -> None:
    skin = [{"finding": "vesicles", "dermatome": "T5", "side": "right"}]
    found = _by_rule(screen_case(make_case(skin=skin)), "skin-lesion-site")
    assert found[0].excluded_dermatomes == ["T5"]
    assert [(s.dermatome, s.side.value) for s in found[0].excluded_dermatome_sites] == [
        ("T5", "right")
    ]


def test_uninspected_skin_is_a_finding() -> None:
    found = _by_rule(screen_case(make_case(skin=None)), "skin-lesion-site")
    assert found[0].not_assessed


# --- lymphoedema (Cassileth 2013) -----------------------------------------------------------


def test_lymphoedema_of_the_arm_excludes_the_whole_limb_on_that_side() -> None:
    case = make_case(lymphoedema=[{"region": "upper_arm", "side": "right"}])
    found = _by_rule(screen_case(case), "lymphoedema-limb")
    regions = {(s.region.value, s.side.value) for s in found[0].excluded_regions}
    assert regions == {(r, "right") for r in ("shoulder", "upper_arm", "forearm", "hand")}


def test_lymphoedema_outside_a_limb_excludes_only_that_region() -> None:
    case = make_case(lymphoedema=[{"region": "chest", "side": "left"}])
    found = _by_rule(screen_case(case), "lymphoedema-limb")
    assert [(s.region.value, s.side.value) for s in found[0].excluded_regions] == [
        ("chest", "left")
    ]


def test_unassessed_lymphoedema_is_a_finding() -> None:
    assert _by_rule(screen_case(make_case(lymphoedema=None)), "lymphoedema-limb")[0].not_assessed


# --- insensate feet (IWGDF 2019) ------------------------------------------------------------


def test_lost_protective_sensation_needs_acknowledgement() -> None:
    case = make_case(findings__protective_sensation_lost=True)
    assert _by_rule(screen_case(case), "insensate-feet")[0].severity is Severity.caution


def test_unknown_protective_sensation_matters_only_when_feet_are_treated() -> None:
    feet = make_case(findings__protective_sensation_lost=None)
    hands = make_case(
        findings__protective_sensation_lost=None, pain__regions=[{"region": "hand", "side": "both"}]
    )
    assert _by_rule(screen_case(feet), "insensate-feet")[0].not_assessed
    assert _by_rule(screen_case(hands), "insensate-feet") == []


# --- thoracic depth (Zhang 2010; Witt 2009) -------------------------------------------------


def test_points_over_the_thorax_raise_a_depth_caution_naming_them() -> None:
    found = screen_points(["ST36", "LU1", "BL13"])
    assert [f.rule for f in found] == ["thoracic-depth"]
    assert "BL13, LU1" in found[0].message
    assert screen_points(["ST36", "LI4"]) == []


def test_the_most_severe_finding_decides_the_status() -> None:
    case = make_case(labs__anc_per_ul=100, fainting_with_needles=True)
    assert screen(case).status == "stop"
    assert screen(make_case(fainting_with_needles=True)).status == "caution"



def test_a_count_without_its_date_is_not_used() -> None:
    found = _by_rule(screen_case(make_case(labs__taken=None)), "chemotherapy-blood-count")
    assert found and found[0].not_assessed
    assert "date of the blood count not given" in found[0].message


def test_a_skin_rule_ignores_the_findings_it_does_not_name() -> None:
    (rule,) = [r for r in safety_rules() if isinstance(r, SkinRule)]
    vesicles_only = rule.model_copy(update={"findings": ["vesicles"]})
    ulcer = make_case(skin=[{"finding": "ulcer", "region": "foot", "side": "left"}])
    assert screen_case(ulcer, rules=[vesicles_only]) == []
    assert screen_case(ulcer, rules=[rule])
