import pytest
import yaml
from pydantic import ValidationError

from acuneuro.knowledge import bibliography, knowledge_text
from acuneuro.knowledge.course import (
    DrugKnowledge,
    FootRiskKnowledge,
    ImmpactPain,
    adverse_event_knowledge,
    drug_knowledge,
    foot_risk_knowledge,
    outcome_knowledge,
)


def test_every_course_file_loads_with_its_sources() -> None:
    assert drug_knowledge().mme.version == "CDC 2022"
    assert [b.category for b in outcome_knowledge().immpact_pain.bands] == [
        "substantial",
        "moderate",
        "minimal",
    ]
    assert [c.category for c in foot_risk_knowledge().categories] == [3, 2, 1, 0]
    assert len(adverse_event_knowledge().grades.levels) == 5


def test_course_sources_have_a_doi_pmid_or_url_unless_they_are_our_own_design() -> None:
    raw = yaml.safe_load(knowledge_text("sources/course.yaml"))
    for entry in raw:
        if entry["id"] == "out-acuneuro-design":
            continue
        assert entry.get("doi") or entry.get("pmid") or entry.get("url") or entry.get("note"), (
            entry["id"]
        )
        assert entry["id"] in bibliography()


def test_neupsig_2025_lines_are_only_given_where_verified() -> None:
    tramadol = drug_knowledge().drug("tramadol")
    assert tramadol is not None and tramadol.neupsig_2025 is None


def test_it_rejects_an_mme_factor_for_a_drug_outside_the_catalogue() -> None:
    raw = yaml.safe_load(knowledge_text("drugs.yaml"))
    raw["mme"]["factors"].append({"drug": "heroin", "unit": "mg", "factor": 1})
    with pytest.raises(ValidationError, match="not in the drug catalogue"):
        DrugKnowledge.model_validate(raw)


def test_it_rejects_immpact_bands_out_of_order() -> None:
    raw = yaml.safe_load(knowledge_text("outcomes.yaml"))["immpact_pain"]
    raw["bands"].reverse()
    with pytest.raises(ValidationError, match="descending"):
        ImmpactPain.model_validate(raw)


def test_it_rejects_a_foot_condition_with_two_operators() -> None:
    raw = yaml.safe_load(knowledge_text("foot_risk.yaml"))
    raw["categories"][0]["when"] = {"all": ["lops"], "any": ["pad"]}
    with pytest.raises(ValidationError, match="exactly one"):
        FootRiskKnowledge.model_validate(raw)


def test_it_rejects_kidney_bands_with_a_gap() -> None:
    raw = yaml.safe_load(knowledge_text("drugs.yaml"))
    del raw["renal_bands"][0]["bands"][1]  # drop 30-60 mL/min
    with pytest.raises(ValidationError, match="tile"):
        DrugKnowledge.model_validate(raw)


def test_every_followed_outcome_names_a_real_instrument_score() -> None:
    from acuneuro.knowledge import load_instruments

    instruments = load_instruments()
    for outcome in outcome_knowledge().instruments:
        assert outcome.instrument in instruments, outcome.id
        scores = {s.id for s in instruments[outcome.instrument].scores}
        assert outcome.score in scores, outcome.id
    pgic = instruments["pgic"]
    codes = {o.code for item in pgic.items for o in (item.options or [])}
    assert set(outcome_knowledge().pgic.labels) == codes
