"""Medicines as clinicians type them: brands, salts, any case, accents, strength and form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acuneuro.clinical.drug_names import (
    class_labels,
    drug_vocabulary,
    match_drug,
    match_drugs,
    unplaced_words,
)
from acuneuro.knowledge import drug_names

# (as typed, INN, a class it must carry): one row per brand, salt and class example of issue 12.
EXAMPLES = [
    ("Eliquis", "apixaban", "doac"),
    ("Xarelto 20 mg", "rivaroxaban", "doac"),
    ("Lixiana 60mg", "edoxaban", "doac"),
    ("Pradaxa 110 mg x2", "dabigatran", "doac"),
    ("warfarin sodium 5mg tablets", "warfarin", "vka"),
    ("Coumadin", "warfarin", "vka"),
    ("Sintrom 4 mg", "acenocoumarol", "vka"),
    ("Clexane 4000 UI", "enoxaparin", "lmwh"),
    ("Lovenox 40 mg/0.4 mL", "enoxaparin", "lmwh"),
    ("Fragmin", "dalteparin", "lmwh"),
    ("eparina sodica", "heparin", "heparin"),  # Italian INN spellings too
    ("ossicodone cloridrato 10 mg", "oxycodone", "opioid"),
    ("Enoxaparina 4000 UI", "enoxaparin", "lmwh"),
    ("heparin sodium", "heparin", "heparin"),
    ("Arixtra 2.5 mg", "fondaparinux", "anticoagulant"),
    ("Cardioaspirin 100 mg", "acetylsalicylic acid", "aspirin_low_dose"),
    ("aspirin 75mg", "acetylsalicylic acid", "antiplatelet"),
    ("Plavix 75 mg", "clopidogrel", "p2y12_inhibitor"),
    ("clopidogrel bisulfate", "clopidogrel", "p2y12_inhibitor"),
    ("Brilique 90 mg", "ticagrelor", "p2y12_inhibitor"),
    ("Brilinta", "ticagrelor", "p2y12_inhibitor"),
    ("ticagrelor", "ticagrelor", "antiplatelet"),
    ("Efient", "prasugrel", "p2y12_inhibitor"),
    ("Brufen 600", "ibuprofen", "nsaid"),
    ("Voltaren retard 75", "diclofenac", "nsaid"),
    ("Tachipirina 1000 mg", "paracetamol", "analgesic"),
    ("acetaminophen", "paracetamol", "analgesic"),
    ("Lyrica 75 mg", "pregabalin", "gabapentinoid"),
    ("Neurontin 300", "gabapentin", "gabapentinoid"),
    ("Cymbalta 60 mg", "duloxetine", "snri"),
    ("Efexor XR", "venlafaxine", "snri"),
    ("Laroxyl gocce", "amitriptyline", "tca"),
    ("amitriptyline hydrochloride 10 mg", "amitriptyline", "tca"),
    ("Zoloft", "sertraline", "ssri"),
    ("Cipralex 10 mg", "escitalopram", "ssri"),
    ("OxyContin 20 mg", "oxycodone", "opioid"),
    ("Contramal 100", "tramadol", "serotonergic_opioid"),
    ("tramadol hydrochloride", "tramadol", "opioid"),
    ("Durogesic 25 mcg/h", "fentanyl", "opioid"),
    ("Transtec", "buprenorphine", "opioid"),
    ("Co-codamol 30/500", "codeine", "opioid"),
    ("Tavor 1 mg", "lorazepam", "benzodiazepine"),
    ("Glucophage 500", "metformin", "biguanide"),
    ("Torvast 20", "atorvastatin", "statin"),
    ("Lantus", "insulin glargine", "insulin"),
    ("Triatec 5 mg", "ramipril", "ace_inhibitor"),
    ("Norvasc", "amlodipine", "calcium_channel_blocker"),
    ("Eutirox 50", "levothyroxine", "thyroid_hormone"),
]


@pytest.mark.parametrize(("typed", "inn", "cls"), EXAMPLES)
def test_it_recognises_what_a_clinician_types(typed: str, inn: str, cls: str) -> None:
    found = match_drug(typed)
    assert found is not None and found.inn == inn
    assert cls in found.classes
    assert found.atc[0].isalpha() and found.matched_on


@pytest.mark.parametrize("typed", ["ELIQUIS", "eliquis", "  Eliquis  ", "Éliquis", "Eliquis®",
                                   "Eliquis5mg", "eliquis 2,5 mg compresse rivestite"])
def test_case_accents_punctuation_and_strength_do_not_matter(typed: str) -> None:
    found = match_drug(typed)
    assert found is not None and found.inn == "apixaban" and found.kind == "brand"


def test_it_says_which_kind_of_name_it_matched() -> None:
    found = [match_drug(t) for t in ("warfarin", "warfarin sodium", "Coumadin", "indomethacin")]
    assert [f.kind if f else None for f in found] == ["inn", "salt", "brand", "synonym"]


def test_an_unknown_name_is_none_never_a_guess() -> None:
    for typed in ("Zzzyxol 10 mg", "", "   ", "10 mg", "apixiban"):
        assert match_drug(typed) is None, typed


def test_a_line_naming_two_drugs_gives_both_in_order() -> None:
    found = match_drugs("warfarin 5 mg + Cardioaspirin 100 mg")
    assert [d.inn for d in found] == ["warfarin", "acetylsalicylic acid"]
    assert [d.inn for d in match_drugs("Eliquis, Eliquis 5 mg")] == ["apixaban"]


def test_the_longest_name_wins() -> None:
    found = match_drug("Tylenol with Codeine")
    assert found is not None and found.inn == "codeine"
    glargine = match_drug("insulin glargine 20 units")
    assert glargine is not None and glargine.inn == "insulin glargine"


def test_the_catalogue_interaction_classes_are_merged_in() -> None:
    tramadol = match_drug("Ultram")
    assert tramadol is not None
    assert {"opioid", "cns_depressant", "serotonergic_opioid"} <= set(tramadol.classes)


def test_the_typeahead_lists_every_name_with_a_human_label() -> None:
    names = drug_vocabulary()
    by_name = {n.name: n for n in names}
    assert by_name["Eliquis"].inn == "apixaban"
    assert by_name["Eliquis"].label == "apixaban, direct oral anticoagulant (DOAC)"
    assert by_name["warfarin sodium"].kind == "salt"
    assert [n.name.casefold() for n in names] == sorted(n.name.casefold() for n in names)
    for n in names:
        assert "_" not in n.label, n  # no class code reaches a clinician


def test_every_typeahead_name_matches_its_own_drug() -> None:
    for n in drug_vocabulary():
        found = match_drug(n.name)
        assert found is not None and found.inn == n.inn, n.name


def test_class_labels_are_words() -> None:
    assert class_labels(["p2y12_inhibitor", "vka"]) == ["P2Y12 inhibitor",
                                                        "vitamin K antagonist"]
    assert set(drug_names().classes) >= {c for d in drug_names().drugs for c in d.classes}


@given(st.text(max_size=40))
def test_matching_any_text_never_fails(text: str) -> None:
    found = match_drugs(text)
    assert len({d.inn for d in found}) == len(found)


TAILS = ["", " 10 mg", " 5mg tablets", " 1 cp/die", " 20 mg/day", " (retard)",
         " 2,5 mg compresse rivestite", " 25 mcg/h every 72 hours", " 1/2 tab at night prn"]


@given(st.sampled_from([n.name for n in drug_vocabulary()]), st.sampled_from(TAILS),
       st.booleans())
def test_strength_form_and_case_never_change_the_drug(name: str, tail: str, upper: bool) -> None:
    typed = (name + tail).upper() if upper else name + tail
    expected, found = match_drug(name), match_drug(typed)
    assert expected is not None and found is not None and found.inn == expected.inn
    assert unplaced_words(typed) == []


def test_words_no_name_accounts_for_are_named() -> None:
    assert unplaced_words("metformin 500 mg + Zzzyxol") == ["zzzyxol"]
    assert unplaced_words("warfarin (stopped)") == ["stopped"]
    assert unplaced_words("Zzzyxol 10 mg") == ["zzzyxol"]
    assert unplaced_words("Eliquis 5 mg compresse rivestite") == []
