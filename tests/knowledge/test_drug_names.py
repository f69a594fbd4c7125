"""The medicine vocabulary as data: WHO ATC shapes, labelled classes, one drug per name, every
catalogue drug present, and the bleeding rules in step with it."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from acuneuro.knowledge import (
    AnticoagulantRule,
    DrugClassRule,
    DrugNames,
    bibliography,
    drug_names,
    knowledge_text,
    normalise_drug_text,
    safety_rules,
)
from acuneuro.knowledge._safety_rules import _check
from acuneuro.knowledge.course import drug_knowledge


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(knowledge_text("drug_names.yaml"))
    return data


def test_it_loads_with_sources_and_covers_the_drug_catalogue() -> None:
    names = drug_names()
    assert all(s in bibliography() for s in names.sources)
    assert {d.name for d in drug_knowledge().drugs} <= {d.inn for d in names.drugs}
    for drug in drug_knowledge().drugs:
        entry = names.entry(drug.name)
        assert entry is not None and set(drug.classes) <= set(entry.classes), drug.name


def test_atc_codes_have_the_who_shape_and_match_the_class() -> None:
    prefixes = {"vka": "B01AA", "doac": "B01A", "lmwh": "B01AB", "p2y12_inhibitor": "B01AC",
                "ssri": "N06AB", "tca": "N06AA", "statin": "C10AA", "nsaid": "M01A"}
    for d in drug_names().drugs:
        assert re.fullmatch(r"[A-Z]\d\d[A-Z]([A-Z](\d\d)?)?", d.atc), d.inn
        for cls, prefix in prefixes.items():
            if cls in d.classes:
                assert d.atc.startswith(prefix), (d.inn, d.atc)


def test_the_issue_12_examples_are_in_the_data() -> None:
    brands = {b for d in drug_names().drugs for b in d.brands}
    assert {"Eliquis", "Xarelto", "Coumadin", "Plavix", "Brilique", "Brilinta", "Clexane",
            "Lovenox", "Lyrica", "Neurontin", "Cymbalta", "Laroxyl", "Tachipirina",
            "Cardioaspirin"} <= brands
    for inn in ("warfarin", "apixaban", "ticagrelor", "acetylsalicylic acid", "buprenorphine",
                "metformin", "atorvastatin", "insulin glargine", "ramipril", "amlodipine"):
        assert drug_names().entry(inn) is not None, inn


def test_it_rejects_a_name_given_to_two_drugs() -> None:
    raw = _raw()
    raw["drugs"][0].setdefault("it", []).append("Eliquis")  # warfarin's brand now apixaban's too
    with pytest.raises(ValidationError, match="names both"):
        DrugNames.model_validate(raw)


def test_it_rejects_a_class_without_a_human_label() -> None:
    raw = _raw()
    raw["drugs"][0]["classes"].append("mystery_class")
    with pytest.raises(ValidationError, match="without a label"):
        DrugNames.model_validate(raw)


def test_it_rejects_an_atc_code_of_the_wrong_shape() -> None:
    raw = _raw()
    raw["drugs"][0]["atc"] = "B01-AA03"
    with pytest.raises(ValidationError, match="atc"):
        DrugNames.model_validate(raw)


def test_normalising_folds_case_accents_and_splits_strength() -> None:
    assert normalise_drug_text("ÉLIQUIS 2,5mg") == ("eliquis", "2", "5", "mg")
    assert normalise_drug_text("Co-codamol 30/500 µg") == ("co", "codamol", "30", "500", "ug")


def test_the_anticoagulant_rule_lists_exactly_the_vocabularys_anticoagulants() -> None:
    (rule,) = [r for r in safety_rules() if isinstance(r, AnticoagulantRule)]
    anticoagulants = {d.inn for d in drug_names().drugs if "anticoagulant" in d.classes}
    assert set(rule.drugs) == anticoagulants
    shorter = rule.model_copy(update={"drugs": rule.drugs[:-1]})
    with pytest.raises(ValueError, match="anticoagulants"):
        _check(shorter, "test")


def test_a_drug_class_rule_with_an_unknown_class_is_rejected() -> None:
    rule = DrugClassRule.model_validate({
        "id": "x", "kind": "drug_class", "severity": "caution", "message": "m",
        "classes": ["antiplatlet"], "sources": ["acu-hsieh2023"]})  # fmt: skip
    with pytest.raises(ValueError, match="unknown drug class"):
        _check(rule, "test")


def test_buprenorphine_is_listed_as_having_no_cdc_factor() -> None:
    table = drug_knowledge().mme
    assert [n.drug for n in table.no_factor] == ["buprenorphine"]
    assert "buprenorphine" not in {f.drug for f in table.factors}


def test_tramadols_kidney_bands_follow_the_label() -> None:
    (bands,) = [r for r in drug_knowledge().renal_bands if r.drug == "tramadol"]
    assert bands.sources == ["med-tramadol-label"]
    assert [(b.crcl_min, b.crcl_max, b.max) for b in bands.bands] == [(30, None, 400),
                                                                      (None, 30, 200)]
