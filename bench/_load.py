"""Load generators for ``bench.api``: wrk when installed, else a pool of httpx clients.

Both run outside the server's processes (wrk is its own process; the httpx pool runs in the
benchmark's process, the server in uvicorn's). wrk (Debian package ``wrk``, written in C) keeps
the load generator's own cost small on a machine of two cores; the httpx fallback is a closed
loop of ``CONNECTIONS`` threads and is itself limited by Python, so its ceiling is lower.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["CONNECTIONS", "Load", "generator", "run_load"]

# Open connections, each sending its next request when the answer came (a closed loop).
CONNECTIONS = 8

# wrk's Lua hooks: paths cycle through the ids, each thread from its own place in the list;
# ``done`` prints one JSON line (latencies in microseconds).
_SCRIPT = """
local ids = {%(ids)s}
local pattern = %(pattern)s
local counter = 0
function setup(thread)
  thread:set("start", counter * 997)
  counter = counter + 1
end
local i = 0
function request()
  i = i + 1
  local id = ids[((start or 0) + i) %% #ids + 1]
  return wrk.format("GET", string.format(pattern, id))
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "micros": %%d, "p50": %%d, "p99": %%d, "errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@dataclass(frozen=True)
class Load:
    """What one endpoint answered under load: requests, seconds, p50/p99 and errors."""

    requests: int
    seconds: float
    p50: float
    p99: float
    errors: int

    @property
    def throughput(self) -> float:
        """Answers per second."""
        return self.requests / self.seconds


def generator() -> str:
    """``wrk`` when it is on the PATH, else ``httpx``."""
    return "wrk" if shutil.which("wrk") else "httpx"


def run_load(base: str, pattern: str, ids: Sequence[str], seconds: float,
             token: str | None) -> Load:
    """Send GET ``pattern % id`` (ids in turn) to ``base`` for ``seconds``, closed loop."""
    if generator() == "wrk":
        return _wrk(base, pattern, ids, seconds, token)
    return _httpx(base, lambda i: pattern % ids[i % len(ids)] if ids else pattern, seconds,
                  token)


def _wrk(base: str, pattern: str, ids: Sequence[str], seconds: float,
         token: str | None) -> Load:
    quoted = ",".join(json.dumps(i) for i in ids) or '""'
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_SCRIPT % {"ids": quoted, "pattern": json.dumps(pattern)})
    try:
        command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds:.0f}s",
                   "--timeout", "10s", "-s", script.name]
        if token:
            command += ["-H", f"Authorization: Bearer {token}"]
        out = subprocess.run([*command, base], capture_output=True, text=True, check=True)
    finally:
        Path(script.name).unlink()
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return Load(int(figures["requests"]), figures["micros"] / 1e6, figures["p50"] / 1e6,
                figures["p99"] / 1e6, int(figures["errors"]))


def _httpx(base: str, path: Callable[[int], str], seconds: float, token: str | None) -> Load:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    clients = [httpx.Client(base_url=base, headers=headers, timeout=30.0)
               for _ in range(CONNECTIONS)]
    deadline = time.perf_counter() + seconds

    def loop(n: int) -> tuple[list[float], int]:
        latencies: list[float] = []
        errors, i = 0, n * 997
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = clients[n].get(path(i))
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200
            i += 1
        return latencies, errors

    started = time.perf_counter()
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        results = list(pool.map(loop, range(CONNECTIONS)))
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    ordered = sorted(t for latencies, _ in results for t in latencies)

    def quantile(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return Load(len(ordered), elapsed, quantile(0.5), quantile(0.99),
                sum(errors for _, errors in results))
