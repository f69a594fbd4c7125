"""Fail when a module grows past the soft limit of docs/architecture.md (one concept each)."""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT = 450  # the ~400-line soft limit, with a little slack for docstrings

too_long = [
    (path, n)
    for path in sorted(Path("src").rglob("*.py"))
    if (n := len(path.read_text("utf-8").splitlines())) > LIMIT
]
for path, n in too_long:
    print(f"{path}: {n} lines (limit {LIMIT}); split it by concept")
sys.exit(1 if too_long else 0)
