"""Hypothesis over generated cases: every plan point has a role, a rationale and a source, and
nothing a safety finding excluded ever reaches the plan."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.clinical.case import DERMATOMES, ClinicalCase, Region
from acuneuro.clinical.planner import build_plan, point_region
from acuneuro.knowledge import atlas_point, bibliography, dermatome

from ._cases import raw_case

SIDES = ("left", "right", "both")
_devices = st.sampled_from(["pacemaker", "icd", "neurostimulator", "other"])
_regions = st.sampled_from([r.value for r in Region])
_region_site = st.fixed_dictionaries({"region": _regions, "side": st.sampled_from(SIDES)})
_derm_site = st.fixed_dictionaries(
    {"dermatome": st.sampled_from(DERMATOMES), "side": st.sampled_from(SIDES)}
)
_skin = st.one_of(
    st.fixed_dictionaries({"finding": st.sampled_from(["ulcer", "infection", "vesicles", "wound"]),
                           "region": _regions, "side": st.sampled_from(SIDES)}),
    st.fixed_dictionaries({"finding": st.just("vesicles"), "dermatome": st.sampled_from(DERMATOMES),
                           "side": st.sampled_from(SIDES)}),
)  # fmt: skip


@st.composite
def cases(draw: st.DrawFn) -> ClinicalCase:
    changes: dict[str, Any] = {
        "condition": {"kind": draw(st.sampled_from(["dpn", "phn", "cipn", "sci", "ms", "other"]))},
        "pain": {"regions": draw(st.lists(_region_site, max_size=4)),
                 "dermatomes": draw(st.lists(_derm_site, max_size=3))},
        "skin": draw(st.one_of(st.none(), st.lists(_skin, max_size=3))),
        "lymphoedema": draw(st.one_of(st.none(), st.lists(_region_site, max_size=2))),
        "devices": draw(st.one_of(st.none(), st.lists(_devices, max_size=2))),
        "requested": {"electroacupuncture": draw(st.booleans())},
        "labs__anc_per_ul": draw(st.one_of(st.none(), st.floats(0, 10_000))),
        "labs__platelets_per_ul": draw(st.one_of(st.none(), st.floats(0, 400_000))),
        "patient__pregnant": draw(st.one_of(st.none(), st.booleans())),
    }  # fmt: skip
    return ClinicalCase.model_validate(raw_case(**changes))


def _covers(excluded_side: str, side: str) -> bool:
    return excluded_side == "both" or side in ("both", excluded_side) or side == "midline"


@settings(max_examples=150, deadline=None)
@given(cases())
def test_every_point_has_a_role_rationale_and_known_source(case: ClinicalCase) -> None:
    plan = build_plan(case)
    known = bibliography()
    for point in plan.points:
        assert point.role in ("local", "distal", "segmental")
        assert point.rationale.strip()
        assert point.sources and all(s in known for s in point.sources)
    if plan.safety.status == "stop":
        assert plan.points == []


@settings(max_examples=150, deadline=None)
@given(cases())
def test_excluded_points_regions_dermatomes_and_techniques_never_appear(case: ClinicalCase) -> None:
    plan = build_plan(case)
    findings = plan.safety.findings
    excluded_points = {c for f in findings for c in f.excluded_points}
    for point in plan.points:
        assert point.code not in excluded_points
        region = _region_of(point.code, point.name)
        for f in findings:
            for site in f.excluded_regions:
                if site.region.value == region:
                    assert not _covers(site.side.value, point.side), (point, site)
            for dsite in f.excluded_dermatome_sites:
                level = point.name.removeprefix("Jiaji at ") if point.code == "EX-B2" else None
                on_it = level == dsite.dermatome or (
                    point.code != "EX-B2" and point.code in dermatome(dsite.dermatome).points
                )
                if on_it:
                    assert not _covers(dsite.side.value, point.side), (point, dsite)
    if any("electroacupuncture" in f.excluded_techniques for f in findings):
        assert plan.stimulation is None or plan.stimulation.technique == "manual"


def _region_of(code: str, name: str) -> str:
    level = name.removeprefix("Jiaji at ") if code == "EX-B2" else None
    return point_region(code, level)


_HAZARD_TAGS = {"no_needle", "medulla", "spinal_cord", "pneumothorax", "viscera", "vessel", "eye"}


@settings(max_examples=150, deadline=None)
@given(cases())
def test_no_generated_case_is_ever_planned_a_danger_zone_point(case: ClinicalCase) -> None:
    plan = build_plan(case)
    for point in plan.points:
        assert not _HAZARD_TAGS & set(atlas_point(point.code).cautions), point
        # A technique-zone point (thoracic Jiaji) never leaves without its limit.
        if "paraspinal" in atlas_point(point.code).cautions:
            assert point.limit is not None
