import io
import re
from pathlib import Path

from pypdf import PdfReader

from acuneuro.reports import ReportData, progress_report_pdf, referral_letter_pdf, summarise_report


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_progress_report_states_baseline_latest_nrs_and_the_immpact_category(
    report_data: ReportData, progress_pdf: bytes
) -> None:
    summary = summarise_report(report_data)
    pain = next(o for o in summary.outcomes if o.instrument == "nrs")
    # Run-in 7, 6, 7, 6 -> 6.5; latest 3.5: (6.5 - 3.5) / 6.5 = 46% -> moderate (Dworkin 2008).
    assert (pain.baseline.value, pain.latest and pain.latest.value, pain.category) == (
        6.5,
        3.5,
        "moderate",
    )
    text = text_of(progress_pdf)
    assert "6.5 out of 10 before treatment" in text
    assert "3.5 at your latest visit" in text
    # The clinician's words from knowledge/outcomes.yaml, never the stored category code.
    assert "moderate improvement" in text
    assert "moderate (" not in text and "no_meaningful_change" not in text
    assert "46%" in text
    assert "Any rise from baseline is reported as worse" in text


def test_the_letter_states_outcome_medication_and_adverse_events(letter_pdf: bytes) -> None:
    text = text_of(letter_pdf)
    assert "Dear Dr C Martins (oncology)" in text
    assert "NeuPSIG grade: probable" in text
    assert "Baseline" in text and "6.5" in text and "3.5" in text and "moderate" in text
    assert "Sessions delivered: 15 of 16 due so far, 16 in the course" in text
    # tramadol 200 -> 100 mg/day: 40 -> 20 MME/day with the CDC 2022 factor 0.2
    assert "MME/day (CDC 2022)" in text and "40" in text and "20" in text
    assert "-20.0" in text
    assert "1 event(s) in 15 sessions" in text
    assert "Bao T et al. JAMA Netw Open 2020" in text


def test_both_documents_carry_the_two_charts(progress_pdf: bytes, letter_pdf: bytes) -> None:
    # The charts are vector drawings: their axis titles are text in the PDF.
    for pdf in (progress_pdf, letter_pdf):
        text = text_of(pdf)
        assert "score (0-10)" in text
        assert "daily dose" in text and "MME/day" in text


def test_it_writes_the_pdf_to_the_given_path(report_data: ReportData, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    pdf = progress_report_pdf(report_data, out)
    assert out.read_bytes() == pdf and pdf.startswith(b"%PDF")


def test_the_same_data_gives_the_same_bytes(report_data: ReportData, letter_pdf: bytes) -> None:
    assert referral_letter_pdf(report_data) == letter_pdf


def test_a_report_without_follow_up_says_so_instead_of_inventing_a_change(
    report_data: ReportData,
) -> None:
    early = report_data.model_copy(update={"report_date": report_data.first_session})
    text = text_of(progress_report_pdf(early))
    assert "no score since treatment started yet" in text
    assert "not classified" in text


def test_the_letter_names_medicines_that_mme_could_not_count(report_data: ReportData) -> None:
    from acuneuro.clinical.medication import MedicationStatement

    extra = MedicationStatement(
        drug="buprenorphine", daily_dose=10, unit="mcg/h", start=report_data.first_session
    )
    unknown = MedicationStatement(
        drug="Zzzyxol", daily_dose=10, unit="mg", start=report_data.first_session
    )
    data = report_data.model_copy(
        update={"medications": [*report_data.medications, extra, unknown]})
    text = text_of(referral_letter_pdf(data))
    assert "(incomplete: see below)" in text
    assert ("Not counted in MME (no CDC 2022 factor or unknown drug): buprenorphine (CDC 2022 "
            "gives buprenorphine no MME factor (partial opioid agonist with a ceiling effect)), "
            "zzzyxol.") in text
    assert "not in catalogue" in text and "1 (strong)" in text  # duloxetine: NeuPSIG 2015 line 1


def test_the_letter_carries_the_medication_cautions_of_the_day(letter_pdf: bytes) -> None:
    # The example takes tramadol with duloxetine (an SNRI): serotonin syndrome caution.
    text = text_of(letter_pdf)
    assert "Caution: tramadol + duloxetine: Tramadol with an SSRI, SNRI or tricyclic" in text


def test_the_letter_reports_feet_over_time_with_the_iwgdf_category_and_a_referral(
    report_data: ReportData,
) -> None:
    from datetime import timedelta

    from acuneuro.clinical.foot import FootExam, FootFacts

    d0 = report_data.first_session
    exams = [
        FootExam(on=d0, side="left", monofilament="present"),
        FootExam(on=d0, side="right", monofilament="present"),
        FootExam(on=d0 + timedelta(days=49), side="left", monofilament="absent"),
        FootExam(on=d0 + timedelta(days=49), side="right", vibration="present"),
    ]
    facts = FootFacts(pad=False, deformity=False, ulcer_history=False, amputation=False, esrd=False)
    data = report_data.model_copy(
        update={"foot_exams": exams, "foot_facts": facts, "pgic": "much_improved"}
    )
    text = text_of(referral_letter_pdf(data))
    assert "IWGDF 2023 risk category 1 (low): foot screening once every 6-12 months." in text
    assert "Referral (left foot): Protective sensation is lost" in text
    assert "much improved, a clinically important improvement (Farrar 2001)" in text
    assert "lost" in text and "present" in text


def test_the_letter_names_the_foot_facts_not_assessed_by_their_labels(
    report_data: ReportData,
) -> None:
    from acuneuro.clinical.foot import FootExam, FootFacts

    d0 = report_data.first_session
    exams = [FootExam(on=d0, side="left", monofilament="absent")]
    data = report_data.model_copy(update={"foot_exams": exams, "foot_facts": FootFacts()})
    text = " ".join(text_of(referral_letter_pdf(data)).split())
    assert "not assessed:" in text and "History of a foot ulcer" in text
    assert "ulcer_history" not in text


def test_adherence_mid_course_counts_only_the_sessions_due(report_data: ReportData) -> None:
    from datetime import timedelta

    mid = report_data.model_copy(
        update={"report_date": report_data.first_session + timedelta(days=14)}
    )
    a = summarise_report(mid).adherence
    # Sessions on days 0, 3, 7, 10, 14 are due; session 6 (day 17) was the missed one.
    assert (a.attended, a.planned, a.missed) == (5, 5, 0)
    assert "Sessions delivered: 5 of 5 due so far, 16 in the course" in text_of(
        progress_report_pdf(mid)
    )
