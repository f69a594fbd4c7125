"""What the crash test's writers sent, and which writes the server acknowledged.

Every write is entered in the ledger BEFORE it is sent, so a write the server may have
committed without answering (killed in between) is known too: after a crash it may be present
or absent, but never half-present. A write is ACKNOWLEDGED when a 2xx answer arrived; those must
all survive every crash.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

__all__ = ["Attempt", "Ledger", "write_until"]

API = "/api/v1"


@dataclass
class Attempt:
    """One write request and what came of it."""

    seq: int
    cycle: int
    kind: str  # "create", "update" or "medication"
    tag: str  # the family name a create writes: how an unanswered create is recognised
    body: dict[str, Any]
    patient: str | None = None  # pseudonymous id: known for updates, and for answered creates
    status: int | None = None  # None: no answer (connection dropped by the kill)
    answered_at: float | None = None
    error: str = ""  # the start of a 5xx answer's body, for the failure message

    @property
    def acked(self) -> bool:
        """The client saw a 2xx answer."""
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Ledger:
    """Thread-safe log of every write attempt, in the order they were sent."""

    attempts: list[Attempt] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(
        self, cycle: int, kind: str, tag: str, body: dict[str, Any], patient: str | None = None
    ) -> Attempt:
        """Log a write about to be sent."""
        with self._lock:
            attempt = Attempt(len(self.attempts), cycle, kind, tag, body, patient)
            self.attempts.append(attempt)
            return attempt

    def acked_patients(self, writer: int, writers: int) -> list[str]:
        """Acknowledged patients this writer owns (one writer per patient: updates are ordered)."""
        with self._lock:
            return [
                a.patient
                for a in self.attempts
                if a.kind == "create"
                and a.acked
                and a.patient is not None
                and a.seq % writers == writer
            ]

    def wait_for_answer(self, cycle: int, timeout: float) -> None:
        """Wait until some write of ``cycle`` has an answer (raise after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if any(a.cycle == cycle and a.status is not None for a in reversed(self.attempts)):
                    return
            time.sleep(0.01)
        raise RuntimeError(f"cycle {cycle}: no write answered in {timeout} s")

    def acked(self) -> list[Attempt]:
        """Every acknowledged write."""
        with self._lock:
            return [a for a in self.attempts if a.acked]

    def server_errors(self, cycle: int, before: float | None = None) -> list[Attempt]:
        """5xx answers in ``cycle`` (answered before ``before``, when given)."""
        with self._lock:
            return [a for a in self.attempts if a.cycle == cycle and a.status is not None
                    and a.status >= 500 and (before is None or (a.answered_at or 0) < before)]


def _create_body(seq: int, tag: str) -> dict[str, Any]:
    return {
        "given_name": "Crash",
        "family_name": tag,
        "date_of_birth": (date(1940, 1, 1) + timedelta(days=seq % 20000)).isoformat(),
        "sex": ("female", "male", "other", "unknown")[seq % 4],
        "phone": f"+44 20 {seq:08d}",
        "email": f"c{seq}@example.org",
        "record_number": f"R-{tag}",
        "condition": {"kind": "dpn", "icd10": "E11.4", "onset": "2020-01-01"},
    }


def write_until(
    stop: threading.Event,
    ledger: Ledger,
    url: str,
    token: str,
    cycle: int,
    writer: int,
    writers: int,
    seed: int,
) -> None:
    """Create and update patients through the API until ``stop`` or the server goes away."""
    rng = random.Random(seed)
    with httpx.Client(
        base_url=url + API, timeout=10.0, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        while not stop.is_set():
            mine = ledger.acked_patients(writer, writers)
            roll = rng.random()
            if mine and roll < 0.25:
                patient = rng.choice(mine)
                attempt = ledger.enter(cycle, "medication", "", {}, patient)
                attempt.tag = f"drug{attempt.seq}"
                attempt.body = {"drug": attempt.tag, "daily_dose": 1 + attempt.seq % 97,
                                "unit": "mg", "start_on": "2026-01-05"}
                request = ("POST", f"/patients/{patient}/medications")
            elif mine and roll < 0.6:
                patient = rng.choice(mine)
                n = rng.randrange(10**8)
                attempt = ledger.enter(
                    cycle,
                    "update",
                    "",
                    {"phone": f"+44 161 {n:08d}", "email": f"u{n}@example.org"},
                    patient,
                )
                request = ("PATCH", f"/patients/{patient}")
            else:
                # The sequence number is taken inside enter(): reserve it first for the tag.
                attempt = ledger.enter(cycle, "create", "", {})
                attempt.tag = f"K{cycle}W{writer}S{attempt.seq}"
                attempt.body = _create_body(attempt.seq, attempt.tag)
                request = ("POST", "/patients")
            try:
                answer = client.request(*request, json=attempt.body)
            except httpx.HTTPError:
                return  # killed: this write has no answer
            attempt.answered_at = time.monotonic()
            if attempt.kind == "create" and answer.status_code == 201:
                attempt.patient = answer.json()["id"]
            if answer.status_code >= 500:
                attempt.error = answer.text[:300]
            attempt.status = answer.status_code
