"""Every page of one demo patient's day, crawled in Italian in headless Chromium (issue 15).

The page's own words (headings, navigation, buttons, field labels, table headers, captions,
alerts) carry no English outside proper names and sources, on every page (the evidence pages
included). The whole visible text is not there yet: the evidence pages and patient leaflets
are Italian, but the clinical prose of the knowledge base (point rationales and course notes,
safety checks, the interpretation stored with a score) is English only; the full-text crawl is
a strict expected failure that names every English line, and turns into a failure to remove
once that prose is translated. Beside them, the same crawl in English keeps its English texts
(the English pages are unchanged by translation)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from tests.web._demo import crawl_links

from acuneuro.services import demo

pytestmark = pytest.mark.browser

_NOT_PAGES = re.compile(r"(\.pdf|\.svg|\.png|\.json|\.csv|\.xlsx|\.ics|/logout)$")
# Words that exist in English and not in Italian: one of them between spaces is English text.
ENGLISH_WORDS = frozenset([
    "the", "of", "and", "with", "for", "is", "are", "was", "were", "this", "that", "these",
    "those", "from", "by", "to", "at", "on", "or", "not", "yes", "none", "your", "their", "has",
    "have", "had", "be", "been", "which", "when", "after", "before", "an", "as", "into", "than",
    "only", "each", "any", "all", "patient", "patients", "session", "sessions", "save", "record",
    "recorded", "plan", "points", "score", "scores", "date", "new",
])
# What stays as published, in any language: citations, source lists, codes, product names.
SOURCES = "cite, code, .source, .sources, .citation, .doi, [translate=no], [lang=en]"
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


@pytest.fixture(scope="module")
def demo_site(live_server: Any) -> Any:
    demo.seed_demo(live_server.ctx, patients=3, seed=1, today=date.today())
    return live_server


def _log_in(browser: Any, site: Any, lang: str) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-US")
    context.set_default_timeout(30_000)  # the dashboard computes cohort figures
    page = context.new_page()
    page.goto(f"{site.url}/?lang={lang}")
    page.fill("#email", demo.DEMO_EMAIL)
    page.fill("#password", demo.DEMO_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    # A login lands on the role's home (today's list, or the dashboard); the crawl starts from
    # the list of patients.
    page.wait_for_url(re.compile(re.escape(site.url) + r"/(today|dashboard)$"))
    page.goto(site.url + "/patients")
    return page


@pytest.fixture
def italian(browser: Any, demo_site: Any) -> Iterator[Any]:
    page = _log_in(browser, demo_site, "it")
    yield page
    page.context.close()


@pytest.fixture
def english(browser: Any, demo_site: Any) -> Iterator[Any]:
    page = _log_in(browser, demo_site, "en")
    yield page
    page.context.close()


def visible_words(page: Any) -> list[str]:
    """The words a reader sees, without the sources and names that stay as published."""
    text: str = page.evaluate(
        """(skip) => { const body = document.body.cloneNode(true);
             body.querySelectorAll(skip + ', script, style, template, .visually-hidden')
                 .forEach(e => e.remove());
             return body.innerText; }""", SOURCES)
    return _WORD.findall(text)


# The words a page itself says (from its template), as opposed to the data it shows.
CHROME = ("h1, h2, h3, h4, nav, button, label, th, caption, legend, summary, dt, figcaption, "
          "[role=alert], [role=status], .notice, .error, .demo-banner, head > title")


def english_lines(page: Any, only: str | None = None) -> list[str]:
    """The lines of the page (or of its ``only`` elements) that hold English words."""
    text: str = page.evaluate(
        """([skip, only]) => { const body = document.documentElement.cloneNode(true);
             body.querySelectorAll(skip + ', script, style, template, .visually-hidden')
                 .forEach(e => e.remove());
             const parts = only ? [...body.querySelectorAll(only)] : [body.querySelector('body')];
             // One line per text node: the listing names each English text, not the whole page.
             const lines = [];
             for (const part of parts) {
               const walk = document.createTreeWalker(part, NodeFilter.SHOW_TEXT);
               for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                 lines.push(n.textContent.replace(/\\s+/g, ' '));
               }
             }
             return lines.join('\\n'); }""",
        [SOURCES, only])
    return [line.strip()[:160] for line in text.splitlines() if english_in(_WORD.findall(line))]


def english_in(words: list[str]) -> list[str]:
    """The English words among ``words``."""
    return sorted({w for w in words if w.lower() in ENGLISH_WORDS})


def crawl(page: Any, site: Any, only: str | None = None) -> dict[str, list[str]]:
    """Every page kind reachable for the first patient: its English lines (or none)."""
    first = page.locator("#patient-rows a, table a[href^='/patients/P']").first
    patient = (first.get_attribute("href") or "").rsplit("/", 1)[-1]
    queue, seen, found = [site.url + "/patients"], {site.url + "/patients"}, {}
    while queue:
        url = queue.pop(0)
        page.goto(url, wait_until="load")
        found[url] = english_lines(page, only)
        for link in crawl_links(page, site, patient, _NOT_PAGES):
            kind = re.sub(r"/\d+(?=/|$)", "/N", link)
            if link.rstrip("/") != site.url and kind not in seen:
                seen.add(kind)
                queue.append(link)
    return found


def test_the_english_word_detector_finds_english_and_passes_italian() -> None:
    assert english_in(_WORD.findall("Save the patient record")) == [
        "Save", "patient", "record", "the"]
    assert english_in(_WORD.findall("Salva la cartella del paziente, seduta 3 di 10")) == []


def test_the_words_of_every_demo_page_in_italian_are_italian(italian: Any, demo_site: Any
                                                             ) -> None:
    found = crawl(italian, demo_site, only=CHROME)
    assert len(found) >= 8, f"the crawl reached only {sorted(found)}"
    english = {url: words for url, words in found.items() if words}
    assert not english, "\n".join(f"{url}:\n  " + "\n  ".join(w) for url, w in english.items())


def test_every_demo_page_in_italian_shows_no_english_text(italian: Any, demo_site: Any
                                                          ) -> None:
    found = crawl(italian, demo_site)
    assert len(found) >= 8, f"the crawl reached only {sorted(found)}"
    assert italian.evaluate("document.documentElement.lang") == "it"
    english = {url: words for url, words in found.items() if words}
    assert not english, "\n".join(f"{url}:\n  " + "\n  ".join(w) for url, w in english.items())


def test_the_same_pages_in_english_are_english(english: Any, demo_site: Any) -> None:
    found = crawl(english, demo_site)
    assert english.evaluate("document.documentElement.lang") == "en"
    # Every page has English on it: the English rendering is not replaced by the Italian one.
    assert all(found.values()), [url for url, words in found.items() if not words]
