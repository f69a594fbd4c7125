"""End to end in headless Chromium: each condition's evidence page shows its forest plot, trials
of real, cited data and, where fewer than three trials have usable pain data, says so."""

from __future__ import annotations

import re
from typing import Any

import pytest

from acuneuro.knowledge._evidence import trials

pytestmark = pytest.mark.browser

MIN_TRIALS = 3


@pytest.mark.parametrize("condition", ["dpn", "phn", "cipn"])
def test_a_clinician_sees_the_forest_plot_and_the_cited_trials(
    logged_in_page: Any, live_server: Any, condition: str
) -> None:
    from playwright.sync_api import expect

    listed = [t for t in trials() if t.condition == condition]
    plotted = [t for t in listed if t.poolable]
    page = logged_in_page
    page.get_by_role("link", name="Evidence").click()
    page.locator(f'a[href="/evidence/{condition}"]').click()

    forest = page.locator("img#forest")
    expect(forest).to_be_visible()
    # The figure really loaded and decoded (a broken <img> is "visible" through its alt text).
    page.wait_for_function(
        "() => { const i = document.getElementById('forest'); "
        "return i.complete && i.naturalWidth > 0; }", timeout=15_000)

    rows = page.locator("table#trials tbody tr.trial")
    assert rows.count() == len(listed) >= MIN_TRIALS
    for trial in listed:
        expect(page.locator(f"#trial-{trial.id} .source").first).to_be_visible()
    expect(page.locator("table#trials a.doi").first).to_be_visible()
    expect(page.locator("table#trials a.doi").first).to_have_attribute(
        "href", re.compile(r"^https://doi\.org/10\.")
    )

    svg = page.request.get(f"{live_server.url}/evidence/{condition}/forest.svg").text()
    assert sum(f"{t.id} (" in svg for t in listed) == len(plotted) >= 1
    assert page.locator("table#trials tr.plotted").count() == len(plotted)
    note = page.locator("#plotted-note")
    if len(plotted) < MIN_TRIALS:
        expect(note).to_be_visible()
        expect(note).to_contain_text(f"Only {len(plotted)} trial")
    else:
        expect(note).to_have_count(0)
