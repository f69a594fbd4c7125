"""The evidence library data: every item validated and cited, no unverified number stored."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from acuneuro.knowledge import (
    EVIDENCE_CONDITIONS,
    PATIENT_SECTIONS,
    Trial,
    guidelines,
    patient_info,
    reviews,
    trials,
)


def _trial(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "x2020", "condition": "dpn", "design": "RCT", "comparator": "sham",
        "n_randomised": 40, "intervention": "8 weeks", "points": [],
        "outcome": {"name": "pain", "scale_max": 10, "kind": "final"},
        "data": {"kind": "continuous", "n1": 20, "mean1": 3.0, "sd1": 1.0, "n2": 20,
                 "mean2": 4.0, "sd2": 1.0},
        "status": "verified", "sources": ["lu2020"],
    }
    base.update(changes)
    return base


def test_every_trial_loads_and_cites_known_sources() -> None:
    found = trials()
    assert {t.condition for t in found} == set(EVIDENCE_CONDITIONS)
    assert all(t.sources for t in found)


def test_a_trial_without_data_says_why() -> None:
    for t in trials():
        assert t.data is not None or t.excluded_because


def test_it_refuses_a_trial_without_data_and_without_a_reason() -> None:
    with pytest.raises(ValidationError, match="excluded_because"):
        Trial.model_validate(_trial(data=None))


def test_it_refuses_unverified_numbers_as_data() -> None:
    with pytest.raises(ValidationError, match="unverified"):
        Trial.model_validate(_trial(status="unverified"))


def test_it_refuses_events_above_the_arm_size() -> None:
    data = {"kind": "events", "events1": 30, "n1": 20, "events2": 1, "n2": 20}
    with pytest.raises(ValidationError, match="exceed"):
        Trial.model_validate(_trial(data=data))


def test_it_refuses_an_estimate_outside_its_interval() -> None:
    data = {"kind": "effect", "estimate": 5.0, "ci_lower": -1.0, "ci_upper": 1.0}
    with pytest.raises(ValidationError, match="ci_lower"):
        Trial.model_validate(_trial(data=data))


def test_published_numbers_are_stored_as_read() -> None:
    by_id = {t.id: t for t in trials()}
    lu = by_id["lu2020"].data
    assert lu is not None and lu.model_dump() == {
        "kind": "continuous", "n1": 20, "mean1": -1.1, "sd1": 1.7, "n2": 20, "mean2": 0.3,
        "sd2": 1.5,
    }  # Lu 2020 abstract: BPI-SF pain severity -1.1 +/- 1.7 vs 0.3 +/- 1.5
    ursini = by_id["ursini2011"].data
    assert ursini is not None and ursini.model_dump()["mean1"] == -4.1  # reduction 4.1 +/- 2.3


def test_nccn_2a_is_explained_as_consensus_on_lower_level_evidence() -> None:
    nccn = next(g for g in guidelines() if g.grade == "Category 2A")
    assert "LOWER-LEVEL evidence" in nccn.meaning
    assert nccn.correction is not None and "high-quality evidence" in nccn.correction


def test_reviews_are_cited_and_ordered() -> None:
    for r in reviews():
        assert r.ci_lower <= r.estimate <= r.ci_upper


@pytest.mark.parametrize("condition", EVIDENCE_CONDITIONS)
def test_patient_information_answers_the_article_faq_with_sources(condition: str) -> None:
    info = patient_info(condition)
    assert {s.id for s in info.sections} >= set(PATIENT_SECTIONS)
    questions = {a.question for a in info.faq}
    assert {
        "Is acupuncture useful for neuropathic pain?",
        "In which nerve-pain conditions is it used?",
        "How does acupuncture act on the nervous system?",
        "Can it replace analgesic medications?",
    } <= questions
    replace = next(a for a in info.faq if a.question.startswith("Can it replace"))
    assert replace.answer.startswith("No")
    assert info.corrections


def test_patient_information_for_an_unknown_condition_is_refused() -> None:
    with pytest.raises(KeyError):
        patient_info("sci")
