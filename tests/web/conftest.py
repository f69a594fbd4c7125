"""Fixtures of the browser tests that crawl the synthetic demo clinic (shared by the screen
crawl and the clinician-language checks, so the clinic is seeded once per run)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from tests.web._demo import RESEARCHER_EMAIL, RESEARCHER_PASSWORD, open_demo

from acuneuro.services import demo
from acuneuro.services.accounts import add_user
from acuneuro.store import Role


@pytest.fixture(scope="session")
def demo_site(live_server: Any) -> Any:
    """The live server with a three-patient demo clinic and a researcher in it."""
    demo.seed_demo(live_server.ctx, patients=3, seed=1, today=date.today())
    add_user(live_server.ctx, clinic=demo.DEMO_CLINIC, email=RESEARCHER_EMAIL,
             role=Role.RESEARCHER, password=RESEARCHER_PASSWORD)
    return live_server


@pytest.fixture
def clinician(browser: Any, demo_site: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The demo clinician, logged in at the width given as the fixture's parameter."""
    page = open_demo(browser, demo_site, request.param, demo.DEMO_EMAIL, demo.DEMO_PASSWORD)
    yield page
    page.context.close()
