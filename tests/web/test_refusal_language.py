"""A refused page speaks the reader's language and names no code: a researcher who opens the
day's list, the calendar, the patients or the referring doctors reads, in Italian, that a
researcher cannot do this, never ``the researcher role may not do this with appointments``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.conftest import Account

from acuneuro.services import Context
from acuneuro.services.accounts import issue_session

_ITALIAN = {"Accept-Language": "it-IT,it;q=0.9"}
# Words of the old refusals: a role code, a table name, English grammar of the code.
_CODES = re.compile(r"\b(researcher|role|appointments?s?|patients|referrers?|clinician)\b")


@pytest.fixture
def dana(app: FastAPI, ctx: Context, actors: dict[str, Account]) -> Iterator[TestClient]:
    """The researcher's browser, past the login (which would ask for her second factor)."""
    with TestClient(app, base_url="http://localhost", follow_redirects=False) as client:
        client.cookies.set("acuneuro_session", issue_session(ctx, actors["dana"].actor))
        yield client


def _message(page: str) -> str:
    """The text of the page's main part (the menu names pages, not the refusal)."""
    main = re.search(r"<main\b.*?</main>", page, re.S)
    return re.sub(r"<[^>]+>", " ", main.group(0) if main else page)


@pytest.mark.parametrize("path", ["/today", "/calendar", "/patients", "/referrers"])
def test_a_researchers_refused_page_in_italian_is_italian_and_names_no_role_code(
    dana: TestClient, path: str
) -> None:
    answer = dana.get(path, headers=_ITALIAN)
    assert answer.status_code == 403, answer.text[:300]
    text = _message(answer.text)
    assert "Un ricercatore non può" in text, text
    assert not _CODES.search(text), text
    assert "may not" not in text and "cannot" not in text
    # The way back is "back to the start page", not the body's back ("Posteriore").
    assert "Torna alla pagina iniziale" in text and "Posteriore" not in text


def test_the_same_refusal_in_english_is_a_plain_sentence(dana: TestClient) -> None:
    answer = dana.get("/patients", headers={"Accept-Language": "en"})
    assert answer.status_code == 403
    text = _message(answer.text)
    assert "A researcher cannot open patient records." in text
    assert "role" not in text


def test_an_api_refusal_keeps_its_json_shape_in_the_readers_language(
    api_as: Callable[[str], TestClient]
) -> None:
    answer = api_as("dana").get("/api/v1/patients", headers=_ITALIAN)
    assert answer.status_code == 403
    assert answer.json() == {
        "detail": "Un ricercatore non può aprire le cartelle dei pazienti."}
