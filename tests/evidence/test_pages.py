"""The evidence documents the pages, the API and the PDF report share."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.evidence.comparisons import study_label
from acuneuro.evidence.library import trials_for_protocol
from acuneuro.evidence.meta import meta_analysis
from acuneuro.evidence.pages import (
    MIN_TRIALS,
    condition_document,
    conditions,
    evidence_links,
    evidence_statements,
    forest_figure,
    patient_information,
    plain_reading,
    responder_figure,
)
from acuneuro.knowledge import (
    EVIDENCE_CONDITIONS,
    bibliography,
    patient_info,
    protocols,
    trials,
)


@settings(max_examples=60, deadline=None)
@given(
    yi=st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=8),
    se=st.floats(0.05, 2.0),
)
def test_the_reading_follows_the_numbers(yi: list[float], se: float) -> None:
    res = meta_analysis(yi, [se**2 * (1 + i % 3) for i in range(len(yi))], method="REML")
    text = " ".join(plain_reading(res))
    assert (" lower with acupuncture" in text) == (res.estimate < 0)
    assert f"{abs(res.estimate):.2f} points" in text
    lo, hi = res.ci
    assert ("includes no difference" in text) == (lo <= 0 <= hi)
    band = ("might not be important" if res.I2 < 40 else "moderate" if res.I2 < 60
            else "substantial" if res.I2 < 75 else "considerable")  # Cochrane 10.10.2
    assert band in text
    assert ("very imprecise" in text) == (res.k < 5)


def test_conditions_count_listed_and_plotted_trials() -> None:
    for row in conditions():
        listed = [t for t in trials() if t.condition == row["condition"]]
        assert row["trials"] == len(listed)
        assert row["plotted"] == sum(t.poolable for t in listed)


def test_the_document_warns_exactly_when_fewer_than_three_trials_are_plotted() -> None:
    for condition in EVIDENCE_CONDITIONS:
        doc = condition_document(condition)
        assert (doc["plotted_note"] is None) == (len(doc["plotted"]) >= MIN_TRIALS)
        assert all(t["in_pain_plot"] == (t["id"] in doc["plotted"]) for t in doc["trials"])
        for t in doc["trials"]:
            assert (t["excluded_because"] is None) == t["in_pain_plot"]


def test_protocol_links_point_at_the_rows_of_their_trials() -> None:
    for protocol_id in protocols():
        links = evidence_links(protocol_id)
        assert [link["id"] for link in links] == [t.id for t in trials_for_protocol(protocol_id)]
        for link in links:
            assert link["href"] == f"/evidence/{link['condition']}#trial-{link['id']}"
            assert link["sources"]


def test_responders_are_drawn_only_where_a_trial_reports_them() -> None:
    for condition in EVIDENCE_CONDITIONS:
        counted = [t.id for t in trials() if t.condition == condition
                   and t.data is not None and t.data.kind == "events"]
        figure = responder_figure(condition)
        if not counted:
            assert figure is None
            continue
        assert isinstance(figure, str)
        labels = {t.id: study_label(t) for t in trials()}
        assert sorted(re.findall(r">([A-Z][a-z]+ [0-9]{4}) \(", figure)) == sorted(
            labels[c] for c in counted)


def test_patient_information_is_structured_with_resolved_citations() -> None:
    known = bibliography()
    for condition in EVIDENCE_CONDITIONS:
        info = patient_information(condition)
        source = patient_info(condition)
        assert info["title"] == source.title
        assert [s["id"] for s in info["sections"]] == [s.id for s in source.sections]
        assert [a["question"] for a in info["faq"]] == [a.question for a in source.faq]
        for part in (*info["sections"], *info["faq"], *info["corrections"]):
            assert part["sources"]
            for cited in part["sources"]:
                assert cited["citation"] == known[cited["id"]].citation


def test_report_statements_are_cited_and_carry_the_nccn_correction() -> None:
    for condition in EVIDENCE_CONDITIONS:
        items = evidence_statements(condition)
        doc = condition_document(condition)
        assert len(items) == len(doc["sof"]) + len(doc["guidelines"])
        assert all(item["statement"] and item["citation"] for item in items)
    cipn = " ".join(item["statement"] for item in evidence_statements("cipn"))
    assert "Category 2A" in cipn and "LOWER-LEVEL" in cipn and "Correction:" in cipn


def test_comparisons_never_mix_comparator_classes_and_the_mixed_pool_is_labelled() -> None:
    for condition in EVIDENCE_CONDITIONS:
        doc = condition_document(condition)
        classes = {t["id"]: t["comparator_class"] for t in doc["trials"]}
        for cmp in doc["comparisons"]:
            assert len({classes[t] for t in cmp["trials"]}) == 1
            assert not cmp["sensitivity"]
        kinds = {classes[t] for t in doc["plotted"]}
        if len(kinds) > 1:
            mixed = doc["sensitivity"]
            assert mixed is not None and mixed["sensitivity"]
            assert "sensitivity analysis" in mixed["label"]
            if mixed["pooled"] is not None:
                assert "Sensitivity analysis" in mixed["pooled"]["reading"][-1]
            figure = forest_figure(condition, comparison="mixed")
            assert isinstance(figure, str) and "Sensitivity analysis" in figure
        else:
            assert doc["sensitivity"] is None


def test_trial_rows_name_the_comparator_in_words() -> None:
    for condition in EVIDENCE_CONDITIONS:
        for t in condition_document(condition)["trials"]:
            assert "_" not in t["comparator_label"]
            # Author and year, or the registry number of a trial known by its record only.
            assert re.fullmatch(r"[A-Z][\w'-]+ (19|20)\d\d|NCT\d{8}", t["label"])


def test_the_forest_figure_has_one_row_per_trial_of_its_comparison() -> None:
    for condition in EVIDENCE_CONDITIONS:
        doc = condition_document(condition)
        for cmp in doc["comparisons"]:
            figure = forest_figure(condition, comparison=cmp["key"])
            assert isinstance(figure, str)
            for label in cmp["labels"]:
                assert figure.count(f">{label}</text>") == 1
