"""Handing the tablet over from a logged-in test client (the kiosk tests' shared steps)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx2 import Response

__all__ = ["csrf_in", "hand_over"]


def csrf_in(page: str) -> str:
    """The CSRF token of the first form on ``page``."""
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page[:200]
    return match.group(1)


def hand_over(client: TestClient, pid: str, instrument: str) -> Response:
    """Confirm the hand-over as the clinician does; the kiosk page the patient then sees."""
    confirm = client.get(f"/patients/{pid}/assessments/new?instrument={instrument}&mode=tablet")
    assert confirm.status_code == 200, confirm.text
    answer = client.post(f"/patients/{pid}/assessments/kiosk",
                         data={"csrf": csrf_in(confirm.text), "instrument": instrument})
    assert answer.status_code == 303 and answer.headers["location"] == "/kiosk", answer.text
    return client.get("/kiosk")
