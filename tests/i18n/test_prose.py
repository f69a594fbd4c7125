"""Knowledge prose in the reader's language (acuneuro.i18n.prose): templates filled after
translation, stored English read back sentence by sentence, English left as it was."""

from __future__ import annotations

from acuneuro.i18n import use_locale
from acuneuro.i18n.prose import fill, prose, render

_LOCAL = "Local point along the affected limb ({regions})."


def test_a_template_is_filled_in_english_and_translated_with_its_values() -> None:
    params = {"value": 6.2, "above": 4.5}
    template = ("INR {value:g} is above {above:g}: bleeding risk is increased; no needling "
                "today, ask the prescriber. (The {above:g} ceiling is an acuneuro design choice "
                "awaiting clinical sign-off.)")
    assert fill(template, params).startswith("INR 6.2 is above 4.5: bleeding risk")
    assert render(template, params) == fill(template, params)
    with use_locale("it"):
        # The reader's decimal mark in a measured value (a comma in Italian).
        assert render(template, params).startswith("INR 6,2 superiore a 4,5: rischio emorragico")


def test_a_list_and_a_nested_template_are_translated_item_by_item() -> None:
    params = {"facts": {"items": ["immunosuppression", "prosthetic joints"], "sep": "; "}}
    template = "Before needling, ask and record: {facts}. Until then each may be present."
    assert fill(template, params) == ("Before needling, ask and record: immunosuppression; "
                                      "prosthetic joints. Until then each may be present.")
    with use_locale("it"):
        assert render(template, params) == (
            "Prima dell'infissione chiedere e registrare: immunodepressione; protesi articolari. "
            "Fino ad allora ognuno può essere presente.")
        nested = {"template": "dermatome {segment}", "params": {"segment": "T5"}}
        assert render("{finding} at {site} ({side}): no needles there.",
                      {"finding": "Ulcer", "site": nested, "side": "left"}) == (
            "Ulcera in sede dermatomero T5 (sinistro): nessun ago in quella sede.")


def test_stored_english_is_read_back_sentence_by_sentence() -> None:
    stored = "Bafeng at the toe webs, on the symptomatic foot. " + fill(
        _LOCAL, {"regions": "foot, leg"})
    assert prose(stored, [_LOCAL]) == stored  # English: unchanged
    with use_locale("it"):
        assert prose(stored, [_LOCAL]) == (
            "Bafeng negli spazi interdigitali delle dita del piede sintomatico. "
            "Punto locale lungo l'arto colpito (piede, gamba).")
        # A sentence the catalogue does not know stays as written, beside the ones it knows.
        assert prose("Lymphoedema not assessed. Ask at 09:00 Tuesday.") == (
            "Linfedema non valutato. Ask at 09:00 Tuesday.")
