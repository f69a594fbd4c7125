"""Protocols as data: one per condition, every point in the atlas and cited, on the limb."""

from __future__ import annotations

from importlib import resources

import pytest

from acuneuro.knowledge import (
    CONDITIONS,
    atlas_point,
    bibliography,
    knowledge_text,
    protocol,
    protocols,
)
from acuneuro.knowledge import _protocols as _protocols_module
from acuneuro.knowledge._protocols import LOWER_LIMB, UPPER_LIMB


def test_there_is_a_protocol_for_every_condition_kind() -> None:
    assert sorted(protocols()) == sorted(CONDITIONS)


def test_every_point_has_a_rationale_and_known_sources() -> None:
    known = bibliography()
    for proto in protocols().values():
        items = [p for rule in proto.local for p in rule.points] + list(proto.distal)
        for point in items:
            assert point.rationale
            assert point.sources and all(s in known for s in point.sources)


def test_local_points_lie_on_the_limb_of_their_rule() -> None:
    for proto in protocols().values():
        for rule in proto.local:
            limb = UPPER_LIMB if set(rule.when_regions) <= UPPER_LIMB else LOWER_LIMB
            assert {atlas_point(p.code).region for p in rule.points} <= limb


def test_electro_pairs_join_points_of_the_same_protocol() -> None:
    for proto in protocols().values():
        electro = proto.stimulation.electro
        if electro is None:
            continue
        named = {p.code for rule in proto.local for p in rule.points}
        for a, b in electro.pairs:
            assert {a, b} <= named


def test_cipn_follows_bao_2020_electroacupuncture_and_molassiotis_2019_course() -> None:
    cipn = protocol("cipn")
    assert cipn.stimulation.electro is not None
    assert cipn.stimulation.electro.pairs == [("LR3", "GB42")]
    assert cipn.stimulation.electro.frequency_hz == "2-5"
    assert (cipn.course.sessions_per_week, cipn.course.weeks) == (2, 8)


def test_dpn_uses_the_lee_2013_points_and_schedule() -> None:
    dpn = protocol("dpn")
    legs = {p.code for rule in dpn.local if "foot" in rule.when_regions for p in rule.points}
    assert {"ST36", "GB39", "SP9", "SP6", "LR3", "GB41"} <= legs
    assert dpn.course.sessions == 16


def test_phn_selects_segmentally_and_reassessment_is_planned() -> None:
    phn = protocol("phn")
    assert phn.segmental.jiaji and phn.segmental.dermatome_points
    for proto in protocols().values():
        assert proto.reassessment and proto.reassessment[0].week == 0


def test_reassessment_names_instruments_of_the_knowledge_base() -> None:
    folder = resources.files("acuneuro.knowledge").joinpath("instruments")
    known = {e.name.removesuffix(".yaml") for e in folder.iterdir() if e.name.endswith(".yaml")}
    for proto in protocols().values():
        for step in proto.reassessment:
            assert set(step.instruments) <= known, (proto.condition, step.week)


def test_loading_rejects_a_local_point_off_the_limb(monkeypatch: pytest.MonkeyPatch) -> None:
    real = knowledge_text

    def text(relative: str) -> str:
        raw = real(relative)
        if relative.endswith("cipn.yaml"):
            return raw.replace("{code: SP6,", "{code: LU5,", 1)
        return raw

    monkeypatch.setattr(_protocols_module, "knowledge_text", text)
    _protocols_module.protocols.cache_clear()
    try:
        with pytest.raises(ValueError, match="LU5 is not on the affected limb"):
            _protocols_module.protocols()
    finally:
        monkeypatch.undo()
        _protocols_module.protocols.cache_clear()
    assert len(_protocols_module.protocols()) == len(CONDITIONS)


def test_loading_rejects_a_protocol_that_names_a_danger_zone_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = knowledge_text

    def text(relative: str) -> str:
        raw = real(relative)
        if relative.endswith("phn.yaml"):
            return raw.replace("{code: TE6,", "{code: GB20,", 1)
        return raw

    monkeypatch.setattr(_protocols_module, "knowledge_text", text)
    _protocols_module.protocols.cache_clear()
    try:
        with pytest.raises(ValueError, match="GB20 lies over the medulla"):
            _protocols_module.protocols()
    finally:
        monkeypatch.undo()
        _protocols_module.protocols.cache_clear()
