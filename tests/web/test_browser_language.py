"""Clinician language in the browser (issue 14, item 6): every form of the demo clinic, sent
with bad input (numbers below range, dates far ahead, text over its length), answers with
sentences on its fields, never a code, a regex, a pydantic location path or a Python repr;
and the text of both PDFs (the patient's report and the referral letter) reads the same way."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader
from tests.web._raw_codes import raw_codes

pytestmark = pytest.mark.browser

# The forms to spoil: (page under the patient, or absolute with a leading "/", form selector).
FORMS = [
    ("/patients/new", "form[action='/patients/new']"),
    ("/sessions/new", "form[action$='/sessions/new']"),
    ("/adverse-events/new", "form[action$='/adverse-events/new']"),
    ("", "form[action$='/medications/new']"),
    ("/plan", "form[action$='/plan']"),
    ("/assessments/new?instrument=dn4&mode=clinician", "form.assessment"),
    ("/assessments/new?instrument=bpi-sf&mode=clinician", "form.assessment"),
]

_SPOIL = """form => {
  form.noValidate = true;
  for (const el of form.querySelectorAll('input, textarea')) {
    for (const a of ['required', 'min', 'max', 'maxlength', 'pattern', 'step']) {
      el.removeAttribute(a);
    }
    if (el.type === 'hidden' || el.type === 'checkbox' || el.type === 'radio') continue;
    if (el.type === 'number') el.value = '-5';
    else if (el.type === 'date') { el.type = 'text'; el.value = '2999-13-40'; }
    else el.value = 'x'.repeat(300);
  }
}"""


def _patient(page: Any) -> str:
    # A login lands on the role's home (today's list): the patients are listed on /patients.
    page.goto(page.url.rsplit("/", 1)[0] + "/patients")
    href = page.locator("#patient-rows a").first.get_attribute("href") or ""
    assert re.fullmatch(r"/patients/P[0-9A-Z]{12}", href)
    return href


def _spoilt(page: Any, site: Any, url: str, selector: str) -> list[str]:
    page.goto(url)
    form = page.locator(selector).first
    assert form.count() == 1, f"no {selector} on {url}"
    form.evaluate(_SPOIL)
    with page.expect_navigation():
        form.evaluate("f => f.requestSubmit()")  # also a form inside a closed <details>
    problems = [f"raw code: {c}" for c in raw_codes(page.inner_text("body"))]
    status = page.evaluate("document.querySelector('main h1')?.textContent || ''")
    if "500" in status or "Internal" in page.content():
        problems.append("server error")
    return [f"{url} ({selector}): {p}" for p in problems]


@pytest.mark.parametrize("clinician", [390], indirect=True, ids=["390px"])
def test_every_form_refuses_bad_input_in_sentences_without_codes(
    clinician: Any, demo_site: Any
) -> None:
    page = clinician
    patient = _patient(page)
    problems: list[str] = []
    for where, selector in FORMS:
        url = demo_site.url + (where if where.startswith("/patients/new") else patient + where)
        problems += _spoilt(page, demo_site, url, selector)
    assert not problems, "\n".join(problems)


def _pdf_text(page: Any, url: str) -> str:
    answer = page.request.get(url)
    assert answer.ok, f"{url}: {answer.status}"
    assert answer.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.body()))
    return "\n".join(p.extract_text() or "" for p in reader.pages)


@pytest.mark.parametrize("clinician", [1366], indirect=True, ids=["1366px"])
@pytest.mark.parametrize("kind", ["patient", "referrer"])
def test_both_pdfs_read_without_codes(clinician: Any, demo_site: Any, kind: str) -> None:
    page = clinician
    patient = _patient(page)
    text = _pdf_text(page, f"{demo_site.url}{patient}/report.pdf?kind={kind}")
    assert len(text) > 500  # really the report, not an empty page
    found = raw_codes(text)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("clinician", [390], indirect=True, ids=["390px"])
def test_the_tablet_kiosk_pages_read_without_codes_even_after_bad_input(
    clinician: Any, demo_site: Any
) -> None:
    page = clinician
    patient = _patient(page)
    page.goto(f"{demo_site.url}{patient}/assessments/new?instrument=dn4&mode=tablet")
    with page.expect_navigation():
        page.get_by_role("button", name="Hand over the tablet").click()
    assert page.url.endswith("/kiosk")
    problems = [f"kiosk: {c}" for c in raw_codes(page.inner_text("body"))]
    # Sent with nothing answered: the refusal is a sentence too.
    problems += _spoilt(page, demo_site, demo_site.url + "/kiosk", "form.assessment")
    page.goto(demo_site.url + "/kiosk/unlock")
    problems += [f"unlock: {c}" for c in raw_codes(page.inner_text("body"))]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the unlock page is {width}px wide"
    assert not problems, "\n".join(problems)
