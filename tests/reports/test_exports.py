import acuneuro.reports as reports


def test_the_reports_package_exports_exactly_its_public_names() -> None:
    assert sorted(reports.__all__) == [
        "EvidenceItem",
        "ReportData",
        "ReportPatient",
        "ReportSummary",
        "medication_chart",
        "progress_report_pdf",
        "referral_letter_pdf",
        "scores_chart",
        "summarise_report",
    ]
    assert all(hasattr(reports, name) for name in reports.__all__)
