"""How long ``acuneuro --help`` and ``acuneuro --version`` take, start to exit (target 0.5 s).

Run as a process, the way a person or a shell completion runs it: the interpreter's start, the
imports and the answer. The median of several runs is compared with the target; the line says
``met`` or ``MISSED``. ``python -X importtime -c "import acuneuro.cli"`` shows where the time goes.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_SECONDS = 0.5


def _command() -> list[str]:
    script = Path(sys.executable).with_name("acuneuro")
    if script.exists():
        return [str(script)]
    found = shutil.which("acuneuro")
    return [found] if found else [sys.executable, "-c", "from acuneuro.cli import main; main()"]


def _time(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([*_command(), *args], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(full: bool) -> int:
    """Print one line per command: median seconds, target, met/MISSED; 1 when one is missed."""
    runs = 15 if full else 5
    status = 0
    for args in (["--help"], ["--version"]):
        median = _time(args, runs)
        verdict = "met" if median < TARGET_SECONDS else "MISSED"
        status = status if verdict == "met" else 1
        print(f"acuneuro {' '.join(args):<10} median {median:.3f} s over {runs} runs "
              f"(target < {TARGET_SECONDS} s): {verdict}")
    return status
