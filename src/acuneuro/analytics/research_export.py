"""Write a de-identified research export: Parquet, CSV, a data dictionary and a manifest.

The export is assembled in a hidden temporary folder beside the destination, every file is
fsynced, and the folder is renamed into place in one step, so a reader finds either the complete
export or none at all. CSV text cells that a spreadsheet would run as a formula are escaped
(OWASP CSV Injection); Parquet keeps the values as they are. The re-identification key
(surrogate -> patient) is never written here; :func:`write_research_export` returns it for the
clinic to keep.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from acuneuro.analytics.deidentify import DataDictionary, Deidentified, Profile, deidentify

__all__ = ["ExportResult", "software_version", "spreadsheet_safe", "write_research_export"]

DATA_PARQUET = "data.parquet"
DATA_CSV = "data.csv"
DICTIONARY = "data_dictionary.json"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    manifest: dict[str, Any]
    # Surrogate -> source patient key; keep it inside the clinic, never ship it.
    reidentification: dict[str, str]


def software_version() -> str:
    """The installed acuneuro version, for the manifest."""
    try:
        return version("acuneuro")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# Injection"): such a text cell is written with a leading apostrophe, which shows as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """``value``, with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _write_tables(result: Deidentified, folder: Path) -> None:
    frame = result.frame
    frame.to_parquet(folder / DATA_PARQUET, index=False)
    text = frame.copy()
    for column in text.columns:
        if not pd.api.types.is_numeric_dtype(text[column]):
            text[column] = text[column].map(spreadsheet_safe)
    text.to_csv(folder / DATA_CSV, index=False, lineterminator="\n")
    dictionary = {
        "profile": result.profile.value,
        "columns": [asdict(c) for c in result.columns],
    }
    (folder / DICTIONARY).write_text(
        json.dumps(dictionary, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )


def _manifest(result: Deidentified, folder: Path, created: datetime) -> dict[str, Any]:
    return {
        "format": "acuneuro-research-export/1",
        "profile": result.profile.value,
        "k": result.k,
        "k_override_reason": result.k_override_reason,
        "smallest_class": result.smallest_class,
        "quasi_identifiers": list(result.quasi_identifiers),
        "rows_in": result.rows_in,
        "rows_out": len(result.frame),
        "patients": result.patients,
        "columns_out": len(result.frame.columns),
        "created_at": created.astimezone(UTC).isoformat(timespec="seconds"),
        "software": {"name": "acuneuro", "version": software_version()},
        "files": {
            name: {"sha256": _sha256(folder / name), "bytes": (folder / name).stat().st_size}
            for name in (DATA_PARQUET, DATA_CSV, DICTIONARY)
        },
    }


def write_research_export(
    frame: pd.DataFrame,
    dictionary: DataDictionary,
    destination: Path,
    *,
    profile: Profile,
    as_of: date,
    created: datetime,
    k: int | None = None,
    k_override_reason: str | None = None,
) -> ExportResult:
    """De-identify ``frame`` and write the export folder ``destination`` atomically.

    Refuses (``ValueError``, :class:`~acuneuro.analytics.deidentify.KAnonymityError`) before any
    file is written, and refuses an existing ``destination``. ``created`` is the manifest time
    (passed in so callers own the clock).
    """
    destination = Path(destination)
    if destination.exists():
        raise FileExistsError(f"{destination} already exists; choose a new folder")
    result = deidentify(
        frame, dictionary, profile, as_of=as_of, k=k, k_override_reason=k_override_reason
    )
    parent = destination.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=parent))
    try:
        _write_tables(result, staging)
        manifest = _manifest(result, staging, created)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        for name in (DATA_PARQUET, DATA_CSV, DICTIONARY, MANIFEST):
            _fsync_file(staging / name)
        _fsync_dir(staging)
        # A non-empty folder created at the destination meanwhile makes the rename fail.
        staging.rename(destination)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(destination, manifest, dict(result.reidentification))
