import acuneuro.reports as reports


def test_the_reports_package_exports_exactly_its_public_names() -> None:
    assert sorted(reports.__all__) == [
        "EvidenceItem",
        "REPORT_KINDS",
        "ReportData",
        "ReportPatient",
        "ReportSummary",
        "medication_chart",
        "progress_report_pdf",
        "referral_letter_pdf",
        "render_report",
        "scores_chart",
        "summarise_report",
    ]
    assert all(hasattr(reports, name) for name in reports.__all__)
