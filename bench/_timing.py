"""Repeated timing of one call, shared by the in-process benchmarks (reports, FHIR)."""

from __future__ import annotations

import time
from collections.abc import Callable


def call_times(fn: Callable[[], object], reps: int,
               cpu: list[float] | None = None) -> list[float]:
    """Wall times of ``reps`` calls; their CPU times (this process) go to ``cpu`` when given.

    The first call is made outside the timing: imports, font metrics and the caches of
    knowledge files are loaded once per process, not once per document or request.
    """
    fn()
    out = []
    for _ in range(reps):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        out.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.process_time() - start_cpu)
    return out
