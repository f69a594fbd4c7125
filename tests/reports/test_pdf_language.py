"""The reports in each language: Italian words, an Italian date and decimal comma in Italian,
the English report unchanged in English."""

from __future__ import annotations

import re

from tests.reports.test_pdf import text_of

from acuneuro.i18n import format_date, use_locale
from acuneuro.reports import ReportData, progress_report_pdf, referral_letter_pdf

_ITALIAN_MONTHS = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
]


def test_the_progress_report_in_italian_is_written_in_italian(report_data: ReportData) -> None:
    with use_locale("it"):
        text = text_of(progress_report_pdf(report_data))
        day = format_date(report_data.report_date)
    assert "Il resoconto dei suoi progressi con l'agopuntura" in text
    assert "Come sta andando" in text and "I suoi farmaci" in text
    # The date as an Italian writes it ("6 dicembre 2026"), and the decimal comma.
    assert day in text and day.split()[1] in _ITALIAN_MONTHS
    assert "6,5 su 10 prima del trattamento" in text
    assert "miglioramento moderato" in text
    assert "How you are doing" not in text and "out of 10" not in text


def test_the_letter_in_italian_is_written_in_italian(report_data: ReportData) -> None:
    with use_locale("it"):
        text = text_of(referral_letter_pdf(report_data))
    assert "Gentile Dr C Martins (oncology)," in text
    assert "Cordiali saluti," in text and "Sedute erogate: 15 delle 16 previste finora" in text
    assert "Yours sincerely" not in text and "Dear " not in text


def test_the_english_report_keeps_its_english_date_and_decimal_point(
    report_data: ReportData,
) -> None:
    text = text_of(progress_report_pdf(report_data))
    assert re.search(
        r"\d{1,2} (January|February|March|April|May|June|July|August|September|"
        r"October|November|December) \d{4}",
        text,
    )
    assert "6.5 out of 10 before treatment" in text and "6,5" not in text


def test_the_italian_letter_shows_the_medication_cautions_of_knowledge_in_italian(
    report_data: ReportData,
) -> None:
    # Tramadol with duloxetine (knowledge/drugs.yaml combinations) and tramadol without a
    # creatinine clearance: the cautions are knowledge prose, written in Italian.
    with use_locale("it"):
        text = text_of(referral_letter_pdf(report_data))
    assert "tossicità serotoninergica (sindrome serotoninergica)" in text
    assert "funzione renale (clearance della creatinina) non valutata" in text
    for english in ("serotonin toxicity", "kidney function", "seizure threshold",
                    "not assessed, so the dose"):
        assert english not in text
    english_text = text_of(referral_letter_pdf(report_data))
    assert "serotonin toxicity (serotonin syndrome) has been reported" in english_text
