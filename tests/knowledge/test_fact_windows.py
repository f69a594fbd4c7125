"""Fact windows are data: each cites its sources, says whether it is a design choice, and why."""

from __future__ import annotations

from acuneuro.knowledge import ChemotherapyCountRule, bibliography, fact_windows, safety_rules


def test_every_window_cites_known_sources_and_gives_its_basis() -> None:
    known = bibliography()
    for window in fact_windows():
        assert window.sources and all(s in known for s in window.sources), window.id
        assert len(window.basis) > 20, window.id


def test_blood_count_windows_follow_the_chemotherapy_rule_they_name() -> None:
    rules = {r.id: r for r in safety_rules()}
    followers = [w for w in fact_windows() if w.chemotherapy_rule is not None]
    assert {f for w in followers for f in w.facts} == {"labs.platelets_per_ul", "labs.anc_per_ul"}
    for window in followers:
        assert isinstance(rules[window.chemotherapy_rule or ""], ChemotherapyCountRule)


def test_the_inr_window_is_sourced_but_marked_a_design_choice() -> None:
    inr = next(w for w in fact_windows() if w.id == "inr")
    assert inr.max_age_days == 3 and "perry2007" in inr.sources and inr.design_choice


def test_no_fact_is_covered_twice() -> None:
    paths = [p for w in fact_windows() for p in w.facts]
    assert len(paths) == len(set(paths))
    assert not any(a != b and b.startswith(a + ".") for a in paths for b in paths)
