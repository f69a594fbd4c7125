"""The demo clinic's researcher and a logged-in page of it (used by tests/web/conftest.py)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urldefrag, urlsplit

__all__ = ["RESEARCHER_EMAIL", "RESEARCHER_PASSWORD", "first_patient", "open_demo"]

RESEARCHER_EMAIL = "researcher@demo.acuneuro.invalid"
RESEARCHER_PASSWORD = "violet-harbour-lantern-47"


def open_demo(browser: Any, site: Any, width: int, email: str, password: str) -> Any:
    """A page of a new browser context, logged in at ``width`` px."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(10_000)
    # The machine running the suite may be busy: a slow page is not a failing one.
    context.set_default_navigation_timeout(60_000)
    page = context.new_page()
    page.goto(site.url + "/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # The home page after login: today's list for the care team, the dashboard for researchers.
    page.wait_for_url(re.compile(re.escape(site.url) + r"/(today|dashboard)$"))
    return page


def first_patient(page: Any, site: Any) -> str:
    """The path of the first patient of the patient list (login lands on today's list, which
    may hold no appointment of the demo patients)."""
    page.goto(site.url + "/patients")
    href = page.locator("#patient-rows a").first.get_attribute("href") or ""
    assert re.fullmatch(r"/patients/P[0-9A-Z]{12}", href), href
    return href


def crawl_links(page: Any, site: Any, patient: str, not_pages: re.Pattern[str]) -> list[str]:
    """Same-site pages linked from here, limited to the one patient of a crawl.

    ``not_pages`` matches the paths that are files or actions (PDFs, figures, logout), not pages.
    """
    # An SVG link's href is not a string: resolve the attribute (the body map's points).
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]", "els => els.map(e => new URL(e.getAttribute('href'), document.baseURI).href)")
    out = []
    for href in hrefs:
        url = urldefrag(href).url.split("?")[0]
        path = urlsplit(url).path
        if not url.startswith(site.url) or not_pages.search(path):
            continue
        other_patient = re.match(r"/patients/(P[0-9A-Z]{12})", path)
        if other_patient and other_patient.group(1) != patient:
            continue
        out.append(url)
    return out
