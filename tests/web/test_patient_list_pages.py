"""The patient list pages: totals and paging, sorting, search forms and the duplicate warning."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from acuneuro.services import Context, PatientCreate
from acuneuro.services import patients as service
from acuneuro.store import Patient

FORM = {"given_name": "Quinn", "family_name": "Maple", "date_of_birth": "1984-07-09",
        "sex": "", "record_number": "", "phone": "", "email": "", "condition_kind": "",
        "icd10": "", "onset": ""}


def _csrf(client: TestClient, path: str = "/patients") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def _count(ctx: Context) -> int:
    with ctx.db.read() as session:
        return session.scalar(sa.select(sa.func.count(Patient.id))) or 0


def _seed(ctx: Context, actor: Any, count: int) -> None:
    for n in range(count):
        service.create_patient(ctx, actor, PatientCreate.model_validate({
            "given_name": f"Given{n:03d}", "family_name": f"Family{n:03d}",
            "date_of_birth": "1970-01-01", "confirm_duplicate": True}))


def test_the_list_says_which_patients_of_how_many_and_pages_on(
    web_as: Callable[[str], TestClient], ctx: Context, actors: Any
) -> None:
    _seed(ctx, actors["alice"].actor, 101)
    alice = web_as("alice")
    first = alice.get("/patients").text
    assert "Patients 1–100 of 101" in first
    assert 'href="/patients?offset=100&amp;sort=name" rel="next"' in first
    assert 'rel="prev"' not in first
    second = alice.get("/patients?offset=100").text
    assert "Patients 101–101 of 101" in second and "Family100" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_exactly_100_patients_have_no_next_page(
    web_as: Callable[[str], TestClient], ctx: Context, actors: Any
) -> None:
    _seed(ctx, actors["alice"].actor, 100)
    page = web_as("alice").get("/patients").text
    assert "Patients 1–100 of 100" in page and 'rel="next"' not in page


def test_a_search_finds_by_name_in_either_order_and_pages_by_post(
    web_as: Callable[[str], TestClient], ctx: Context, actors: Any
) -> None:
    _seed(ctx, actors["alice"].actor, 101)
    alice = web_as("alice")
    found = alice.post("/patients/search", data={"q": "family050 GIVEN050", "csrf": _csrf(alice)})
    assert "Patients 1–1 of 1" in found.text and "Family050, Given050" in found.text
    paged = alice.post("/patients/search",
                       data={"q": "given", "offset": "100", "csrf": _csrf(alice)}).text
    assert "Patients 101–101 of 101" in paged
    # The next page of a search is a form that posts the terms again, not a link with them.
    first = alice.post("/patients/search", data={"q": "given", "csrf": _csrf(alice)}).text
    assert 'name="offset" value="100"' in first and "q=given" not in first


def test_the_list_sorts_by_the_order_chosen(
    web_as: Callable[[str], TestClient], ctx: Context, actors: Any
) -> None:
    _seed(ctx, actors["alice"].actor, 2)
    alice = web_as("alice")
    page = alice.get("/patients?sort=last_visit").text
    assert 'value="last_visit" selected' in page and "by last visit" in page
    assert alice.get("/patients?sort=nonsense").status_code == 422


def test_a_probable_duplicate_asks_for_confirmation_keeping_what_was_typed(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    assert alice.post("/patients/new", data={**FORM, "csrf": _csrf(alice)}).status_code == 303
    typed = {**FORM, "given_name": "quinn", "family_name": "Mäple", "phone": "+44 20 7946 0001"}
    warned = alice.post("/patients/new", data={**typed, "csrf": _csrf(alice)})
    assert warned.status_code == 409 and _count(ctx) == 1
    assert "This patient may already be registered" in warned.text
    assert "Maple, Quinn" in warned.text
    assert 'value="Mäple"' in warned.text and 'value="+44 20 7946 0001"' in warned.text
    assert 'name="confirm_duplicate" value="yes"' in warned.text
    assert "Create a new patient anyway" in warned.text
    confirmed = alice.post("/patients/new", data={**typed, "confirm_duplicate": "yes",
                                                  "csrf": _csrf(alice)})
    assert confirmed.status_code == 303 and _count(ctx) == 2
