"""Print the requirements of pyproject.toml whose package is missing from a lock file.

``make install`` installs the hashed locks, then this names what another branch added to
pyproject.toml since the last ``make lock``; the Makefile installs those unpinned and says to
run ``make lock``. Usage: ``python scripts/lock_gaps.py requirements-dev.lock [dev]``.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def gaps(lock: Path, extras: list[str], pyproject: Path = Path("pyproject.toml")) -> list[str]:
    """The requirement strings (as written in pyproject) not pinned in ``lock``."""
    project = tomllib.loads(pyproject.read_text("utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project.get("optional-dependencies", {}).get(extra, [])
    pinned = set()
    for line in lock.read_text("utf-8").splitlines():
        if (match := _NAME.match(line)) and "==" in line:
            pinned.add(_normal(match.group(1)))
    missing = []
    for requirement in wanted:
        match = _NAME.match(requirement)
        if match and _normal(match.group(1)) not in pinned:
            missing.append(requirement)
    return missing


def main(argv: list[str]) -> int:
    """Print one requirement a line; exit 0 either way."""
    for requirement in gaps(Path(argv[0]), argv[1:]):
        print(requirement)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
