"""The atlas holds the 361 WHO 2008 meridian points and the extra points the protocols use."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from acuneuro.clinical.case import Region
from acuneuro.knowledge import (
    MERIDIAN_COUNTS,
    atlas,
    atlas_point,
    bibliography,
    innervation,
    knowledge_text,
    normalise_code,
    points,
    protocols,
)
from acuneuro.knowledge import _atlas as _atlas_module

# WHO Standard Acupuncture Point Locations (2008), points per meridian; as tabulated in
# shared/reference/acupuncture-protocols.md section 3.2 (TARA meridians.csv citing WHO 2008).
WHO_2008_COUNTS = {
    "LU": 11, "LI": 20, "ST": 45, "SP": 21, "HT": 9, "SI": 19, "BL": 67,
    "KI": 27, "PC": 9, "TE": 23, "GB": 44, "LR": 14, "GV": 28, "CV": 24,
}  # fmt: skip

# Extra points of the dossier's table 3.3 (EX-LE12 Qiduan is UNVERIFIED there and is left out).
EXTRA_POINTS = {
    "EX-HN1": 4, "EX-HN3": 1, "EX-HN5": 2, "EX-B1": 2, "EX-B2": 34, "EX-UE7": 4, "EX-UE9": 8,
    "EX-UE10": 8, "EX-UE11": 10, "EX-LE2": 2, "EX-LE4": 2, "EX-LE5": 4, "EX-LE6": 2,
    "EX-LE7": 2, "EX-LE10": 8,
}  # fmt: skip


def test_it_holds_361_meridian_points() -> None:
    assert sum(1 for p in atlas().values() if p.meridian is not None) == 361


@pytest.mark.parametrize(("meridian", "count"), sorted(WHO_2008_COUNTS.items()))
def test_each_meridian_holds_its_who_count_numbered_from_one(meridian: str, count: int) -> None:
    codes = [p.code for p in points(meridian=meridian)]
    assert codes == [f"{meridian}{n}" for n in range(1, count + 1)]
    assert MERIDIAN_COUNTS[meridian] == count


@pytest.mark.parametrize(("code", "members"), sorted(EXTRA_POINTS.items()))
def test_it_holds_the_extra_points_with_their_needle_counts(code: str, members: int) -> None:
    point = atlas_point(code)
    assert point.meridian is None
    assert point.members == members  # whole group, both sides: Bafeng 8, Jiaji 34 (17 pairs)


def test_every_protocol_point_exists_in_the_atlas() -> None:
    for proto in protocols().values():
        for code in proto.point_codes():
            assert atlas_point(code).code == code


def test_every_point_uses_the_case_region_words_and_cites_known_sources() -> None:
    words = {r.value for r in Region}
    known = bibliography()
    for point in atlas().values():
        assert point.region in words, point.code
        assert point.sources and all(s in known for s in point.sources)
        assert point.pinyin and point.hanzi and point.english and point.location


def test_governor_and_conception_vessel_points_are_midline() -> None:
    midline = {p.code for p in atlas().values() if p.laterality == "midline"}
    assert {p.code for p in points(meridian="GV")} <= midline
    assert {p.code for p in points(meridian="CV")} <= midline
    assert "ST36" not in midline


def test_the_traditional_pregnancy_points_are_tagged() -> None:
    # Betts & Budd 2011 list as given in the dossier, section 5.3 [S].
    tagged = {p.code for p in atlas().values() if "pregnancy" in p.cautions}
    assert tagged == {"LI4", "SP6", "BL60", "BL67", "GB21", "ST25", "CV4", "CV5", "BL31", "BL32"}


def test_points_over_the_lung_carry_a_pneumothorax_caution() -> None:
    for code in ("LU1", "GB21", "BL13", "KI25", "ST16"):
        assert "pneumothorax" in atlas_point(code).cautions
    # Jiaji is proposed for zoster, so its pleural risk is a technique limit, not a ban.
    assert atlas_point("EX-B2").cautions == ("paraspinal",)
    for code in ("ST36", "LI4", "BL23", "CV12"):
        assert "pneumothorax" not in atlas_point(code).cautions


@pytest.mark.parametrize(
    ("raw", "code"),
    [("LV3", "LR3"), ("lr 3", "LR3"), ("SJ5", "TE5"), ("UB60", "BL60"), ("P6", "PC6"),
     ("Du20", "GV20"), ("Ren 12", "CV12"), ("ex-le 10", "EX-LE10"), ("EX-UE9", "EX-UE9")],
)  # fmt: skip
def test_it_normalises_old_and_spaced_codes(raw: str, code: str) -> None:
    assert normalise_code(raw) == code


def test_it_rejects_unknown_codes_naming_them() -> None:
    with pytest.raises(KeyError, match="ST46"):
        atlas_point("ST46")
    with pytest.raises(ValueError, match="not a point code"):
        normalise_code("zusanli")


def test_it_filters_points_by_region_and_meridian() -> None:
    feet = points(region="foot")
    assert {"LR3", "KI1", "EX-LE10"} <= {p.code for p in feet}
    assert all(p.region == "foot" for p in feet)
    assert [p.code for p in points(meridian="LR", region="foot")] == ["LR1", "LR2", "LR3", "LR4"]
    with pytest.raises(ValueError, match="meridian"):
        points(meridian="XX")
    with pytest.raises(ValueError, match="region"):
        points(region="elbow")


def test_innervation_derived_entries_name_a_nerve_and_unverified_ones_do_not() -> None:
    entries = innervation()
    assert entries["ST36"].roots == ["L4", "L5"]
    assert "deep peroneal nerve" in entries["ST36"].nerves
    for entry in entries.values():
        if entry.status == "unverified":
            assert entry.roots == []
        else:
            assert entry.nerves


def _without_row(code: str) -> Callable[[str], str]:
    real = knowledge_text

    def text(relative: str) -> str:
        lines = real(relative).splitlines(keepends=True)
        return "".join(line for line in lines if not line.startswith(f"{code},"))

    return text


def test_loading_fails_when_a_meridian_misses_a_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_atlas_module, "knowledge_text", _without_row("KI12"))
    _atlas_module.atlas.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"meridian KI must hold points 1\.\.27"):
            _atlas_module.atlas()
    finally:
        monkeypatch.undo()
        _atlas_module.atlas.cache_clear()
    assert len(_atlas_module.atlas()) == 376
