"""Reference values from R's metafor, produced by ``reference/generate_metafor.R``.

Each record in ``reference/metafor_reference.json`` carries the R call that produced it, the
metafor and R versions and the convergence controls; this helper only reads the file.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ATOL", "RTOL", "arms", "close", "reference"]

# Acceptance: agreement with metafor to 1e-6 relative; the absolute floor only matters for
# values that are exactly zero in R (tau² on the boundary).
RTOL = 1e-6
ATOL = 1e-12


@cache
def reference() -> dict[str, Any]:
    """The parsed reference file."""
    path = Path(__file__).parent / "reference" / "metafor_reference.json"
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def arms(dataset: str) -> dict[str, Any]:
    """The arm-level input of a dataset (columns as lists)."""
    out: dict[str, Any] = reference()["datasets"][dataset]["arms"]
    return out


def close(actual: Any, expected: Any, what: str) -> None:
    """Assert agreement to the acceptance tolerance, naming the statistic on failure."""
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
        rtol=RTOL, atol=ATOL, err_msg=what,
    )
