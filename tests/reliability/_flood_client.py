"""The abusive side of the flood test, in its own process so its work is not timed with the reads.

Sixty connections post wrong passwords for one account as fast as the server answers, and
eight connections of one user ask for the clinic's cohort analytics as fast as the server
answers; neither waits for ``Retry-After`` (an abuser would not). Prints ``go`` once every
connection has started, then, after ``SECONDS``, one JSON line: the count of answers per kind
and status, and whether every 429 carried ``Retry-After``.

Usage: ``python _flood_client.py URL SECONDS EMAIL ANALYTICS_TOKEN``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import httpx

__all__ = ["main"]

LOGIN_CONNECTIONS = 60
ANALYTICS_CONNECTIONS = 8


Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def _loop(client: httpx.AsyncClient, kind: str, until: float, counts: Counter[str],
                send: Send) -> None:
    while time.monotonic() < until:
        try:
            answer = await send(client)
        except httpx.HTTPError as exc:
            counts[f"{kind} {type(exc).__name__}"] += 1
            continue
        counts[f"{kind} {answer.status_code}"] += 1
        if answer.status_code == 429 and "retry-after" not in answer.headers:
            counts[f"{kind} 429 without Retry-After"] += 1


async def _run(url: str, seconds: float, email: str, token: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=1)
    logins = [httpx.AsyncClient(base_url=url, limits=limits, timeout=60)
              for _ in range(LOGIN_CONNECTIONS)]
    boards = [httpx.AsyncClient(base_url=url, limits=limits, timeout=60,
                                headers={"Authorization": f"Bearer {token}"})
              for _ in range(ANALYTICS_CONNECTIONS)]

    async def login(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/api/v1/auth/token",
                                 data={"username": email, "password": "wrong password guess"})

    async def board(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get("/api/v1/analytics/cohort")

    until = time.monotonic() + seconds
    sys.stdout.write("go\n")
    sys.stdout.flush()
    try:
        await asyncio.gather(*[_loop(c, "login", until, counts, login) for c in logins],
                             *[_loop(c, "analytics", until, counts, board) for c in boards])
    finally:
        for client in [*logins, *boards]:
            await client.aclose()
    return counts


def main() -> None:
    """Flood, then print the counts as one JSON line."""
    url, seconds, email, token = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
    counts = asyncio.run(_run(url, seconds, email, token))
    sys.stdout.write(json.dumps(dict(counts)) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
