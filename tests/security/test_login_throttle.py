"""Abuse cannot stop the clinic (issue 13): throttles decided before any hashing, a delay a
stranger cannot turn into the owner's lockout, 429 with Retry-After on logins and on the
expensive requests, and cohort analytics that never take the writer lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import make_context

from acuneuro.asgi import create_app
from acuneuro.services import (
    AuthenticationFailed,
    Context,
    Throttled,
    _passwords,
    accounts,
    analytics,
    lockout,
)
from acuneuro.services import throttle as throttle_service
from acuneuro.store import Database

_TOKEN = "/api/v1/auth/token"


class Clock:
    """``time.time`` that only moves when told (the limits' windows read it)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Frozen wall-clock time for the rate-limit windows."""
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refusals answered at once (the one-second pause is its own test)."""
    monkeypatch.setattr(throttle_service, "REFUSAL_PAUSE", 0.0)


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification, in order (the real hasher still answers)."""
    seen: list[str] = []
    real = _passwords._hasher

    class Spy:
        def verify(self, stored: str, password: str) -> bool:
            seen.append(stored)
            return real.verify(stored, password)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    monkeypatch.setattr(_passwords, "_hasher", Spy())
    return seen


def _fail(ctx: Context, email: str, source: str) -> None:
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(ctx, email, "not the password at all", source)


def test_a_throttled_address_is_refused_before_any_password_is_hashed(
    ctx: Context, actors: Any, hashes: list[str]
) -> None:
    for number in range(lockout_address_limit()):
        _fail(ctx, f"ghost{number}@example.org", "10.0.0.9")
    assert len(hashes) == lockout_address_limit()
    for email in ("ghost@example.org", actors["alice"].email):
        with pytest.raises(Throttled) as wait:
            accounts.authenticate(ctx, email, actors["alice"].password, "10.0.0.9")
        assert "this address" in str(wait.value) and wait.value.retry_after >= 1
    assert len(hashes) == lockout_address_limit()  # neither refusal hashed anything


def lockout_address_limit() -> int:
    """The failures one address may have in its window (20 in 15 minutes)."""
    return int(lockout.ADDRESS_FAILURES.split()[0])


def test_the_owner_logs_in_from_another_address_after_a_stranger_failed_many_times(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"]
    refused = 0
    for _ in range(30):
        try:
            accounts.authenticate(ctx, alice.email, "not the password at all", "203.0.113.66")
        except Throttled:
            refused += 1
        except AuthenticationFailed:
            pass
    assert refused == 27  # the stranger was slowed down after three guesses
    assert accounts.authenticate(ctx, alice.email, alice.password, "10.0.0.7").email == \
        alice.email


def test_the_delay_grows_per_account_and_address_and_a_right_password_ends_it(
    ctx: Context, actors: Any, clock: Clock
) -> None:
    alice, here = actors["alice"], "10.0.0.8"
    for _ in range(3):
        _fail(ctx, alice.email, here)
    with pytest.raises(Throttled) as first:
        accounts.authenticate(ctx, alice.email, alice.password, here)
    assert 1 <= first.value.retry_after <= 60
    clock.now += 61
    for _ in range(3):
        _fail(ctx, alice.email, here)
    with pytest.raises(Throttled) as second:
        accounts.authenticate(ctx, alice.email, alice.password, here)
    assert 60 < second.value.retry_after <= 15 * 60  # the next step: the rest of 15 minutes
    clock.now += 15 * 60 + 1
    assert accounts.authenticate(ctx, alice.email, alice.password, here).email == alice.email
    _fail(ctx, alice.email, here)  # counted from zero again: no delay after one failure
    assert lockout.refusal(ctx, alice.email, here) is None


def test_the_account_ceiling_spares_the_addresses_the_owner_logged_in_from(
    ctx: Context, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = actors["alice"]
    # A fast stand-in for argon2: a hundred real hashes would only make the test slow.
    monkeypatch.setattr(accounts, "verify", lambda stored, password: (
        stored is not None and password == alice.password, None))
    accounts.authenticate(ctx, alice.email, alice.password, "10.0.0.1")  # her usual address
    ceiling = int(lockout.ACCOUNT_CEILING.split()[0])
    for guess in range(ceiling):  # three guesses from each of many addresses
        _fail(ctx, alice.email, f"198.51.100.{guess // 3}")
    with pytest.raises(Throttled) as wait:
        accounts.authenticate(ctx, alice.email, alice.password, "192.0.2.200")
    assert "this account" in str(wait.value)
    assert accounts.authenticate(ctx, alice.email, alice.password, "10.0.0.1").email == \
        alice.email


def test_a_login_flood_answers_429_with_retry_after_after_a_pause(
    actors: Any, anonymous: TestClient
) -> None:
    wrong = {"username": actors["alice"].email, "password": "a wrong password"}
    assert {anonymous.post(_TOKEN, data=wrong).status_code for _ in range(3)} == {401}
    started = time.monotonic()
    refused = anonymous.post(_TOKEN, data=wrong)
    assert time.monotonic() - started >= throttle_service.REFUSAL_PAUSE * 0.9
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["detail"].startswith("Too many failed logins")


def test_two_servers_on_one_database_refuse_at_the_same_figures(
    db_url: str, app: Any, actors: Any, no_pause: None
) -> None:
    # A second app on its own Database (its own engine and pool): what another worker process
    # of `acuneuro serve --workers 2` runs. Each took a share of the three failures.
    second = Database(db_url)
    try:
        with TestClient(app, base_url="http://localhost") as one, TestClient(
                create_app(ctx=make_context(second)), base_url="http://localhost") as other:
            wrong = {"username": actors["alice"].email, "password": "a wrong password"}
            assert [one.post(_TOKEN, data=wrong).status_code for _ in range(2)] == [401, 401]
            assert other.post(_TOKEN, data=wrong).status_code == 401
            for client in (one, other):
                refused = client.post(_TOKEN, data=wrong)
                assert refused.status_code == 429, refused.text
                assert refused.json()["detail"].startswith("Too many failed logins")
    finally:
        second.dispose()


def test_the_login_page_says_when_to_try_again(
    app: Any, actors: Any, no_pause: None
) -> None:
    with TestClient(app, base_url="http://localhost", follow_redirects=False) as browser:
        csrf = _csrf(browser)
        form = {"email": actors["bob"].email, "password": "a wrong password", "csrf": csrf}
        assert [browser.post("/login", data=form).status_code for _ in range(3)] == [401] * 3
        page = browser.post("/login", data=form)
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
    assert "try again in" in page.text and "Throttled" not in page.text


def _csrf(client: TestClient) -> str:
    import re

    match = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("GET", "/api/v1/analytics/cohort", 2),
    ("POST", "/api/v1/meta", 5),
    ("GET", "/fhir/Patient/PNOSUCHPATIENT/$everything", 5),
])
def test_expensive_requests_answer_429_with_retry_after_over_the_limit(
    api_as: Callable[[str], TestClient], no_pause: None, clock: Clock, method: str, path: str,
    allowed: int,
) -> None:
    client = api_as("alice")  # the clock stands still: a slow first answer cannot free a slot
    body = b"yi,vi\n0.1,0.01\n0.3,0.02\n" if method == "POST" else None
    answers = [client.request(method, path, content=body) for _ in range(allowed)]
    assert all(a.status_code != 429 for a in answers), [a.status_code for a in answers]
    refused = client.request(method, path, content=body)
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    said = refused.json()
    # Under /fhir every refusal is an OperationOutcome, with the same sentence.
    assert "try again in" in (said["issue"][0]["diagnostics"] if path.startswith("/fhir/")
                              else said["detail"])
    assert api_as("bob").request(method, path, content=body).status_code != 429  # per account


def test_report_pdfs_answer_429_with_retry_after_over_the_limit(
    web_as: Callable[[str], TestClient], no_pause: None, clock: Clock
) -> None:
    browser = web_as("alice")
    path = "/patients/PNOSUCHPATIENT/report.pdf"
    assert {browser.get(path).status_code for _ in range(5)} == {404}
    refused = browser.get(path)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "report PDFs" in refused.text


def test_cohort_analytics_read_and_compute_while_a_write_holds_the_writer_lock(
    ctx: Context, registry_clinic: Any, actors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry_clinic("alice")
    alice = accounts.authenticate(ctx, actors["alice"].email, actors["alice"].password, None)
    computed, release = threading.Event(), threading.Event()
    real_record = analytics.record_alone  # type: ignore[attr-defined]

    def record_after_the_figures(*args: Any, **kwargs: Any) -> None:
        computed.set()  # the clinic was read and its figures computed
        real_record(*args, **kwargs)

    monkeypatch.setattr(analytics, "record_alone", record_after_the_figures)
    holder_ready = threading.Event()

    def hold_the_writer_lock() -> None:
        with ctx.db.write():
            holder_ready.set()
            release.wait(120)

    holder = threading.Thread(target=hold_the_writer_lock)
    holder.start()
    result: list[Any] = []
    assert holder_ready.wait(30)
    reader = threading.Thread(target=lambda: result.append(analytics.clinic_dashboard(ctx, alice)))
    reader.start()
    try:
        assert computed.wait(120), "the cohort read waited for the writer lock"
        assert not result  # its audit row, a write, waits: no figure before it is committed
    finally:
        release.set()
        holder.join(30)
        reader.join(120)
    assert result and result[0].rows
