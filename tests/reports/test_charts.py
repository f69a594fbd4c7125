import io
from datetime import timedelta

from matplotlib.image import imread

from acuneuro.reports import ReportData, medication_chart, scores_chart, summarise_report

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_scores_chart_is_a_png(report_data: ReportData) -> None:
    s = summarise_report(report_data)
    png = scores_chart(report_data.scores, report_data.sessions, s.outcomes)
    assert png.startswith(PNG)
    height, width, _ = imread(io.BytesIO(png)).shape
    assert width > height > 200


def test_the_medication_chart_is_a_png(report_data: ReportData) -> None:
    start = report_data.first_session - timedelta(days=30)
    png = medication_chart(report_data.medications, start, report_data.report_date)
    assert png.startswith(PNG)


def test_a_chart_without_data_still_renders(report_data: ReportData) -> None:
    assert scores_chart([], [], []).startswith(PNG)
    assert medication_chart([], report_data.first_session, report_data.first_session).startswith(
        PNG
    )
