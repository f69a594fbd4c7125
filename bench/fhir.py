"""Benchmark: FHIR read and search on the demo clinic (issue 16).

A demo clinic (``services.demo.seed_demo``, 30 synthetic patients) goes into a fresh SQLite
store; each FHIR call is the service the REST routes use (``services.fhir_rest``), audited as in
production. Reported per call: median of the repetitions, the ratio to a baseline measured in
the same run (a plain SELECT of every score row of the clinic, the floor of any Observation
search), and the target: 200 ms for a search page or a read (design choice: one clinician
waiting on one page).
"""

from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select

from acuneuro.services import Context, fhir_rest
from acuneuro.services.accounts import operator
from acuneuro.services.demo import seed_demo
from acuneuro.settings import Settings
from acuneuro.store import ScoreRecord, make_engine, upgrade
from bench._timing import call_times

TARGET_MS = 200.0
TODAY = date(2026, 12, 6)


def _forget() -> None:
    # A read must not lean on what an earlier search happened to build (cold lookup).
    locator = getattr(fhir_rest, "_WHERE", None)
    if locator is not None:
        locator._seen.clear()


def run(full: bool) -> int:
    """Print each call's median time, its ratio to the plain SELECT and met/MISSED."""
    reps = 10 if full else 3
    with tempfile.TemporaryDirectory(prefix="acuneuro-bench-fhir-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'store.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        settings = Settings(database_url=url, secret_key="bench-secret-" + "s" * 40,
                            audit_key="bench-audit-" + "a" * 40, key_dir=Path(tmp))
        ctx = Context.from_settings(settings)
        try:
            seed_demo(ctx, patients=30, today=TODAY)
            caller = fhir_rest.FhirCaller(operator(ctx, None))
            every = fhir_rest.search_resources(ctx, caller, "Observation", [("_count", "500")])
            first = every.resources[0]
            # The read is of the clinic's last Observation: without an index, the worst case.
            last = every.resources[-1]
            pseudo = first["subject"]["reference"].removeprefix("Patient/")
            day = first["effectiveDateTime"][:10]
            print(f"fhir: {every.total} Observations in the demo clinic; load "
                  + " ".join(f"{x:.2f}" for x in os.getloadavg()))

            def floor() -> None:
                with ctx.db.snapshot() as session:
                    list(session.scalars(select(ScoreRecord)))

            def read() -> None:
                _forget()
                fhir_rest.read_resource(ctx, caller, "Observation", last["id"])

            calls: list[tuple[str, Callable[[], object]]] = [
                ("search Observation, whole clinic, _count=500",
                 lambda: fhir_rest.search_resources(ctx, caller, "Observation",
                                                    [("_count", "500")])),
                ("search Observation, whole clinic, first page (50)",
                 lambda: fhir_rest.search_resources(ctx, caller, "Observation", [])),
                ("search Observation, one patient",
                 lambda: fhir_rest.search_resources(ctx, caller, "Observation",
                                                    [("patient", pseudo)])),
                ("search Observation, one day",
                 lambda: fhir_rest.search_resources(ctx, caller, "Observation",
                                                    [("date", day)])),
                ("search Observation by code (LOINC NRS), first page",
                 lambda: fhir_rest.search_resources(ctx, caller, "Observation",
                                                    [("code", "http://loinc.org|72514-3")])),
                ("search Procedure, whole clinic, first page",
                 lambda: fhir_rest.search_resources(ctx, caller, "Procedure", [])),
                ("read Observation by id (cold)", read),
                ("read Patient by id",
                 lambda: fhir_rest.read_resource(ctx, caller, "Patient", pseudo)),
            ]
            base = statistics.median(call_times(floor, reps))
            print(f"fhir: baseline SELECT of every score row {base * 1e3:9.1f} ms")
            missed = 0
            for label, fn in calls:
                median = statistics.median(call_times(fn, reps))
                ok = median * 1e3 <= TARGET_MS
                missed += not ok
                print(f"fhir: {label:<52} {median * 1e3:9.1f} ms  x{median / base:7.1f} "
                      f"baseline  target {TARGET_MS:.0f} ms {'met' if ok else 'MISSED'}")
        finally:
            ctx.db.dispose()
    return 0
