"""The planner turns a case into a safe, cited plan; exclusions remove exactly what they name."""

from __future__ import annotations

from acuneuro.clinical.planner import Plan, build_plan
from acuneuro.knowledge import atlas_point, bibliography

from ._cases import make_case


def _points(plan: Plan) -> dict[str, str]:
    return {f"{p.code}@{p.name}": p.side for p in plan.points}


def _sides(plan: Plan, code: str) -> set[str]:
    return {p.side for p in plan.points if p.code == code}


def test_the_example_case_gets_local_and_distal_points_on_hands_and_feet_and_go() -> None:
    plan = build_plan(make_case())
    assert plan.safety.status == "go"
    local_regions = {atlas_point(p.code).region for p in plan.points if p.role == "local"}
    assert {"hand", "foot"} <= local_regions
    assert any(p.role == "distal" for p in plan.points)
    known = bibliography()
    for point in plan.points:
        assert point.rationale and point.sources and all(s in known for s in point.sources)
    assert plan.stimulation is not None and plan.stimulation.technique == "manual"
    assert plan.course is not None and plan.course.sessions == 16
    assert set(plan.sources) <= set(known)


def test_a_stop_returns_no_points_and_says_why() -> None:
    plan = build_plan(make_case(labs__anc_per_ul=300))
    assert plan.safety.status == "stop"
    assert plan.points == [] and plan.stimulation is None and plan.course is None
    assert plan.omitted[0].rule == "neutropenia"


def test_an_ulcer_on_the_left_foot_removes_exactly_the_left_foot_points() -> None:
    before = build_plan(make_case())
    after = build_plan(make_case(skin=[{"finding": "ulcer", "region": "foot", "side": "left"}]))
    foot = {p.code for p in before.points if atlas_point(p.code).region == "foot"}
    assert foot == {"EX-LE10", "LR3", "GB42"}
    for point in before.points:
        expected = "right" if point.code in foot else point.side
        assert _sides(after, point.code) == {expected}, point.code
    removed = [o for o in after.omitted if o.rule == "skin-lesion-site"]
    assert len(removed) == len(foot) and all("left side" in o.what for o in removed)


def test_lymphoedema_of_the_right_arm_keeps_only_the_left_arm_points() -> None:
    plan = build_plan(make_case(lymphoedema=[{"region": "forearm", "side": "right"}]))
    for code in ("EX-UE9", "LI4", "TE5", "LI11", "PC6"):
        assert _sides(plan, code) == {"left"}, code
    assert _sides(plan, "ST36") == {"both"}


def test_an_excluded_region_on_both_sides_removes_the_points_entirely() -> None:
    plan = build_plan(make_case(skin=[{"finding": "infection", "region": "hand", "side": "both"}]))
    codes = {p.code for p in plan.points}
    assert not codes & {"EX-UE9", "LI4"}
    assert {"TE5", "LI11"} <= codes


def test_pregnancy_removes_the_forbidden_points_from_the_plan() -> None:
    plan = build_plan(make_case(patient__pregnant=True))
    codes = {p.code for p in plan.points}
    assert "LI4" not in codes and "SP6" not in codes
    assert {o.rule for o in plan.omitted} == {"pregnancy-points"}


def test_electroacupuncture_follows_bao_2020_when_requested_and_safe() -> None:
    plan = build_plan(make_case(requested__electroacupuncture=True))
    assert plan.stimulation is not None
    assert plan.stimulation.technique == "electroacupuncture"
    assert plan.stimulation.pairs == [("LR3", "GB42")]


def test_electroacupuncture_is_dropped_when_its_electrode_points_are_left_out() -> None:
    # Both feet ulcerated: LR3 and GB42 (the Bao 2020 pair, on the foot) are not needled.
    skin = [{"finding": "ulcer", "region": "foot", "side": "both"}]
    plan = build_plan(make_case(requested__electroacupuncture=True, skin=skin))
    assert plan.stimulation is not None and plan.stimulation.technique == "manual"
    assert not {"LR3", "GB42"} & {p.code for p in plan.points}
    assert any(o.what == "electroacupuncture" and "electrode pairs were left out" in o.reason
               for o in plan.omitted)


def test_a_pacemaker_turns_electroacupuncture_into_manual_needling() -> None:
    plan = build_plan(make_case(requested__electroacupuncture=True, devices=["pacemaker"]))
    assert plan.stimulation is not None and plan.stimulation.technique == "manual"
    assert any(
        o.what == "electroacupuncture" and o.rule == "device-electroacupuncture"
        for o in plan.omitted
    )


def test_no_electroacupuncture_during_a_taxane() -> None:
    plan = build_plan(
        make_case(requested__electroacupuncture=True, chemotherapy__agents=["paclitaxel"])
    )
    assert plan.stimulation is not None and plan.stimulation.technique == "manual"
    assert any("paclitaxel" in o.reason for o in plan.omitted)


def test_phn_gets_ipsilateral_jiaji_at_the_dermatome_and_a_depth_caution() -> None:
    case = make_case(
        condition={"kind": "phn", "icd10": "B02.2", "rash_onset": "2026-09-01"},
        chemotherapy=None, labs=None,
        pain={"regions": [{"region": "chest", "side": "right"}],
              "dermatomes": [{"dermatome": "T5", "side": "right"}], "nrs": 7},
    )  # fmt: skip
    plan = build_plan(case)
    jiaji = [p for p in plan.points if p.code == "EX-B2"]
    assert [(p.role, p.side, p.name) for p in jiaji] == [("segmental", "right", "Jiaji at T5")]
    assert {"TE6", "SI3"} <= {p.code for p in plan.points if p.role == "distal"}
    limits = [f for f in plan.safety.findings if f.rule == "anatomical-limit"]
    assert len(limits) == 1 and "Jiaji at T5" in limits[0].message
    assert "lamina" in limits[0].message
    assert plan.safety.status == "caution"


def test_vesicles_on_the_dermatome_remove_its_points_on_that_side_only() -> None:
    case = make_case(
        condition={"kind": "phn"}, chemotherapy=None, labs=None,
        pain={"dermatomes": [{"dermatome": "T5", "side": "both"}]},
        skin=[{"finding": "vesicles", "dermatome": "T5", "side": "right"}],
    )  # fmt: skip
    plan = build_plan(case)
    assert _sides(plan, "EX-B2") == {"left"}
    # Encircling around a lesion is still on its skin: fails closed for the whole site.
    assert plan.techniques == []
    assert any(o.what.startswith("Encircling") and "T5" in o.what for o in plan.omitted)
    assert _sides(plan, "TE6") == {"both"}


def test_a_cervical_dermatome_has_no_jiaji_and_the_plan_says_so() -> None:
    case = make_case(condition={"kind": "sci"}, chemotherapy=None, labs=None,
                     pain={"dermatomes": [{"dermatome": "C6", "side": "left"}]})  # fmt: skip
    plan = build_plan(case)
    assert "EX-B2" not in {p.code for p in plan.points}
    assert any(o.what == "Jiaji at C6" for o in plan.omitted)
    assert _sides(plan, "LI4") == {"left"}


def test_a_region_without_a_local_set_is_reported() -> None:
    case = make_case(condition={"kind": "dpn"}, chemotherapy=None, labs=None,
                     pain={"regions": [{"region": "thigh", "side": "left"}]})  # fmt: skip
    plan = build_plan(case)
    assert any(o.what == "local points for thigh (left)" for o in plan.omitted)


def test_a_case_without_affected_regions_gets_no_local_points_and_is_told_why() -> None:
    plan = build_plan(make_case(pain={"regions": [], "nrs": 5}))
    assert all(p.role == "distal" for p in plan.points)
    assert any(o.what == "local points" for o in plan.omitted)
