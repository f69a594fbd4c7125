"""Anatomical danger zones: the planner never proposes a danger-zone point for any protocol,
dermatome, region and side; hand-added and session points need an acknowledgement and a limit;
never-needled points are refused everywhere (knowledge/atlas/danger_zones.yaml)."""

from __future__ import annotations

import itertools

import pytest

from acuneuro.clinical.anatomy import (
    LIMIT_RULE,
    danger_zones_of,
    hand_added_problem,
    limit_findings,
    refusal,
    session_problems,
    technique_limit,
)
from acuneuro.clinical.case import DERMATOMES, ClinicalCase, Region
from acuneuro.clinical.planner import build_plan
from acuneuro.clinical.safety_model import NeedlingLimit, PlanPoint
from acuneuro.clinical.stricta import NeedledPoint
from acuneuro.knowledge import CONDITIONS, atlas, atlas_point, bibliography, danger_zones

from ._cases import make_case

HAZARDS = {t for t, z in danger_zones().items() if z.kind in ("refuse", "danger")}
SIDES = ("left", "right", "both")


def _hazardous(code: str) -> bool:
    return bool(HAZARDS & set(atlas_point(code).cautions))


def _case(
    condition: str, regions: list[dict[str, str]], dermatomes: list[dict[str, str]]
) -> ClinicalCase:
    return make_case(condition={"kind": condition}, chemotherapy=None, labs=None, skin=[],
                     lymphoedema=[], pain={"regions": regions, "dermatomes": dermatomes})


@pytest.mark.parametrize("condition", CONDITIONS)
def test_no_protocol_dermatome_and_side_is_ever_planned_a_danger_zone_point(condition: str) -> None:
    for segment, side in itertools.product(DERMATOMES, SIDES):
        plan = build_plan(_case(condition, [], [{"dermatome": segment, "side": side}]))
        proposed = [p.code for p in plan.points if _hazardous(p.code)]
        assert proposed == [], (condition, segment, side, proposed)


@pytest.mark.parametrize("condition", CONDITIONS)
def test_no_protocol_region_and_side_is_ever_planned_a_danger_zone_point(condition: str) -> None:
    for region, side in itertools.product([r.value for r in Region], SIDES):
        plan = build_plan(_case(condition, [{"region": region, "side": side}], []))
        proposed = [p.code for p in plan.points if _hazardous(p.code)]
        assert proposed == [], (condition, region, side, proposed)


def test_a_t4_t5_phn_plan_has_jiaji_and_encircling_with_sources_and_no_chest_points() -> None:
    sites = [{"dermatome": "T4", "side": "left"}, {"dermatome": "T5", "side": "left"}]
    plan = build_plan(_case("phn", [{"region": "chest", "side": "left"}], sites))
    codes = {p.code for p in plan.points}
    assert not {"KI22", "KI23", "PC1", "ST18"} & codes
    assert not [c for c in codes if "pneumothorax" in atlas_point(c).cautions]
    jiaji = sorted((p.name, p.side) for p in plan.points if p.code == "EX-B2")
    assert jiaji == [("Jiaji at T4", "left"), ("Jiaji at T5", "left")]
    known = bibliography()
    for point in plan.points:
        assert point.sources and set(point.sources) <= set(known)
    jiaji_sources = {s for p in plan.points if p.code == "EX-B2" for s in p.sources}
    assert {"acu-hu2021", "acu-zcyj2012"} <= jiaji_sources  # trials that needled Jiaji for zoster
    assert [(t.segment, t.side) for t in plan.techniques] == [("T4", "left"), ("T5", "left")]
    for technique in plan.techniques:
        assert "acu-zcyj2012" in technique.sources and "never into a lesion" in technique.how
    assert any("PC1" in o.what and "pleura" in o.reason for o in plan.omitted)


def test_every_danger_zone_point_is_tagged_in_the_atlas_and_cites_sources() -> None:
    zones = danger_zones()
    assert {"ST17", "CV8"} == set(zones["no_needle"].points)
    for code in ["CV17", "CV21", "GV14", "GV9", "LR13", "GB25", "BL22", "BL26", "BL51", "BL52"]:
        assert {"viscera", "spinal_cord"} & set(atlas()[code].cautions), code
    for code in ["KI22", "KI27", "ST12", "ST18", "SP17", "SP21", "PC1", "LU1", "LU2", "GB21",
                 "GB22", "GB24", "LR14", "BL11", "BL21", "BL41", "BL50", "SI9", "SI15"]:
        assert "pneumothorax" in atlas()[code].cautions, code
    assert "vessel" in atlas()["HT1"].cautions
    for zone in zones.values():
        assert zone.sources and set(zone.sources) <= set(bibliography())


@pytest.mark.parametrize("code", ["ST17", "cv 8", "Ren8"])
def test_a_never_needled_point_is_refused_naming_it(code: str) -> None:
    problem = hand_added_problem(code, None)
    assert problem is not None and "never needled" in problem
    assert refusal(code) == problem


def test_a_danger_point_without_acknowledgement_or_depth_is_refused_naming_it() -> None:
    missing = hand_added_problem("GB20", None)
    assert missing is not None and missing.startswith("GB20 Fengchi") and "medulla" in missing
    unacknowledged = NeedlingLimit(angle="oblique", max_depth_mm=20, basis="slim neck")
    assert "acknowledge" in (hand_added_problem("GB20", unacknowledged) or "")
    no_depth = NeedlingLimit(angle="oblique", basis="x", acknowledged=["medulla"])
    assert "depth in mm" in (hand_added_problem("GB20", no_depth) or "")
    ok = NeedlingLimit(angle="oblique", max_depth_mm=20, basis="x", acknowledged=["medulla"])
    assert hand_added_problem("GB20", ok) is None
    assert hand_added_problem("ST36", None) is None


def test_a_point_with_a_limit_gets_a_caution_naming_the_point_and_the_limit() -> None:
    limit = NeedlingLimit(angle="oblique", max_depth_mm=20, direction="towards the nose tip",
                          basis="slim neck", acknowledged=["medulla"])
    point = PlanPoint(code="GB20", name="Fengchi", role="local", side="both", rationale="x",
                      sources=["acu-who2008"], limit=limit)
    plain = point.model_copy(update={"limit": None})
    [finding] = limit_findings([point, plain])
    assert finding.rule == LIMIT_RULE and finding.severity == "caution"
    assert "GB20 Fengchi" in finding.message and "at most 20 mm, oblique" in finding.message
    assert "medulla" in finding.message


def _needled(code: str, depth_mm: float | None = 10, limit: NeedlingLimit | None = None
             ) -> NeedledPoint:
    return NeedledPoint.model_validate({
        "code": code, "side": "midline" if code.startswith("CV") else "left",
        "needle": {"diameter_mm": 0.25, "length_mm": 30}, "depth_mm": depth_mm,
        "tissue_level": None if depth_mm else "subcutaneous",
        "response_sought": "de_qi", "stimulation": {"kind": "manual"}, "retention_min": 20,
        "limit": limit.model_dump() if limit else None,
    })  # fmt: skip


def test_a_session_with_a_never_needled_or_unlimited_danger_point_is_refused() -> None:
    [problem] = session_problems([_needled("CV8")], [])
    assert problem.startswith("points.0: CV8 Shenque is never needled")
    [problem] = session_problems([_needled("ST36"), _needled("GB20")], [])
    assert problem.startswith("points.1: GB20 Fengchi lies over")


def test_a_session_danger_point_is_checked_against_the_plan_limit_or_its_own() -> None:
    limit = NeedlingLimit(angle="oblique", max_depth_mm=15, basis="x", acknowledged=["medulla"])
    planned = PlanPoint(code="GB20", name="Fengchi", role="local", side="both", rationale="x",
                        sources=["acu-who2008"], limit=limit)
    assert session_problems([_needled("GB20", 12)], [planned]) == []
    [deep] = session_problems([_needled("GB20", 25)], [planned])
    assert "25 mm deep, beyond its limit of 15 mm" in deep
    [unknown] = session_problems([_needled("GB20", None)], [planned])
    assert unknown.startswith("points.0.depth_mm: give the depth in mm")
    assert session_problems([_needled("GB20", 12, limit)], []) == []


def test_codes_outside_the_atlas_and_ordinary_points_carry_no_zone() -> None:
    assert refusal("Shenmen") is None and danger_zones_of("Shenmen") == []
    assert technique_limit("ST36") is None and technique_limit("Shenmen") is None
    limit = technique_limit("EX-B2")
    assert limit is not None and "lamina" in (limit.direction or "")
    assert session_problems([_needled("ST36")], []) == []


def test_a_limit_on_a_point_outside_every_zone_still_gets_a_sourced_caution() -> None:
    limit = NeedlingLimit(angle="transverse", max_depth_mm=3, basis="thin skin")
    point = PlanPoint(code="ST36", name="Zusanli", role="local", side="left", rationale="x",
                      sources=["acu-who2008"], limit=limit)
    [finding] = limit_findings([point])
    assert "an anatomical danger zone" in finding.message and finding.sources
