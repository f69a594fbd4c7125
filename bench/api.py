"""Benchmark: the clinician's read endpoints under concurrent load, against a minimal endpoint.

For each registry size (quick: 2,000 and 10,000 patients; full: 10,000, 100,000 and 1,000,000)
a synthetic registry is generated into a fresh store: SQLite by default, or a new PostgreSQL
database (``backend="postgresql"`` or ``ACUNEURO_BENCH_BACKEND=postgresql``) on the server at
``ACUNEURO_BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``),
dropped afterwards. A clinician of the largest clinic is added, and the real application
(``acuneuro.api.create_app``) is served by uvicorn in a subprocess on 127.0.0.1. In the same
run a minimal FastAPI endpoint (``/ping``, no database) is served by the same uvicorn, one
worker, the same way: it is the ceiling of the framework and server on this machine. Each
endpoint gets a bounded number of requests from a pool of httpx clients in threads (loopback
only). Endpoints: the patient list, the patient page, the outcome series and the plan list.
Reported: throughput, p50 and p99 latency, the ratio ceiling / endpoint (target: endpoint
throughput >= 50% of the ceiling with p99 < 50 ms at the second size), and the p99 growth from the
smallest to the largest registry (target <= 1.5x).
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

import acuneuro.store._course  # noqa: F401  (course tables on Base for create_all)
from acuneuro.analytics.registry import DatabaseSink, generate_registry
from acuneuro.services import Context
from acuneuro.services.accounts import add_user, authenticate, issue_token
from acuneuro.settings import Settings
from acuneuro.store import Base, Role, make_engine, upgrade

SEED = 77
# A made-up passphrase that passes the NIST checks of issue 13 (the old one no longer did).
PASSWORD = "quartz ember lagoon violet harbour 917"  # noqa: S105
THREADS = 8
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def minimal_app() -> FastAPI:
    """The ceiling: the same framework and server, one route, no database, no auth."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"status": "ok"}

    return app


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """uvicorn serving an app factory in a subprocess on a free loopback port."""

    def __init__(self, factory: str, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        root = str(Path(__file__).resolve().parent.parent)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", "1", "--log-level", "warning",
             "--no-access-log"],
            cwd=root, env={**os.environ, **env, "PYTHONPATH": root},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/", timeout=1.0)
                return
            except httpx.TransportError:
                if self._proc.poll() is not None:
                    raise RuntimeError(f"uvicorn {factory} exited") from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"uvicorn {factory} did not start")

    def stop(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def _load(base: str, paths: Callable[[int], str], total: int, token: str | None) -> Load:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    clients = [httpx.Client(base_url=base, headers=headers, timeout=30.0) for _ in range(THREADS)]
    for client in clients:  # warm the connections and the server
        client.get(paths(0))

    def one(i: int) -> tuple[float, bool]:
        client = clients[i % THREADS]
        started = time.perf_counter()
        response = client.get(paths(i))
        return time.perf_counter() - started, response.status_code == 200

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(one, range(total)))
    seconds = time.perf_counter() - started
    for client in clients:
        client.close()
    return Load(total, seconds, [r[0] for r in results], sum(1 for r in results if not r[1]))


@contextmanager
def _store(folder: Path, backend: str) -> Iterator[str]:
    """The URL of an empty store: a SQLite file in ``folder``, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'store.db'}"
        return
    admin_url = sa.engine.make_url(os.environ.get("ACUNEURO_BENCH_POSTGRES_URL", POSTGRES_URL))
    name = f"acuneuro_bench_api_{os.getpid()}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _registry(folder: Path, url: str, patients: int) -> tuple[dict[str, str], str, list[str]]:
    """A migrated store with the registry and a clinician: env, token, pseudo ids."""
    engine = make_engine(url)
    upgrade(engine)
    Base.metadata.create_all(engine, checkfirst=True)
    report = generate_registry(DatabaseSink(engine), patients, clinics=20, seed=SEED)
    with engine.connect() as conn:
        ids = conn.exec_driver_sql(
            "SELECT pseudo_id FROM patients WHERE clinic_id = 1 ORDER BY id LIMIT 2000"
        ).scalars().all()
    engine.dispose()
    backend = "SQLite" if engine.dialect.name == "sqlite" else "PostgreSQL"
    print(f"api: {patients:,} patients, {report.total_rows:,} rows into {backend} in "
          f"{report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s)")
    env = {
        "ACUNEURO_DATABASE_URL": url,
        "ACUNEURO_SECRET_KEY": "bench-secret-" + "s" * 40,
        "ACUNEURO_AUDIT_KEY": "bench-audit-" + "a" * 40,
        "ACUNEURO_KEY_DIR": str(folder),
    }
    settings = Settings(database_url=url, secret_key=env["ACUNEURO_SECRET_KEY"],
                        audit_key=env["ACUNEURO_AUDIT_KEY"], key_dir=folder)
    ctx = Context.from_settings(settings)
    try:
        add_user(ctx, clinic=f"Synthetic registry clinic 001 (seed {SEED})",
                 email="bench.clinician@example.invalid", role=Role.CLINICIAN, password=PASSWORD)
        actor = authenticate(ctx, "bench.clinician@example.invalid", PASSWORD, None)
        token, _ = issue_token(ctx, actor)
    finally:
        ctx.db.dispose()
    return env, token, list(ids)


def _line(label: str, load: Load) -> str:
    return (f"api: {label:<34} {load.throughput:8.1f} req/s  p50 {1000 * load.quantile(0.5):7.1f}"
            f" ms  p99 {1000 * load.quantile(0.99):7.1f} ms  errors {load.errors}")


def _endpoints(ids: list[str]) -> dict[str, Callable[[int], str]]:
    def pick(i: int) -> str:
        return ids[i % len(ids)]

    return {
        "GET /api/v1/patients?limit=20": lambda i: "/api/v1/patients?limit=20",
        "GET /api/v1/patients/{id}": lambda i: f"/api/v1/patients/{pick(i)}",
        "GET /api/v1/patients/{id}/outcomes": lambda i: f"/api/v1/patients/{pick(i)}/outcomes",
        "GET /api/v1/patients/{id}/plans": lambda i: f"/api/v1/patients/{pick(i)}/plans",
    }


def run(quick: bool, sizes: tuple[int, ...] | None = None, backend: str | None = None) -> None:
    """Print throughput and latency per endpoint and size, and the ratios."""
    backend = backend or os.environ.get("ACUNEURO_BENCH_BACKEND", "sqlite")
    if backend not in ("sqlite", "postgresql"):
        raise SystemExit(f"ACUNEURO_BENCH_BACKEND: {backend!r} is not sqlite or postgresql")
    print(f"api: store backend {backend}")
    sizes = sizes or ((2_000, 10_000) if quick else (10_000, 100_000, 1_000_000))
    total = 400 if quick else 2000
    ceiling_runs: list[float] = []
    by_size: dict[int, dict[str, Load]] = {}
    for patients in sizes:
        with (tempfile.TemporaryDirectory(prefix="acuneuro-bench-api-") as tmp,
              _store(Path(tmp), backend) as url):
            env, token, ids = _registry(Path(tmp), url, patients)
            shuffled = random.Random(SEED).sample(ids, len(ids))
            app = Server("acuneuro.api:create_app", env)
            minimal = Server("bench.api:minimal_app", {})
            try:
                ceiling = _load(minimal.url, lambda i: "/ping", total, None)
                loads = {label: _load(app.url, path, total, token)
                         for label, path in _endpoints(shuffled).items()}
            finally:
                app.stop()
                minimal.stop()
        ceiling_runs.append(ceiling.throughput)
        by_size[patients] = loads
        print(_line(f"ceiling /ping ({patients:,} run)", ceiling))
        for label, load in loads.items():
            print(_line(f"{label} @ {patients:,}", load))
            share = load.throughput / ceiling.throughput
            p99 = 1000 * load.quantile(0.99)
            met = ("met" if share >= 0.5 and p99 < 50 else "MISSED") if patients == sizes[1] \
                else "checked at that size only"
            print(f"api:   ratio endpoint / ceiling = {share:.3f} (ceiling / endpoint "
                  f"{1 / share:.1f}); target >= 0.5 with p99 < 50 ms at {sizes[1]:,}: {met}")
    small, large = by_size[sizes[0]], by_size[sizes[-1]]
    for label in small:
        ratio = large[label].throughput / small[label].throughput
        growth = large[label].quantile(0.99) / small[label].quantile(0.99)
        print(f"api: ratio throughput {sizes[-1]:,} / {sizes[0]:,} patients, {label}: {ratio:.2f}")
        print(f"api: ratio p99 {sizes[-1]:,} / {sizes[0]:,} patients, {label}: {growth:.2f} "
              f"(target <= 1.5: {'met' if growth <= 1.5 else 'MISSED'})")
    print(f"api: ceiling spread between runs: {statistics.pstdev(ceiling_runs):.1f} req/s")


if __name__ == "__main__":
    run(quick="--full" not in sys.argv)
