"""The evidence documents in Italian: no English sentence in what a clinician or patient reads.

The evidence page (``condition_document``) and the patient leaflet (``patient_information``)
are built in the language of the request; their knowledge prose comes from the catalogue
(acuneuro.i18n.extract). Citations, source ids and trial labels (author-year) stay as published.
The English documents are unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from acuneuro.evidence.pages import condition_document, forest_figure, patient_information
from acuneuro.i18n import use_locale

# Words that exist in English and not in Italian (the list of the Italian page crawl,
# tests/web/test_browser_italian.py): one of them between spaces is English text.
ENGLISH = frozenset([
    "the", "of", "and", "with", "for", "is", "are", "was", "were", "this", "that", "these",
    "those", "from", "by", "to", "at", "on", "or", "not", "yes", "none", "your", "their", "has",
    "have", "had", "be", "been", "which", "when", "after", "before", "an", "as", "into", "than",
    "only", "each", "any", "all", "patient", "patients", "session", "sessions", "save", "record",
    "recorded", "plan", "points", "score", "scores", "date", "new",
])
# Published names, codes and sources: shown as they are in every language.
AS_PUBLISHED = {"sources", "citation", "doi", "doi_url", "pmid", "url", "id", "label", "labels",
                "trials", "forest", "funnel", "key", "class_id", "condition", "comparator",
                "certainty", "domain", "judgement", "overall", "trial", "status", "points",
                "measure", "scale", "kind", "method", "test", "plotted", "body"}


def texts(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(field, text) for every string of a document outside the published names."""
    if key in AS_PUBLISHED:
        return
    if isinstance(node, dict):
        for k, value in node.items():
            yield from texts(value, str(k))
    elif isinstance(node, list):
        for item in node:
            yield from texts(item, key)
    elif isinstance(node, str) and key != "outcome":  # RoB 2's own outcome words: not shown
        yield key, node


def english(doc: Any) -> list[tuple[str, str]]:
    return [(k, t) for k, t in texts(doc)
            if {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]*", t)} & ENGLISH]


def test_the_detector_finds_an_english_sentence_in_a_document() -> None:
    doc = {"sof": [{"statement": "Pain was lower with acupuncture.", "label": "Lu 2020"}],
           "sources": [{"citation": "Lu W et al. The Oncologist 2020"}]}
    assert english(doc) == [("statement", "Pain was lower with acupuncture.")]


@pytest.mark.parametrize("condition", ["dpn", "phn", "cipn"])
def test_the_evidence_page_in_italian_has_no_english_sentence(condition: str) -> None:
    with use_locale("it"):
        doc = condition_document(condition)
    assert english(doc) == []
    assert doc["trials"] and all(t["design"] for t in doc["trials"])


@pytest.mark.parametrize("condition", ["dpn", "phn", "cipn"])
def test_the_patient_leaflet_in_italian_has_no_english_sentence(condition: str) -> None:
    with use_locale("it"):
        info = patient_information(condition)
    assert english(info) == []
    assert info["title"].startswith("Agopuntura")


def _first_reading(doc: dict[str, Any]) -> str:
    line: str = next(c for c in doc["comparisons"] if c["pooled"])["pooled"]["reading"][0]
    return line


def test_the_english_documents_keep_their_english_prose() -> None:
    with use_locale("en"):
        doc = condition_document("dpn")
        info = patient_information("dpn")
    assert _first_reading(doc).startswith("Across 2 trials, pain was on average 2.26 points")
    assert info["sections"][0]["heading"] == "What is neuropathic pain?"
    with use_locale("it"):
        doc = condition_document("dpn")
    assert _first_reading(doc).startswith("In 2 studi il dolore è stato in media di 2,26")


def test_the_forest_plot_in_italian_has_no_english_label() -> None:
    with use_locale("it"):
        svg = str(forest_figure("cipn", "svg", comparison="sham_placebo"))
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert any("agopuntura" in label for label in labels), labels
    found = [t for t in labels if {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]*", t)}
             & (ENGLISH | {"favours", "study", "control"})]
    assert found == []
    with use_locale("en"):
        assert "Favours acupuncture" in str(forest_figure("cipn", "svg",
                                                          comparison="sham_placebo"))
