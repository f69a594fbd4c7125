"""Shared by the reliability tests."""

from __future__ import annotations

import pytest

from acuneuro.services import throttle


@pytest.fixture(autouse=True)
def _expensive_requests_unlimited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fuzz test sends far more expensive requests (meta-analyses, FHIR exports, cohort
    analytics) per account than a person would: in this process the rate limits are lifted so
    every request reaches the code under test. The flood test's server runs in a subprocess,
    limits and all (they are tested in ``tests/security/test_login_throttle.py``)."""
    lifted = ("1000000 per second", "1000000 per second")
    monkeypatch.setattr(throttle, "LIMITS", dict.fromkeys(throttle.Work, lifted))
