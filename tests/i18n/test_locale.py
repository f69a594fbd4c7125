"""Choosing the language (RFC 9110 Accept-Language, the user's own choice) and writing dates and
numbers as each language writes them."""

from __future__ import annotations

import datetime as dt
import threading

from hypothesis import given
from hypothesis import strategies as st

from acuneuro.i18n import (
    LOCALES,
    current_locale,
    format_date,
    format_decimal,
    format_number,
    gettext,
    negotiate_locale,
    pgettext,
    use_locale,
)


def test_the_users_own_choice_wins_over_the_browser() -> None:
    assert negotiate_locale("en-GB,en;q=0.9", preferred="it") == "it"
    assert negotiate_locale("it-IT", preferred="en") == "en"


def test_accept_language_is_read_by_weight_then_by_order() -> None:
    assert negotiate_locale("it-IT,it;q=0.9,en;q=0.8") == "it"
    assert negotiate_locale("en;q=0.5,it;q=0.8") == "it"
    assert negotiate_locale("fr-FR,de;q=0.9,it;q=0.3") == "it"
    assert negotiate_locale("it;q=0,en;q=0.1") == "en"


def test_nothing_usable_means_english() -> None:
    for header in (None, "", "fr", "de-DE,es;q=0.5", "it;q=abc", ";;,"):
        assert negotiate_locale(header, preferred="xx") == "en"


@given(st.text(max_size=80), st.one_of(st.none(), st.text(max_size=5)))
def test_the_chosen_language_is_always_one_we_have(header: str, preferred: str | None) -> None:
    assert negotiate_locale(header, preferred) in LOCALES


def test_dates_are_written_as_each_language_writes_them() -> None:
    day = dt.date(2026, 12, 5)
    with use_locale("it"):
        assert format_date(day) == "5 dicembre 2026"
    with use_locale("en"):
        assert format_date(day) == "5 December 2026"


def test_numbers_use_the_decimal_mark_of_the_language() -> None:
    with use_locale("it"):
        assert format_decimal(1.5) == "1,5"
        assert format_decimal(1234.5) == "1.234,5"
        assert format_decimal(-20, 1, fixed=True, signed=True) == "-20,0"
        assert format_decimal(3, 0, signed=True) == "+3"
    assert format_decimal(1.5) == "1.5"
    assert format_decimal(2.0, 1, fixed=True) == "2.0"


def test_a_statistic_keeps_its_digits_and_takes_the_decimal_mark_of_the_language() -> None:
    assert format_number(0.012345, ".3g") == "0.0123"
    assert format_number(-1.834, ".2f") == "-1.83"
    with use_locale("it"):
        assert format_number(0.012345, ".3g") == "0,0123"
        assert format_number(-1.834, ".2f") == "-1,83"


def test_one_english_word_can_have_two_italian_translations_by_context() -> None:
    with use_locale("it"):
        assert gettext("Low") == "Bassa"  # certainty of the evidence
        assert pgettext("risk of bias", "Low") == "Basso"
    assert pgettext("risk of bias", "Low") == "Low"


def test_a_text_is_translated_in_italian_and_kept_in_english() -> None:
    with use_locale("it"):
        assert gettext("Patients") == "Pazienti"
        assert gettext("") == ""  # never the catalogue's header
    assert gettext("Patients") == "Patients"


def test_an_unknown_language_falls_back_to_english() -> None:
    with use_locale("xx"):
        assert current_locale() == "en"


def test_concurrent_requests_never_mix_their_languages() -> None:
    seen: dict[str, str] = {}

    def serve(locale: str) -> None:
        with use_locale(locale):
            barrier.wait()
            seen[locale] = gettext("Patients")

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=serve, args=(loc,)) for loc in ("it", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"it": "Pazienti", "en": "Patients"}
