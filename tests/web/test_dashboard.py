"""The clinic dashboard page: the caller's clinic figures with charts, no script, a nav link."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from acuneuro.knowledge import code_label
from acuneuro.services import Actor, Context
from acuneuro.services.analytics import clinic_dashboard
from acuneuro.store import AuditEvent, Role


def test_a_clinician_sees_her_clinic_figures_and_charts(
    registry_clinic: Any, ctx: Context, web_as: Any
) -> None:
    clinic = registry_clinic("alice")
    page = web_as("alice").get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert 'href="/dashboard"' in html
    assert html.count("<svg") == 6
    assert "<script>" not in html and " style=" not in html
    board = clinic_dashboard(ctx, Actor(None, "check@example.invalid", Role.CLINICIAN, clinic))
    table = html[html.index('<table id="cohort"'):html.index("</table>")]
    for row in board.rows:
        # The condition's label from knowledge/, never its code.
        assert f'<th scope="row">{code_label(row.condition, "conditions")}</th>' in table
        assert f"<td>{row.patients}</td>" in table
    assert "withheld" not in table


def test_another_clinic_sees_none_of_these_figures(registry_clinic: Any, web_as: Any) -> None:
    registry_clinic("alice")
    page = web_as("charlie").get("/dashboard")
    assert page.status_code == 200
    assert 'id="no-patients"' in page.text and 'id="cohort"' not in page.text


def test_viewing_the_dashboard_is_audited(
    registry_clinic: Any, ctx: Context, actors: Any, web_as: Any
) -> None:
    clinic = registry_clinic("alice")
    web_as("alice").get("/dashboard")
    with ctx.db.read() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.resource == "cohort_analytics")).all()
        assert [(e.actor, e.clinic_id, e.action) for e in events] == [
            (actors["alice"].email, clinic, "read")]


def test_without_login_the_page_sends_to_the_login(anonymous: Any) -> None:
    answer = anonymous.get("/dashboard", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_charts_write_a_withheld_figure_as_text_not_as_zero() -> None:
    from acuneuro.web._dashboard_chart import Bar, interval_chart

    svg = interval_chart("t", [Bar("dpn", None, missing="withheld (fewer than 5)"),
                               Bar("phn", 0.4, 0.2, 0.6)], span=(0.0, 1.0), percent=True)
    assert "withheld (fewer than 5)" in svg
    assert len(re.findall(r'<rect class="value"', svg)) == 1
    assert len(re.findall(r'<line class="interval"', svg)) == 1
