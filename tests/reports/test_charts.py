from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from reportlab.graphics.shapes import Drawing, PolyLine, String

from acuneuro.clinical.medication import MedicationStatement, daily_doses
from acuneuro.reports import ReportData, medication_chart, scores_chart, summarise_report
from acuneuro.reports.charts import _changes


def _texts(d: Drawing) -> list[str]:
    return [n.text for n in d.getContents() if isinstance(n, String)]


def test_the_scores_chart_draws_one_line_per_instrument_with_its_label(
    report_data: ReportData,
) -> None:
    s = summarise_report(report_data)
    labels = {o.instrument: o.label for o in s.outcomes}
    chart = scores_chart(report_data.scores, report_data.sessions, s.outcomes, labels)
    instruments = {sc.instrument for sc in report_data.scores}
    lines = [n for n in chart.getContents() if isinstance(n, PolyLine)]
    assert len(lines) == len(instruments)
    assert set(labels.values()) <= set(_texts(chart))
    assert "session" in _texts(chart)


def test_the_medication_chart_names_each_medicine_and_the_mme(report_data: ReportData) -> None:
    start = report_data.first_session - timedelta(days=30)
    chart = medication_chart(report_data.medications, start, report_data.report_date)
    texts = _texts(chart)
    assert "MME/day" in texts
    for m in report_data.medications:
        assert any(t.startswith(m.drug) for t in texts)


def test_a_chart_without_data_still_renders(report_data: ReportData) -> None:
    assert isinstance(scores_chart([], [], []), Drawing)
    empty = medication_chart([], report_data.first_session, report_data.first_session)
    assert isinstance(empty, Drawing)


_DAY0 = date(2026, 1, 1)
_statements = st.lists(
    st.builds(
        lambda drug, dose, start, length: MedicationStatement(
            drug=drug, daily_dose=dose, unit="mg", start=_DAY0 + timedelta(days=start),
            stop=None if length is None else _DAY0 + timedelta(days=start + length)),
        st.sampled_from(["tramadol", "pregabalin"]),
        st.floats(min_value=1, max_value=600),
        st.integers(0, 60),
        st.none() | st.integers(0, 30),
    ),
    max_size=5,
)


@given(_statements)
def test_doses_change_only_on_the_days_the_step_lines_are_drawn(
    statements: list[MedicationStatement],
) -> None:
    start, end = _DAY0 + timedelta(days=5), _DAY0 + timedelta(days=80)
    changes = _changes(statements, start, end)
    assert changes[0] == start
    held = daily_doses(statements, start)
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        if day in changes:
            held = daily_doses(statements, day)
        assert daily_doses(statements, day) == held
