"""Benchmark: today's list (``/today``) and the calendar (``/calendar``) at registry scale.

For each registry size (quick: 10,000 and 100,000 patients; full: 100,000 and 1,000,000) a
synthetic registry is generated into a fresh store (SQLite by default, PostgreSQL with
``ACUNEURO_BENCH_BACKEND=postgresql``, as ``bench/api.py``), and the appointment book is loaded
as a working clinic's would be:

* every registry clinic gets one practitioner, and each registry patient's first
  ``HISTORY_VISITS`` planned visits become appointments with them (past days: the book grows
  with the registry, ``HISTORY_VISITS`` rows per patient);
* the synthetic demo clinic (``services.demo.seed_demo``: real accepted plans, scores and
  sessions) gets ``PRACTITIONERS`` practitioners, and each has a full day today: every free
  time of the clinic's calendar is booked, so today's list shows about 40 patients with what
  is due for each (planned visit, re-assessments, the day's screen).

The whole application (``acuneuro.asgi:create_app``, web pages and API) is served by uvicorn in
a subprocess with ``bench.api.WORKERS`` worker processes (one per core, as a clinic runs it),
and a logged-in demo practitioner (a session cookie) asks, from ``CLIENTS`` concurrent clients
(a clinic's desk and practitioners, not a crowd): ``/today``, ``/calendar`` (the
practitioner's day) and ``/calendar?view=week``. The same run serves a minimal endpoint
(``/ping``, no database) the same way, the same-run baseline.

Reported per page and size: requests, p50 and p99 latency, the time per request (wall time /
requests), the ratio page p99 / ``/ping`` p99, and the p99 growth from the smallest
to the largest registry. Targets (stated, as for the other reads): p99 < 50 ms at the largest
size, and p99 growth smallest -> largest <= 1.5x.

One size only: ``python -c "import bench.clinic_day as b; b.run(full=True, sizes=(1_000_000,))"``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from typing import cast

import httpx
import sqlalchemy as sa

import acuneuro.store._course  # noqa: F401  (course tables on Base for create_all)
from acuneuro.analytics.registry import DatabaseSink, generate_registry
from acuneuro.clinical.calendar import free_starts
from acuneuro.services import Context
from acuneuro.services.accounts import add_user, authenticate, issue_session
from acuneuro.services.clinic_calendar import calendar_in
from acuneuro.services.demo import DEMO_CLINIC, DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from acuneuro.settings import Settings
from acuneuro.store import (
    Appointment,
    Base,
    Clinic,
    Patient,
    PlanRecord,
    Practitioner,
    Role,
    User,
    make_engine,
    upgrade,
)
from bench._load import Load
from bench.api import WORKERS, Server, _store

SEED = 77
CLIENTS = 4
PRACTITIONERS = 4
DEMO_PATIENTS = 48
HISTORY_VISITS = 3
PASSWORD = "quartz ember lagoon violet harbour 917"  # noqa: S105  (made up, as bench/api.py)
TARGET_P99_MS = 50.0
TARGET_GROWTH = 1.5


def _load(base: str, path: str, total: int, cookies: dict[str, str]) -> Load:
    """``total`` GETs of ``path`` from ``CLIENTS`` clients in threads (connections warmed)."""
    clients = [httpx.Client(base_url=base, cookies=cookies, timeout=60.0) for _ in range(CLIENTS)]
    for client in clients:
        client.get(path)

    def one(i: int) -> tuple[float, bool]:
        started = time.perf_counter()
        response = clients[i % CLIENTS].get(path)
        return time.perf_counter() - started, response.status_code == 200

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(one, range(total)))
    seconds = time.perf_counter() - started
    for client in clients:
        client.close()
    cuts = statistics.quantiles([r[0] for r in results], n=100, method="inclusive")
    return Load(total, seconds, cuts[49], cuts[98], sum(1 for r in results if not r[1]))


def _practitioner(ctx: Context, clinic: str, email: str, name: str) -> int:
    """A login of ``clinic`` with a practitioner profile; its profile id."""
    user = add_user(ctx, clinic=clinic, email=email, role=Role.CLINICIAN, password=PASSWORD)
    with ctx.db.write() as session:
        clinic_id = session.scalars(sa.select(User.clinic_id).where(User.id == user.id)).one()
        row = Practitioner(clinic_id=clinic_id, user_id=user.id, display_name=name)
        session.add(row)
        session.flush()
        return row.id


def _history(engine: sa.Engine) -> int:
    """The registry's first visits as past appointments with their clinic's practitioner."""
    ps = sa.table("planned_sessions", sa.column("id"), sa.column("clinic_id"),
                  sa.column("patient_id"), sa.column("number"), sa.column("due_on"))
    pr = sa.table("practitioners", sa.column("id"), sa.column("clinic_id"))
    appointments = cast(sa.Table, Appointment.__table__)
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    select = sa.select(
        ps.c.clinic_id, ps.c.patient_id, pr.c.id, ps.c.due_on,
        sa.literal(clock(9, 0), sa.Time()), sa.literal(45), sa.literal("booked"), ps.c.id,
        sa.literal(stamp, appointments.c.created_at.type),
        sa.literal(stamp, appointments.c.updated_at.type),
    ).join(pr, pr.c.clinic_id == ps.c.clinic_id).where(ps.c.number <= HISTORY_VISITS)
    with engine.begin() as conn:
        result = conn.execute(sa.insert(appointments).from_select(
            ["clinic_id", "patient_id", "practitioner_id", "on_day", "starts", "minutes",
             "status", "planned_session_id", "created_at", "updated_at"], select))
        return int(result.rowcount or 0)


def _full_day(ctx: Context, clinic_id: int, today: date) -> int:
    """Book every free time today for every practitioner of the demo clinic, treated patients."""
    with ctx.db.write() as session:
        calendar = calendar_in(session, clinic_id)
        practitioners = session.scalars(select_practitioners(clinic_id)).all()
        patients = session.scalars(
            sa.select(Patient.id).join(PlanRecord, PlanRecord.patient_id == Patient.id)
            .where(Patient.clinic_id == clinic_id, PlanRecord.status == "accepted")
            .order_by(Patient.id)).all()
        booked = set(session.scalars(sa.select(Appointment.patient_id).where(
            Appointment.clinic_id == clinic_id, Appointment.on_day == today)))
        free = iter([p for p in patients if p not in booked])
        added = 0
        for practitioner in practitioners:
            busy = [(a.starts, a.minutes) for a in session.scalars(sa.select(Appointment).where(
                Appointment.practitioner_id == practitioner.id, Appointment.on_day == today))]
            while (starts := free_starts(calendar, today, calendar.appointment_minutes, busy)):
                patient = next(free, None)
                if patient is None:
                    return added
                session.add(Appointment(
                    clinic_id=clinic_id, patient_id=patient, practitioner_id=practitioner.id,
                    on_day=today, starts=starts[0], minutes=calendar.appointment_minutes,
                    status="booked"))
                busy.append((starts[0], calendar.appointment_minutes))
                added += 1
        return added


def select_practitioners(clinic_id: int) -> sa.Select[Practitioner]:
    return sa.select(Practitioner).where(Practitioner.clinic_id == clinic_id).order_by(
        Practitioner.id)


def _setup(folder: Path, url: str, patients: int) -> tuple[dict[str, str], dict[str, str]]:
    """A store with the registry, the book and a full day: server env and the login cookie."""
    engine = make_engine(url)
    upgrade(engine)
    Base.metadata.create_all(engine, checkfirst=True)
    report = generate_registry(DatabaseSink(engine), patients, clinics=20, seed=SEED)
    print(f"clinic_day: {patients:,} patients, {report.total_rows:,} rows in "
          f"{report.seconds:.1f} s")
    env = {"ACUNEURO_DATABASE_URL": url, "ACUNEURO_SECRET_KEY": "bench-secret-" + "s" * 40,
           "ACUNEURO_AUDIT_KEY": "bench-audit-" + "a" * 40, "ACUNEURO_KEY_DIR": str(folder)}
    settings = Settings(database_url=url, secret_key=env["ACUNEURO_SECRET_KEY"],
                        audit_key=env["ACUNEURO_AUDIT_KEY"], key_dir=folder)
    ctx = Context.from_settings(settings)
    today = date.today()
    started = time.perf_counter()
    try:
        with ctx.db.read() as session:
            clinics = session.execute(sa.select(Clinic.id, Clinic.name).where(
                Clinic.name.like("Synthetic registry clinic %")).order_by(Clinic.id)).all()
        for cid, name in clinics:
            _practitioner(ctx, name, f"registry.{cid}@example.invalid",
                          f"Synthetic Practitioner {cid}")
        history = _history(engine)
        seed_demo(ctx, patients=DEMO_PATIENTS, seed=SEED, today=today)
        with ctx.db.read() as session:
            demo = session.scalars(sa.select(Clinic.id).where(Clinic.name == DEMO_CLINIC)).one()
            have = len(session.scalars(select_practitioners(demo)).all())
        for k in range(have, PRACTITIONERS):
            _practitioner(ctx, DEMO_CLINIC, f"demo.extra{k}@example.invalid",
                          f"Dr Synthetic Extra-{k}")
        added = _full_day(ctx, demo, today)
        with ctx.db.read() as session:
            day = session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(
                Appointment.clinic_id == demo, Appointment.on_day == today))
            book = session.scalar(sa.select(sa.func.count()).select_from(Appointment))
        actor = authenticate(ctx, DEMO_EMAIL, DEMO_PASSWORD, None)
        cookie = issue_session(ctx, actor)
    finally:
        ctx.db.dispose()
        engine.dispose()
    print(f"clinic_day: book {book:,} appointments ({history:,} registry history); today "
          f"{day} for {PRACTITIONERS} practitioners ({added} added to fill the day); "
          f"set up in {time.perf_counter() - started:.1f} s")
    return env, {"acuneuro_session": cookie}


PAGES: dict[str, str] = {
    "/today": "/today",
    "/calendar (day)": "/calendar",
    "/calendar?view=week": "/calendar?view=week",
}


def _line(label: str, load: Load) -> str:
    return (f"clinic_day: {label:<32} n {load.requests:4d}  p50 {1000 * load.p50:7.1f}"
            f" ms  p99 {1000 * load.p99:7.1f} ms  per request "
            f"{1000 * load.seconds / load.requests:6.1f} ms  errors {load.errors}")


def run(full: bool, sizes: tuple[int, ...] | None = None, total: int | None = None,
        backend: str | None = None) -> int:
    """Print latency per page and size, ratios to /ping, growth with size, met/MISSED."""
    print(f"clinic_day: load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the start")
    backend = backend or os.environ.get("ACUNEURO_BENCH_BACKEND", "sqlite")
    sizes = sizes or ((100_000, 1_000_000) if full else (10_000, 100_000))
    total = total or (400 if full else 200)
    by_size: dict[int, dict[str, Load]] = {}
    for patients in sizes:
        with (tempfile.TemporaryDirectory(prefix="acuneuro-bench-day-") as tmp,
              _store(Path(tmp), backend) as url):
            env, cookies = _setup(Path(tmp), url, patients)
            # As a clinic runs it: one worker process per core, as bench.api; /ping on the same
            # server is the same-run baseline (bench.api.served_app puts it in front of every
            # route).
            app = Server(env, Path(tmp), workers=WORKERS)
            try:
                ping = _load(app.url, "/ping", total, {})
                loads = {label: _load(app.url, path, total, cookies)
                         for label, path in PAGES.items()}
            finally:
                app.stop()
        by_size[patients] = loads
        print(_line(f"/ping ({patients:,} run)", ping))
        for label, load in loads.items():
            print(_line(f"{label} @ {patients:,}", load))
            ratio = load.p99 / ping.p99
            print(f"clinic_day:   ratio p99 page / p99 /ping = {ratio:.1f}")
    largest = sizes[-1]
    for label in PAGES:
        p99 = 1000 * by_size[largest][label].p99
        met = p99 < TARGET_P99_MS
        print(f"clinic_day: {label} p99 at {largest:,} = {p99:.1f} ms (target < "
              f"{TARGET_P99_MS:.0f} ms): {'met' if met else 'MISSED'}")
        if len(sizes) > 1:
            growth = (by_size[largest][label].p99
                      / by_size[sizes[0]][label].p99)
            print(f"clinic_day: ratio p99 {largest:,} / {sizes[0]:,} patients, {label}: "
                  f"{growth:.2f} (target <= {TARGET_GROWTH}: "
                  f"{'met' if growth <= TARGET_GROWTH else 'MISSED'})")
    print(f"clinic_day: load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    return 0  # a missed target is printed, not an error (as the other benchmarks)


if __name__ == "__main__":
    run(full=False)
