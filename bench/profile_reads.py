"""A clinician's read in a loop, for a profiler to watch: ``python -m bench.profile_reads PATH``.

A synthetic registry of 2,000 patients goes into a fresh SQLite store (as in ``bench.api``), the
real application answers ``PATH`` (``{id}`` becomes a patient's pseudonymous id) through
Starlette's test client for ``--seconds`` after a warm-up, and a file named by ``--ready`` is
written when the warm-up is over, so that ``py-spy record --pid`` sees the reads alone:

    .venv/bin/python -m bench.profile_reads "/api/v1/patients/{id}" --ready /tmp/ready &
    while [ ! -f /tmp/ready ]; do sleep 1; done
    py-spy record -r 250 -d 20 --pid $! -o docs/performance/read-patient.svg
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from bench.api import _registry


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_reads")
    parser.add_argument("path", help='e.g. "/api/v1/patients/{id}"')
    parser.add_argument("--ready", type=Path, help="file written when the warm-up is over")
    parser.add_argument("--seconds", type=float, default=25.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="acuneuro-profile-") as tmp:
        env, token, ids = _registry(Path(tmp), f"sqlite:///{Path(tmp) / 'store.db'}", 2000)
        os.environ.update(env)
        from acuneuro.api import create_app  # reads the settings just set

        client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
        for i in range(20):
            client.get(args.path.format(id=ids[i]))
        if args.ready:
            args.ready.write_text("ready", "ascii")
        started, count = time.monotonic(), 0
        while time.monotonic() - started < args.seconds:
            client.get(args.path.format(id=ids[count % len(ids)]))
            count += 1
        print(f"{count} reads in {args.seconds:.0f} s: {1000 * args.seconds / count:.1f} ms each")


if __name__ == "__main__":
    main()
