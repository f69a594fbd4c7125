"""The body map is accessible SVG: outlines, a marker per point and side, exclusions shaded."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from acuneuro.clinical.case import Region, RegionSite, Side
from acuneuro.clinical.planner import build_plan
from acuneuro.web._bodymap import REGION_ANCHORS, point_anchor, render_bodymap

from ..clinical._cases import make_case

NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup, never untrusted input


def _markers(root: ET.Element) -> list[ET.Element]:
    return [
        c for c in root.iter("{http://www.w3.org/2000/svg}circle") if "point" in c.get("class", "")
    ]


def test_it_is_well_formed_svg_with_a_title_and_description() -> None:
    root = _parse(render_bodymap(build_plan(make_case())))
    # A group, not an image: an image's links would be hidden from assistive technology.
    assert root.get("role") == "group"
    assert root.find("svg:title", NS) is not None
    assert "safety status go" in (root.find("svg:desc", NS).text or "")  # type: ignore[union-attr]
    views = [g.find("svg:title", NS).text for g in root.findall("svg:g", NS)]  # type: ignore[union-attr]
    assert views == ["Front of the body", "Back of the body"]


def test_each_point_gets_one_titled_marker_per_side() -> None:
    plan = build_plan(make_case())
    markers = _markers(_parse(render_bodymap(plan)))
    expected = sum(2 if p.side == "both" else 1 for p in plan.points)
    assert len(markers) == expected
    for marker in markers:
        title = marker.find("svg:title", NS)
        assert title is not None and marker.get("data-code", "") in (title.text or "")


def test_left_and_right_land_on_opposite_sides_of_the_midline() -> None:
    plan = build_plan(make_case(skin=[{"finding": "ulcer", "region": "foot", "side": "left"}]))
    markers = _markers(_parse(render_bodymap(plan)))
    lr3 = [float(m.get("cx", "0")) for m in markers if m.get("data-code") == "LR3"]
    # Front view, centre x = 100: the patient's right foot is drawn on the viewer's left.
    assert len(lr3) == 1 and lr3[0] < 100


def test_excluded_regions_are_shaded_with_the_reason() -> None:
    plan = build_plan(make_case(skin=[{"finding": "ulcer", "region": "foot", "side": "left"}]))
    root = _parse(render_bodymap(plan))
    shaded = [
        e for e in root.iter("{http://www.w3.org/2000/svg}ellipse") if e.get("class") == "excluded"
    ]
    assert len(shaded) == 1
    title = shaded[0].find("svg:title", NS)
    assert (
        title is not None and "foot (left)" in (title.text or "") and "Ulcer" in (title.text or "")
    )


def test_every_region_has_an_anchor_inside_the_canvas() -> None:
    for x, y in REGION_ANCHORS.values():
        assert -100 < x <= 0 and 0 < y < 400


def test_a_stop_plan_draws_no_points() -> None:
    root = _parse(render_bodymap(build_plan(make_case(labs__anc_per_ul=100))))
    assert _markers(root) == []


def test_every_marker_links_to_its_row_in_the_list_of_points() -> None:
    plan = build_plan(make_case())
    root = _parse(render_bodymap(plan))
    links = root.findall(".//svg:a", NS)
    assert links and len(links) == len(_markers(root))
    anchors = {f"#{point_anchor(p)}" for p in plan.points}
    assert {a.get("href") for a in links} == anchors
    assert all(a.get("aria-label") for a in links)


def test_the_episodes_pain_regions_are_shaded_with_their_label() -> None:
    case = make_case()
    plan = build_plan(case)
    sites = [RegionSite(region=Region.upper_arm, side=Side.left),
             RegionSite(region=Region.foot, side=Side.both)]
    root = _parse(render_bodymap(plan, sites))
    pain = [e for e in root.iter("{http://www.w3.org/2000/svg}ellipse")
            if e.get("class") == "pain"]
    assert len(pain) == 3  # one on the left arm, one on each foot
    titles = {e.find("svg:title", NS).text for e in pain}  # type: ignore[union-attr]
    assert titles == {"Pain: upper arm (left)", "Pain: foot (both)"}
    assert 'class="pain"' not in render_bodymap(plan)  # no pain recorded, nothing shaded
