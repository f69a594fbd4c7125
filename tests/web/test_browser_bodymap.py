"""The body map in Chromium (issue 14, item 11): Tab reaches each point of the map, Enter shows
that point's row of the list (name, rationale, sources), highlighted and scrolled into view."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.web._demo import first_patient

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("clinician", [1366], indirect=True, ids=["1366px"])
def test_a_point_of_the_body_map_is_reached_by_keyboard_and_shows_its_row(
    clinician: Any, demo_site: Any
) -> None:
    from playwright.sync_api import expect

    page = clinician
    patient = first_patient(page, demo_site)
    page.goto(f"{demo_site.url}{patient}/plan")
    links = page.locator("figure.bodymap a.point-link")
    if links.count() == 0:  # the plan list: open the newest plan
        page.locator("a[href*='/plan/']").first.click()
        links = page.locator("figure.bodymap a.point-link")
    assert links.count() > 0
    # Tab from the element just before the map until a point of the map has the focus.
    page.locator("figure.bodymap").evaluate(
        "f => { const b = document.createElement('button'); b.id = 'before-map';"
        " f.before(b); b.focus(); }")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused and focused.startswith("#point-"), focused
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(focused) + "$"))
    row = page.locator(f"tr{focused}")
    expect(row).to_be_in_viewport()
    text = row.inner_text()
    code = focused.removeprefix("#point-").split("-")[0].upper()
    assert code in text.upper().replace("-", "")  # the point's code and name
    assert len(row.locator("td").nth(2).inner_text()) > 10  # its rationale
    assert row.locator("td").nth(3).inner_text().strip()  # its sources
    outline = row.evaluate("r => getComputedStyle(r).outlineStyle")
    assert outline == "solid"  # :target marks the row
