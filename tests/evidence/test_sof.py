"""Summary of findings: one row per comparison, every domain with a reason, RoB 2 cited."""

from __future__ import annotations

import pytest

from acuneuro.evidence.library import condition_evidence
from acuneuro.evidence.sof import rob_table, summary_of_findings
from acuneuro.knowledge import EVIDENCE_CONDITIONS, RobDomain, RobRecord, rob2_records


@pytest.mark.parametrize("condition", EVIDENCE_CONDITIONS)
def test_each_comparison_has_five_reasoned_domains_and_a_statement(condition: str) -> None:
    ev = condition_evidence(condition)
    rows = summary_of_findings(ev)
    assert [r["class_id"] for r in rows] == [c.class_id for c in ev.comparisons]
    for row in rows:
        assert [d["domain"] for d in row["downgrades"]] == [
            "risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias"]
        assert all(d["reason"] for d in row["downgrades"])
        assert row["statement"].endswith(".")
        if row["certainty"] == "very_low":
            assert "very uncertain" in row["statement"]


def test_rob2_overall_follows_the_worst_domain() -> None:
    rec = rob2_records()["garrow2014"]
    assert rec.overall == "some_concerns"
    low = RobDomain(judgement="low", support="x")
    high = RobDomain(judgement="high", support="x")
    base = {"trial": "t", "outcome": "o", "indirect": None, "sources": ["sterne2019-rob2"]}
    all_low = RobRecord(randomisation=low, deviations=low, missing=low, measurement=low,
                        reporting=low, **base)
    assert all_low.overall == "low"
    one_high = RobRecord(randomisation=low, deviations=low, missing=low, measurement=high,
                         reporting=low, **base)
    assert one_high.overall == "high"


def test_every_plotted_trial_appears_in_the_rob_table() -> None:
    for condition in EVIDENCE_CONDITIONS:
        ev = condition_evidence(condition)
        rows = rob_table(ev)
        assert sorted(r["trial"] for r in rows) == sorted(ev.pooled_ids)
        assert all(r["assessed"] for r in rows)
