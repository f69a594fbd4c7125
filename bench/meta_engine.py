"""The evidence engine alone, in CPU time per call: ``python -m bench.meta_engine``.

``time.process_time`` counts this process's CPU only, so the figures hold on a busy machine
where wall-clock times do not; run it on two checkouts to compare engine versions (the
before/after table of docs/performance.md was made so). Data: ``dat.bcg`` as in ``bench.meta``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from acuneuro.evidence import leave_one_out, meta_analysis
from acuneuro.evidence._fit import fit_batch
from bench.meta import _data


def _cpu(fn: Callable[[], object], calls: int) -> float:
    fn()
    start = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - start) / calls


def main() -> None:
    y, v = _data()
    for method in ("EE", "DL", "REML", "PM", "ML", "HE", "SJ"):
        ms = 1e3 * _cpu(lambda m=method: meta_analysis(y, v, method=m), 200)  # type: ignore[misc]
        print(f"one complete analysis, {method:<4} {ms:8.3f} ms CPU")
    for method in ("REML", "DL"):
        ms = 1e3 * _cpu(lambda m=method: leave_one_out(y, v, method=m), 50)  # type: ignore[misc]
        print(f"leave-one-out, {method:<4}         {ms:8.3f} ms CPU")
    boot = np.random.default_rng(20260101).integers(0, y.size, size=(10_000, y.size))
    ms = 1e3 * _cpu(lambda: fit_batch(y[boot], v[boot], method="REML"), 3)
    print(f"bootstrap REML x10,000          {ms:8.1f} ms CPU")


if __name__ == "__main__":
    main()
