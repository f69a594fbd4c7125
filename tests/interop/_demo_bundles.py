"""The 30 demo patients' FHIR Bundles, exported to files (shared by the interop tests)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from acuneuro.services import Context, accounts, course_fhir, demo, throttle
from acuneuro.services.patients import list_patients
from acuneuro.store import Database, upgrade

TODAY = date(2026, 11, 24)


def export_demo_bundles(folder: Path) -> list[Path]:
    """Seed the demo clinic in a new SQLite file and write each patient's transaction Bundle."""
    database = Database(f"sqlite:///{folder / 'demo.db'}")
    upgrade(database.engine)
    ctx = Context(db=database, signing_key="s" * 40, audit_key=b"a" * 40, token_minutes=5,
                  session_hours=1)
    demo.seed_demo(ctx, today=TODAY)
    actor = accounts.operator(ctx, demo.DEMO_CLINIC)
    files = []
    with pytest.MonkeyPatch.context() as patch:
        # One operator exporting 30 patients in a row is not the person the limit is for.
        patch.setitem(throttle.LIMITS, throttle.Work.FHIR_EXPORT, ("100 per second",) * 2)
        for patient in list_patients(ctx, actor):
            path = folder / f"{patient.id}.json"
            path.write_text(json.dumps(course_fhir.export_bundle(ctx, actor, patient.id)),
                            "utf-8")
            files.append(path)
    database.dispose()
    return files
