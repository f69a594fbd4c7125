"""End to end in headless Chromium: one person enters a trial's numbers, a colleague verifies
them, and only then does the pooled estimate on the evidence page change.

The live server's researcher account needs a second factor to log in, so two clinicians (who
may curate too) play the two readers here; the service test covers the researcher role.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete

from acuneuro.store import CuratedTrialEntry

pytestmark = pytest.mark.browser


@pytest.fixture
def clean_library(live_server: Any) -> Any:
    """The live server's database is shared by the session: leave its library as found."""
    yield live_server
    with live_server.ctx.db.write() as session:
        session.execute(delete(CuratedTrialEntry))


def _login(page: Any, live_server: Any, name: str) -> None:
    account = live_server.accounts[name]
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Log in").click()
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Log in")).to_have_count(0)


def _pooled(page: Any, live_server: Any) -> str:
    """The pooled mean difference of DPN against usual care or wait-list, as the page shows it."""
    page.goto(f"{live_server.url}/evidence/dpn")
    return str(page.locator("#comparison-usual_care_waitlist dl.pooled dd").first.inner_text())


def test_add_then_verify_by_a_second_person_changes_the_pooled_estimate(
    page: Any, clean_library: Any
) -> None:
    from playwright.sync_api import expect

    live_server = clean_library
    _login(page, live_server, "alice")
    before = _pooled(page, live_server)
    page.goto(f"{live_server.url}/evidence/library")
    page.get_by_label("Trial id (e.g. iravani2020)").fill("chao2019")
    page.get_by_label("Numbers given as").select_option("effect")
    page.get_by_label("Difference (acupuncture minus control)").fill("-1.2")
    page.get_by_label("95% CI lower").fill("-2.1")
    page.get_by_label("95% CI upper").fill("abc")
    page.get_by_label("Source (publication or registry record)").fill("Chao 2019, Pain Med")
    page.get_by_label("Page or table").fill("Table 3")
    page.get_by_label("Why this correction").fill("Week 12 value from the full text")
    page.get_by_role("button", name="Save for verification").click()
    # Refused on the field, with what was typed kept.
    expect(page.locator("#ci_upper-error")).to_contain_text("not a number")
    expect(page.get_by_label("95% CI lower")).to_have_value("-2.1")
    page.get_by_label("95% CI upper").fill("-0.3")
    page.get_by_role("button", name="Save for verification").click()
    expect(page.locator("#done")).to_contain_text("waits for a second person")
    # Pending: the pooled estimate does not change, and alice cannot verify her own entry.
    assert _pooled(page, live_server) == before
    page.goto(f"{live_server.url}/evidence/library")
    page.locator("#pending").get_by_role("button", name="Verify").first.click()
    expect(page.locator("#problems")).to_contain_text("A second person must verify")

    _login(page, live_server, "bob")
    page.goto(f"{live_server.url}/evidence/library")
    row = page.locator("#pending tr", has_text="chao2019")
    expect(row).to_contain_text("Table 3")
    row.get_by_role("button", name="Verify").click()
    expect(page.locator("#done")).to_contain_text("verified")
    assert _pooled(page, live_server) != before
    page.goto(f"{live_server.url}/evidence/trials/chao2019/history")
    expect(page.locator("#history tr[data-status=verified]")).to_contain_text(
        live_server.accounts["bob"].email)
    expect(page.locator("#history tr[data-status=seed]")).to_have_count(1)
