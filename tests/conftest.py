"""Shared fixtures: databases on every backend, three actors, API clients, a live server, a browser.

Fixtures for later features (use them, do not rebuild them):

``backend``            "sqlite" or "postgresql"; tests that use ``db_url``/``database``/``ctx``
                       (directly or through another fixture) run once per backend, with ids
                       ``[sqlite]`` and ``[postgresql]``. PostgreSQL is the real server at
                       ``ACUNEURO_TEST_POSTGRES_URL`` (default
                       ``postgresql+psycopg://postgres@127.0.0.1:5432/test``): each test session
                       (each xdist worker) creates its own uniquely named database and drops it at
                       the end. If the server does not answer, every PostgreSQL test FAILS (never
                       skips), and the summary line "store backends: ..." says which ran.
``db_url``             URL of an empty database migrated to the newest revision; every table is
                       emptied after the test.
``database``           a ``store.Database`` on ``db_url``.
``ctx``                a ``services.Context`` on ``database`` with fixed test keys.
``actors``             Healthchecks-style actors: ``alice`` (clinician, clinic A, the owner),
                       ``bob`` (clinician, clinic A, her colleague), ``charlie`` (clinician, clinic
                       B, the outsider), ``dana`` (researcher, clinic A), ``erin`` (admin,
                       clinic A). Each is an ``Account`` with ``.actor`` (a ``services.Actor``),
                       ``.email`` and ``.password``.
``app``                the whole ASGI application (API + web) over ``ctx``.
``anonymous``          a ``TestClient`` with no credentials (base URL http://localhost).
``api_as``             ``api_as("alice")`` -> a ``TestClient`` sending alice's bearer token.
``web_as``             ``web_as("alice")`` -> a ``TestClient`` logged in through the login form
                       (session and CSRF cookies set); ``csrf_of(client)`` reads its CSRF token.
``live_server``        (session) the real app under uvicorn on a free 127.0.0.1 port, in a
                       thread, on its own SQLite file with the same actors: ``.url``, ``.ctx``,
                       ``.accounts``.
``browser``            (session) headless Debian Chromium driven by Playwright (sync API).
``page``               a fresh browser page (own cookies) for one test.
``logged_in_page``     a page already logged in as alice on ``live_server``.

Browser tests: mark them ``@pytest.mark.browser``; this file puts them in one xdist group so
two Chromiums never fight (``make test`` runs ``--dist loadgroup``).
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from acuneuro.analytics.registry import DatabaseSink, generate_registry
from acuneuro.services import Actor, Context
from acuneuro.services._passwords import hash_password
from acuneuro.services.accounts import issue_token
from acuneuro.store import (
    Base,
    Clinic,
    Database,
    Role,
    ThrottleCount,
    User,
    companion_url,
    upgrade,
)

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")
SIGNING_KEY = "test-signing-key-" + "x" * 32
AUDIT_KEY = b"test-audit-key-" + b"y" * 32
MFA_KEY = b"test-mfa-key-" + b"z" * 32
PASSWORD = "correct horse battery staple"
# Keys of a PostgreSQL database default to $XDG_STATE_HOME/acuneuro (settings.default_key_dir):
# a test session's own folder, never the home directory shared with other runs.
os.environ.setdefault("XDG_STATE_HOME", tempfile.mkdtemp(prefix="acuneuro-test-state-"))


# ---------------------------------------------------------------- backends


class _Backends:
    """Creates one migrated database per backend, lazily, once per test session."""

    def __init__(self, tmp: Path, admin_url: str) -> None:
        self._tmp = tmp
        self._admin_url = admin_url
        self._urls: dict[str, str] = {}
        self._failure: str | None = None
        self._pg_name: str | None = None

    def url(self, backend: str) -> str:
        if backend not in self._urls:
            self._urls[backend] = self._create(backend)
        return self._urls[backend]

    def _create(self, backend: str) -> str:
        if backend == "sqlite":
            url = f"sqlite:///{self._tmp / 'store.db'}"
        else:
            url = self._create_postgres()
        engine = Database(url).engine
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        return url

    def _create_postgres(self) -> str:
        if self._failure is not None:
            pytest.fail(self._failure, pytrace=False)
        admin = make_url(self._admin_url).update_query_dict({"connect_timeout": "5"})
        name = f"acuneuro_test_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except sa.exc.OperationalError as exc:
            self._failure = (
                f"PostgreSQL at {self._admin_url} did not answer ({exc.orig}); the PostgreSQL "
                "tests cannot run. Start it (make services) or set ACUNEURO_TEST_POSTGRES_URL."
            )
            pytest.fail(self._failure, pytrace=False)
        finally:
            engine.dispose()
        self._pg_name = name
        return admin.set(database=name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self._pg_name is None:
            return
        engine = sa.create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(
                    f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)'
                )
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def _backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Backends]:
    import os

    backends = _Backends(
        tmp_path_factory.mktemp("store"),
        os.environ.get("ACUNEURO_TEST_POSTGRES_URL", PG_ADMIN_URL),
    )
    yield backends
    backends.drop()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend this test runs on."""
    return str(request.param)


@pytest.fixture
def db_url(backend: str, _backends: _Backends) -> Iterator[str]:
    """An empty, migrated database on ``backend``; emptied again after the test."""
    url = _backends.url(backend)
    yield url
    _empty_all_tables(url)


def _empty_all_tables(url: str) -> None:
    # DELETE, not TRUNCATE: on tables this small PostgreSQL's TRUNCATE costs ~1 s per test.
    database = Database(url)
    try:
        with database.write() as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(table.delete())
    finally:
        database.dispose()
    companion = companion_url(make_url(url))  # a SQLite database's rate-limit counters
    if companion is not None and Path(str(companion.database)).exists():
        counters = Database(companion)
        try:
            with counters.write() as session:
                session.execute(sa.delete(ThrottleCount))
        finally:
            counters.dispose()


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """A ``store.Database`` on the test's backend."""
    db = Database(db_url)
    yield db
    db.dispose()


def make_context(database: Database) -> Context:
    """A service context with the fixed test keys."""
    return Context(database, SIGNING_KEY, AUDIT_KEY, token_minutes=15, session_hours=12,
                   mfa_key=MFA_KEY)


@pytest.fixture
def ctx(database: Database) -> Context:
    """The service context every use case takes."""
    return make_context(database)


# ---------------------------------------------------------------- actors


@dataclass(frozen=True)
class Account:
    """A test account: what the services see, and what a person would type."""

    actor: Actor
    email: str
    password: str


_ACTORS = {
    "alice": ("Clinic A", Role.CLINICIAN),
    "bob": ("Clinic A", Role.CLINICIAN),
    "charlie": ("Clinic B", Role.CLINICIAN),
    "dana": ("Clinic A", Role.RESEARCHER),
    "erin": ("Clinic A", Role.ADMIN),
}


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2id hash of ``PASSWORD`` per session: hashing costs 64 MiB and ~50 ms."""
    return hash_password(PASSWORD)


def create_accounts(ctx: Context, password_hash: str) -> dict[str, Account]:
    """Clinics A and B with alice, bob, charlie, dana and erin."""
    accounts: dict[str, Account] = {}
    with ctx.db.write() as session:
        clinics = {name: Clinic(name=name) for name in ("Clinic A", "Clinic B")}
        session.add_all(clinics.values())
        for name, (clinic, role) in _ACTORS.items():
            user = User(clinic=clinics[clinic], email=f"{name}@example.org", role=role,
                        password_hash=password_hash)
            session.add(user)
            session.flush()
            accounts[name] = Account(Actor.of(user, "testclient"), user.email, PASSWORD)
    return accounts


@pytest.fixture
def actors(ctx: Context, password_hash: str) -> dict[str, Account]:
    """alice and bob (clinic A), charlie (clinic B), dana (researcher A), erin (admin A)."""
    return create_accounts(ctx, password_hash)


@pytest.fixture
def registry_clinic(ctx: Context, actors: dict[str, Account]) -> Callable[..., int]:
    """``registry_clinic("alice")``: a synthetic registry of 120 patients in two clinics; the
    named staff join its first clinic, whose id is returned."""

    def move(*names: str) -> int:
        generate_registry(DatabaseSink(ctx.db.engine), 120, clinics=2, seed=21,
                          generated_at=datetime(2026, 11, 1, tzinfo=UTC))
        with ctx.db.write() as session:
            clinic = session.scalars(sa.select(Clinic.id).where(Clinic.name.like("Synthetic%"))
                                     .order_by(Clinic.id)).first()
            assert clinic is not None
            emails = [actors[n].email for n in names]
            session.execute(sa.update(User).where(User.email.in_(emails))
                            .values(clinic_id=clinic))
        return clinic

    return move


# ---------------------------------------------------------------- HTTP clients


@pytest.fixture
def app(ctx: Context) -> FastAPI:
    """The whole application over the test's context."""
    from acuneuro.asgi import create_app

    return create_app(ctx=ctx)


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    """A client without credentials."""
    with TestClient(app, base_url="http://localhost") as client:
        yield client


@pytest.fixture
def api_as(
    app: FastAPI, ctx: Context, actors: dict[str, Account]
) -> Iterator[Callable[[str], TestClient]]:
    """``api_as("alice")``: a client that sends alice's bearer token."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        token, _ = issue_token(ctx, actors[name].actor)
        client = TestClient(app, base_url="http://localhost",
                            headers={"Authorization": f"Bearer {token}"})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/") -> str:
    """The CSRF token the page at ``path`` gives this client."""
    match = _CSRF.search(client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


@pytest.fixture
def web_as(
    app: FastAPI, actors: dict[str, Account]
) -> Iterator[Callable[[str], TestClient]]:
    """``web_as("alice")``: a browser-like client logged in through the form."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        client = TestClient(app, base_url="http://localhost", follow_redirects=False)
        clients.append(client)
        answer = client.post("/login", data={"email": actors[name].email,
                                              "password": actors[name].password,
                                              "csrf": csrf_of(client)})
        assert answer.status_code == 303, answer.text
        return client

    yield make
    for client in clients:
        client.close()


# ---------------------------------------------------------------- live server and browser


@dataclass(frozen=True)
class LiveServer:
    """The real application served by uvicorn in a thread."""

    url: str
    ctx: Context
    accounts: dict[str, Account]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, password_hash: str
) -> Iterator[LiveServer]:
    """uvicorn on a free 127.0.0.1 port over its own migrated SQLite database."""
    import uvicorn

    from acuneuro.asgi import create_app

    database = Database(f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}")
    upgrade(database.engine)
    ctx = make_context(database)
    accounts = create_accounts(ctx, password_hash)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx=ctx), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", ctx, accounts)
    server.should_exit = True
    thread.join(timeout=10)
    database.dispose()


CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium under Playwright (browser downloads do not work here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page with its own cookies."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def logged_in_page(page: Any, live_server: LiveServer) -> Any:
    """A page logged in as alice on the live server, showing the patient list."""
    alice = live_server.accounts["alice"]
    page.goto(live_server.url + "/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(alice.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/today")  # the home page after login
    page.goto(live_server.url + "/patients")
    return page


# ---------------------------------------------------------------- hooks


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests share one xdist group: one Chromium at a time."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.xdist_group("browser"))


_ran: dict[str, set[str]] = {"passed": set(), "failed": set()}
_PARAMS = re.compile(r"\[([^\]]+)\]$")


# Reliability tests print one figure line each (cycles, writes, requests, cuts); under xdist
# their stdout is hidden, so the summary repeats them where CI's reader will see them.
_FIGURES = re.compile(r"^(crash\[|schemathesis\[|power-loss|web-fuzz\[|meta memory).*$",
                      re.MULTILINE)
_figures: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note which store backends had tests pass or fail (workers' reports come here too)."""
    if report.when == "call":
        _figures.extend(m.group(0) for m in _FIGURES.finditer(report.capstdout))
    match = _PARAMS.search(report.nodeid)
    if match is None or report.when not in {"setup", "call"}:
        return
    for backend_name in set(match.group(1).split("-")) & set(BACKENDS):
        if report.failed:
            _ran["failed"].add(backend_name)
        elif report.passed and report.when == "call":
            _ran["passed"].add(backend_name)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say which store backends ran, so a silently missing PostgreSQL cannot pass unseen."""
    if not (_ran["passed"] or _ran["failed"]):
        return
    passed = ", ".join(b for b in BACKENDS if b in _ran["passed"] - _ran["failed"]) or "none"
    line = f"store backends: {passed}"
    if _ran["failed"]:
        line += f" (FAILED on: {', '.join(b for b in BACKENDS if b in _ran['failed'])})"
    terminalreporter.write_line(line)
    for figure in _figures:
        terminalreporter.write_line(figure)
