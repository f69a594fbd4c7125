"""Point selection: protocol candidates per role (``clinical._plan_points``)."""

from __future__ import annotations

from acuneuro.clinical._plan_points import Candidate, _Selection, apply_exclusions, candidates
from acuneuro.clinical.case import Region, RegionSite
from acuneuro.clinical.safety_model import SafetyFinding, Severity
from acuneuro.knowledge import atlas_point, dermatome, protocol

from ._cases import make_case


def test_a_point_chosen_in_one_role_is_not_merged_with_another_role() -> None:
    sel = _Selection()
    sel.add(Candidate("ST36", "local", {"left"}, "local reason", ["a"]))
    sel.add(Candidate("ST36", "distal", {"right"}, "distal reason", ["b"]))
    (kept,) = sel.chosen.values()
    assert (kept.role, kept.sides, kept.sources) == ("local", {"left"}, ["a"])


def test_the_same_point_in_the_same_role_joins_sides_and_sources() -> None:
    sel = _Selection()
    sel.add(Candidate("ST36", "local", {"left"}, "first", ["b"]))
    sel.add(Candidate("ST36", "local", {"right"}, "second", ["a", "b"]))
    (kept,) = sel.chosen.values()
    assert (kept.sides, kept.sources, kept.rationale) == ({"left", "right"}, ["a", "b"], "first")


def test_a_protocol_without_jiaji_still_needles_the_dermatome_and_omits_no_jiaji() -> None:
    phn = protocol("phn")
    assert phn.segmental.jiaji and phn.segmental.dermatome_points
    no_jiaji = phn.model_copy(update={"segmental": phn.segmental.model_copy(
        update={"jiaji": False})})  # fmt: skip
    case = make_case(condition__kind="phn", pain__regions=[],
                     pain__dermatomes=[{"dermatome": "L4", "side": "right"}])
    chosen, omitted = candidates(case, no_jiaji)
    codes = {item.code for item in chosen}
    assert "EX-B2" not in codes
    assert dermatome("L4").points and set(dermatome("L4").points) <= codes
    assert not any("Jiaji" in o.what for o in omitted)
    with_jiaji, _ = candidates(case, phn)
    assert ("EX-B2", "L4") in {(item.code, item.level) for item in with_jiaji}


def test_a_thoracic_dermatome_gets_no_intercostal_points_and_says_why() -> None:
    case = make_case(condition__kind="phn", pain__regions=[],
                     pain__dermatomes=[{"dermatome": "T5", "side": "right"}])
    chosen, omitted = candidates(case, protocol("phn"))
    assert not set(dermatome("T5").points) & {item.code for item in chosen}
    assert any(o.what == "points on the T5 dermatome (ST18, KI22)" for o in omitted)


def test_a_midline_point_in_an_excluded_region_is_removed_whatever_the_side() -> None:
    assert atlas_point("GV20").laterality == "midline"
    finding = SafetyFinding(
        rule="skin-lesion-site", severity=Severity.exclude, message="lesion on the scalp",
        sources=["acu-liao2013"],
        excluded_regions=[RegionSite(region=Region(atlas_point("GV20").region), side="left")],
    )  # fmt: skip
    midline = Candidate("GV20", "distal", set(), "why", ["a"], midline=True)
    kept, omitted = apply_exclusions([midline], [finding])
    assert kept == []
    assert [(o.what, o.rule) for o in omitted] == [(f"GV20 {atlas_point('GV20').pinyin}",
                                                     "skin-lesion-site")]
