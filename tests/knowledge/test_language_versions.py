"""The validated language versions named beside the instrument forms."""

from __future__ import annotations

import pytest

from acuneuro.knowledge import instrument_ids, language_version, language_versions


def test_every_instrument_has_an_italian_entry_and_every_entry_an_instrument() -> None:
    italian = language_versions()["it"]
    assert set(italian) == set(instrument_ids())


def test_a_claim_that_a_version_exists_or_was_not_found_names_its_source() -> None:
    for table in language_versions().values():
        for entry in table.values():
            if entry.status != "not_needed":
                assert entry.cited(), entry


@pytest.mark.parametrize(("instrument", "source"), [
    ("dn4", "spallone2012"), ("lanss", "lanss_pdq_it2021"), ("paindetect", "lanss_pdq_it2021"),
    ("hads", "costantini1999")])
def test_the_italian_validations_found_are_the_published_ones(instrument: str, source: str
                                                             ) -> None:
    entry = language_version(instrument, "it")
    assert entry is not None and entry.status == "validated" and source in entry.sources


def test_a_language_without_a_table_has_no_entry() -> None:
    assert language_version("dn4", "en") is None
