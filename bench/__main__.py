"""Run every registered benchmark: ``python -m bench [--quick | --targets | --full] [NAME ...]``.

``--targets`` (what ``make bench`` runs) measures each benchmark at the sizes where issue 18
states its target and the quick sizes elsewhere: the cohort report at 1,000,000 patients, today's
list and the calendar at 100,000 and 1,000,000, the API reads at 10,000 and 100,000.

To add a benchmark, write ``bench/<name>.py`` with ``def run(full: bool) -> int`` (print the
figures, return 0 or a non-zero status) and add ``"<name>"`` to ``BENCHMARKS`` below. A module
whose ``run`` takes ``quick`` instead, or returns nothing, is accepted as well.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from types import ModuleType

BENCHMARKS: list[str] = [
    "meta",  # evidence engine vs R metafor (bench/meta.py)
    "analytics",  # cohort report vs hand DuckDB query vs pandas (bench/analytics.py)
    "api",  # clinician read endpoints vs a minimal endpoint, growth with size (bench/api.py)
    "clinic_day",  # today's list and the calendar at registry scale (bench/clinic_day.py)
    "reports",  # patient report and referral letter against 200 ms (bench/reports.py)
    "fhir",  # FHIR read and search on the demo clinic against 200 ms (bench/fhir.py)
    "cli",  # acuneuro --help and --version, start to exit, against 0.5 s (bench/cli.py)
]


# The benchmarks whose targets are stated at their full sizes (issue 18).
AT_TARGET_SIZE = {"analytics", "clinic_day"}


def _run(module: ModuleType, full: bool) -> int:
    """Call ``module.run`` with ``full=`` or ``quick=``, whichever it declares; None means 0."""
    params = inspect.signature(module.run).parameters
    status = module.run(full=full) if "full" in params else module.run(quick=not full)
    return int(status or 0)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the chosen benchmarks in order; the worst status wins."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes (default)")
    size.add_argument("--targets", action="store_true",
                      help=f"full sizes for {', '.join(sorted(AT_TARGET_SIZE))}, quick elsewhere")
    size.add_argument("--full", action="store_true", help="full sizes")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {BENCHMARKS})")
    args = parser.parse_args(argv)
    names = args.names or BENCHMARKS
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    status = 0
    for name in names:
        full = args.full or (args.targets and name in AT_TARGET_SIZE)
        print(f"== bench.{name} ({'full' if full else 'quick'}) ==", flush=True)
        module = importlib.import_module(f"bench.{name}")
        status = max(status, _run(module, full))
    return status


if __name__ == "__main__":
    sys.exit(main())
