"""A clinic with course records for the FHIR REST face tests: the demo clinic, alice in it."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import sqlalchemy as sa

from acuneuro.services import Context, accounts, course_fhir, demo
from acuneuro.services.patients import list_patients
from acuneuro.store import Clinic, User

TODAY = date(2026, 11, 24)
TYPES = ("Patient", "Condition", "Observation", "QuestionnaireResponse", "Procedure",
         "MedicationStatement", "AdverseEvent", "CarePlan")


def seed_clinic(ctx: Context, *names: str, patients: int = 4) -> list[str]:
    """Seed demo patients and move the named staff into the demo clinic; their pseudo ids."""
    demo.seed_demo(ctx, patients=patients, today=TODAY)
    with ctx.db.write() as session:
        clinic = session.scalar(sa.select(Clinic.id).where(Clinic.name == demo.DEMO_CLINIC))
        session.execute(sa.update(User).where(User.email.in_([f"{n}@example.org"
                                                              for n in names]))
                        .values(clinic_id=clinic))
    operator = accounts.operator(ctx, demo.DEMO_CLINIC)
    return [p.id for p in list_patients(ctx, operator)]


def exported(ctx: Context, pseudo_id: str) -> dict[str, list[dict[str, Any]]]:
    """The patient's resources as the export Bundle gives them, by type."""
    bundle = course_fhir.export_bundle(ctx, accounts.operator(ctx, demo.DEMO_CLINIC), pseudo_id)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        grouped.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return grouped


def exported_counts(ctx: Context, pseudo_ids: list[str]) -> Counter[str]:
    """How many resources of each type the export Bundles of these patients hold."""
    counts: Counter[str] = Counter()
    for pid in pseudo_ids:
        counts.update({kind: len(rs) for kind, rs in exported(ctx, pid).items()})
    return counts
