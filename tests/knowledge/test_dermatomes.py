"""Dermatomes C2..S5: regions covered, key sensory points and the points for segmental selection."""

from __future__ import annotations

import pytest

from acuneuro.clinical.case import DERMATOMES, Region
from acuneuro.knowledge import atlas_point, dermatome, dermatomes


def test_it_holds_every_dermatome_of_the_case_contract() -> None:
    assert list(dermatomes()) == list(DERMATOMES)


def test_jiaji_exists_only_from_t1_to_l5() -> None:
    # WHO: Jiaji (EX-B2) lie beside the spinous processes of T1 to L5.
    with_jiaji = [s for s, d in dermatomes().items() if d.jiaji]
    assert with_jiaji == [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]


@pytest.mark.parametrize(
    ("segment", "region", "point"),
    # ISNCSCI key sensory points (Kirshblum 2011): C6 thumb, T4 nipple line, T10 umbilicus,
    # L4 medial malleolus, S1 lateral heel.
    [("C6", "hand", "LI4"), ("T4", "chest", "PC1"), ("T10", "abdomen", "ST25"),
     ("L4", "leg", "SP6"), ("S1", "foot", "BL60")],
)  # fmt: skip
def test_key_segments_cover_their_region_and_point(segment: str, region: str, point: str) -> None:
    entry = dermatome(segment)
    assert region in entry.regions
    assert point in entry.points


def test_every_listed_point_is_in_the_atlas_and_every_region_is_a_case_word() -> None:
    words = {r.value for r in Region}
    for entry in dermatomes().values():
        assert entry.sources
        assert set(entry.regions) <= words
        for code in entry.points:
            atlas_point(code)


def test_it_rejects_an_unknown_segment() -> None:
    with pytest.raises(KeyError, match="T13"):
        dermatome("T13")
