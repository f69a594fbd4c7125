"""A clinic's day on a phone and on a laptop (issue 14, items 6 and 10): every page of the
synthetic demo clinic reachable from the patient list for one patient, the account pages and
the error pages, crawled in headless Chromium at 390 px and 1366 px, scrolls only vertically,
logs no console error and no answer >= 500, and shows no raw code (tests/web/_raw_codes); the
patient page prints as a clinical summary without navigation, forms or buttons; the forest plot
opened on its own renders with its inline styles (its own image CSP)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from tests.web._demo import RESEARCHER_EMAIL, crawl_links, first_patient
from tests.web._raw_codes import raw_codes

from acuneuro.clinical.scoring import get_instrument
from acuneuro.services import Actor
from acuneuro.services.accounts import issue_session
from acuneuro.store import User
from acuneuro.web.deps import SESSION_COOKIE

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)
# Files and actions, not pages: downloads, figures (checked on their own) and logging out.
_NOT_PAGES = re.compile(r"(\.pdf|\.svg|\.png|\.csv|\.xlsx|/logout)$")


@dataclass
class Visit:
    """What one page did in the browser."""

    url: str
    width: int
    scroll_width: int
    errors: list[str] = field(default_factory=list)


def _visit(page: Any, url: str, width: int) -> Visit:
    errors: list[str] = []
    expected_error = url.endswith(("/no-such-page", "/P000000000000", "/999999"))

    def on_console(message: Any) -> None:
        if message.type == "error" and not (expected_error and "404" in message.text):
            errors.append(f"console: {message.text}")

    def on_response(response: Any) -> None:
        # An error page asked for on purpose answers 404; only the server failing counts then.
        if response.status >= (500 if expected_error else 400):
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("response", on_response)
    try:
        page.goto(url, wait_until="load")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        inner = page.evaluate("window.innerWidth")
        assert inner == width
        # Every chart says what it shows in visible text (an SVG <title> is only a tooltip).
        uncaptioned = page.eval_on_selector_all(
            "figure", "els => els.filter(f => f.querySelector('svg, img') && !(f.querySelector("
            "'figcaption')?.getClientRects().length)).length")
        if uncaptioned:
            errors.append(f"{uncaptioned} chart(s) without a visible caption")
        # What a person reads: visible text (a closed "sources" disclosure is not read).
        errors.extend(f"raw code: {c}" for c in raw_codes(page.inner_text("body")))
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("response", on_response)
    return Visit(url, width, scroll_width, errors)


def _crawl(page: Any, site: Any, width: int) -> list[Visit]:
    patient = first_patient(page, site).rsplit("/", 1)[-1]
    # Pages no link leads to: the account's, and the error pages (unknown page, patient, score).
    extra = ["/account", "/account/password", "/account/mfa", "/no-such-page",
             "/patients/P000000000000", f"/patients/{patient}/assessments/999999"]
    queue = [site.url + "/patients", *(site.url + e for e in extra)]
    seen, visits = set(queue), []
    while queue:
        url = queue.pop(0)
        visits.append(_visit(page, url, width))
        for link in crawl_links(page, site, patient, _NOT_PAGES):
            # One page per kind: the first assessment result stands for all the others.
            kind = re.sub(r"/\d+(?=/|$)", "/N", link)
            if link.rstrip("/") != site.url and kind not in seen:
                seen.add(kind)
                queue.append(link)
        if path_of(url).endswith("/assessments/new") and "?" not in url:
            # The choice posts a GET form, not a link: each instrument's form, both modes.
            for value in page.eval_on_selector_all("select#instrument option",
                                                   "els => els.map(e => e.value)"):
                # The tablet refuses (422) an instrument without self-report items, rightly.
                tablet = get_instrument(value).self_report_items()
                for mode in ("clinician", "tablet") if tablet else ("clinician",):
                    queue.append(f"{url}?instrument={value}&mode={mode}")
    return visits


def path_of(url: str) -> str:
    return urlsplit(url).path


def _report(visits: list[Visit]) -> None:
    too_wide = [f"{v.url} is {v.scroll_width}px wide at {v.width}px" for v in visits
                if v.scroll_width > v.width]
    errors = [f"{v.url} at {v.width}px: {e}" for v in visits for e in v.errors]
    assert not too_wide, "\n".join(too_wide)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("clinician", WIDTHS, indirect=True, ids=lambda w: f"{w}px")
def test_every_page_of_one_patients_day_fits_the_screen_without_errors(
    clinician: Any, demo_site: Any
) -> None:
    width = clinician.viewport_size["width"]
    visits = _crawl(clinician, demo_site, width)
    paths = {urlsplit(v.url).path for v in visits}
    # The crawl really reached the day's pages, not just the list.
    for wanted in ("/plan", "/sessions/new", "/assessments/new", "/evidence", "/dashboard"):
        assert any(p.endswith(wanted) for p in paths), f"the crawl never reached {wanted}"
    assert any("mode=tablet" in v.url for v in visits)
    assert any(re.fullmatch(r"/evidence/(dpn|phn|cipn)", p) for p in paths)
    _report(visits)


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
def test_the_researchers_dashboard_fits_the_screen(
    browser: Any, demo_site: Any, width: int
) -> None:
    # A researcher logs in with a second factor; its enrolment (ten argon2id hashes) is tested
    # in test_browser_accounts, so here the session cookie is issued directly.
    with demo_site.ctx.db.read() as session:
        user = session.scalar(select(User).where(User.email == RESEARCHER_EMAIL))
        assert user is not None
        actor = Actor.of(user, "127.0.0.1")
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.add_cookies([{"name": SESSION_COOKIE, "value": issue_session(demo_site.ctx, actor),
                          "url": demo_site.url}])
    page = context.new_page()
    try:
        visits = [_visit(page, demo_site.url + "/dashboard", width)]
        assert page.locator("table#cohort").count() == 1
        assert page.locator("#deidentified").count() == 1  # really the researcher's view
    finally:
        context.close()
    _report(visits)


@pytest.mark.parametrize("clinician", [390], indirect=True, ids=["390px"])
def test_the_patient_page_prints_as_a_summary_without_navigation_or_forms(
    clinician: Any, demo_site: Any
) -> None:
    from playwright.sync_api import expect

    page = clinician
    page.goto(demo_site.url + first_patient(page, demo_site))
    expect(page.get_by_role("heading", name="Episodes of care")).to_be_visible()
    visible = "els => els.filter(e => e.getClientRects().length > 0).length"
    assert page.eval_on_selector_all("header.site nav, form, button", visible) > 0
    page.emulate_media(media="print")
    for selector in ("header.site", "nav", "form", "button", "input", "select"):
        assert page.eval_on_selector_all(selector, visible) == 0, f"{selector} prints"
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#section-episodes")).to_be_visible()
    expect(page.locator("#section-course-outcomes figure figcaption").first).to_be_visible()
    # Action links (record, plan, download) do not print; nothing prints its URL as text.
    assert page.eval_on_selector_all("a[href$='/sessions/new']", visible) == 0
    assert page.locator("details:has(form)").count() > 0  # "Add a medicine"
    assert page.eval_on_selector_all("details:has(form)", visible) == 0
    after = page.evaluate("""() => [...document.querySelectorAll('a[href]')]
        .map(a => getComputedStyle(a, '::after').content).filter(c => c.includes('http'))""")
    assert after == []


@pytest.mark.parametrize("clinician", [1366], indirect=True, ids=["1366px"])
def test_the_forest_plot_opened_alone_renders_its_styles_and_runs_no_script(
    clinician: Any, demo_site: Any
) -> None:
    page = clinician
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if m.type == "error" else None)
    answer = page.goto(demo_site.url + "/evidence/dpn/forest.svg")
    assert answer is not None and answer.ok
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "style-src 'unsafe-inline'" in policy
    assert "script-src" not in policy  # falls back to default-src 'none': no script at all
    assert violations == []
    # matplotlib writes each label's font in a style attribute; applied, the text is 9 px.
    size = page.evaluate("getComputedStyle(document.querySelector('text')).fontSize")
    assert size != "16px", "the SVG's inline styles were refused"
