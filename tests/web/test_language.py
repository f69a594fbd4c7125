"""The language of a page: the account's own choice, else Accept-Language, else English; the
login page's links; ``<html lang>``; the language saved on the account page."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.conftest import Account, csrf_of

from acuneuro.services import Context
from acuneuro.services.preferences import language_of


def _html_lang(text: str) -> str:
    match = re.search(r'<html lang="([a-z]+)">', text)
    assert match, "no lang attribute on <html>"
    return match.group(1)


def test_without_any_choice_the_login_page_is_english(anonymous: TestClient) -> None:
    page = anonymous.get("/")
    assert _html_lang(page.text) == "en"
    assert ">Log in</button>" in page.text
    assert page.headers["content-language"] == "en"


def test_an_italian_browser_gets_the_italian_login_page(anonymous: TestClient) -> None:
    page = anonymous.get("/", headers={"Accept-Language": "it-IT,it;q=0.9,en;q=0.5"})
    assert _html_lang(page.text) == "it"
    assert ">Accedi</button>" in page.text and "Log in" not in page.text
    assert page.headers["content-language"] == "it"


def test_the_login_pages_language_link_is_kept_in_a_cookie(anonymous: TestClient) -> None:
    chosen = anonymous.get("/?lang=it", headers={"Accept-Language": "en"})
    assert _html_lang(chosen.text) == "it"
    assert "acuneuro_lang=it" in chosen.headers["set-cookie"]
    # The next page, without the parameter and from an English browser, stays Italian.
    later = anonymous.get("/", headers={"Accept-Language": "en"})
    assert _html_lang(later.text) == "it"
    back = anonymous.get("/?lang=en")
    assert _html_lang(back.text) == "en"


def test_an_unknown_language_parameter_is_ignored(anonymous: TestClient) -> None:
    page = anonymous.get("/?lang=xx", headers={"Accept-Language": "it"})
    assert _html_lang(page.text) == "it"
    assert "acuneuro_lang" not in page.headers.get("set-cookie", "")


def test_the_language_saved_on_the_account_wins_over_the_browser(
    web_as: Callable[[str], TestClient], ctx: Context, actors: dict[str, Account]
) -> None:
    alice = web_as("alice")
    answer = alice.post("/account/language", data={"locale": "it",
                                                   "csrf": csrf_of(alice, "/account")})
    assert answer.status_code == 303
    assert language_of(ctx, actors["alice"].actor.user_id) == "it"
    page = alice.get("/account?saved=language", headers={"Accept-Language": "en"})
    assert _html_lang(page.text) == "it" and "Lingua salvata." in page.text
    # A new browser (no cookie) logging in as alice gets her language from her account.
    fresh = TestClient(alice.app, base_url="http://localhost", follow_redirects=False)
    login = fresh.post("/login", headers={"Accept-Language": "en"},
                       data={"email": actors["alice"].email, "password": actors["alice"].password,
                             "csrf": csrf_of(fresh)})
    assert "acuneuro_lang=it" in login.headers["set-cookie"]
    patients = fresh.get("/patients", headers={"Accept-Language": "en"})
    assert _html_lang(patients.text) == "it" and ">Pazienti</a>" in patients.text


def test_following_the_browser_again_forgets_the_saved_language(
    web_as: Callable[[str], TestClient], ctx: Context, actors: dict[str, Account]
) -> None:
    alice = web_as("alice")
    alice.post("/account/language", data={"locale": "it", "csrf": csrf_of(alice, "/account")})
    alice.post("/account/language", data={"locale": "", "csrf": csrf_of(alice, "/account")})
    assert language_of(ctx, actors["alice"].actor.user_id) is None
    page = alice.get("/account", headers={"Accept-Language": "en"})
    assert _html_lang(page.text) == "en"


def test_an_unknown_language_on_the_account_page_is_refused_with_a_sentence(
    web_as: Callable[[str], TestClient], ctx: Context, actors: dict[str, Account]
) -> None:
    alice = web_as("alice")
    answer = alice.post("/account/language", data={"locale": "xx",
                                                   "csrf": csrf_of(alice, "/account")})
    assert answer.status_code == 400
    assert "Language: choose one of the languages listed." in answer.text
    assert language_of(ctx, actors["alice"].actor.user_id) is None


def test_the_api_answers_in_the_language_asked_for(anonymous: TestClient) -> None:
    answer = anonymous.get("/api/v1/health", headers={"Accept-Language": "it"})
    assert answer.headers["content-language"] == "it"


def test_the_page_header_names_the_role_in_the_readers_language(
    web_as: Callable[[str], TestClient],
) -> None:
    english = web_as("alice").get("/patients", headers={"Accept-Language": "en"})
    italian = web_as("alice").get("/patients", headers={"Accept-Language": "it"})
    assert "(clinician)" in english.text
    assert "(medico)" in italian.text and "(clinician)" not in italian.text
