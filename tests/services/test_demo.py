"""The synthetic demo clinic: deterministic, labelled, idempotent, three conditions."""

from __future__ import annotations

from collections import Counter
from datetime import date

import sqlalchemy as sa

from acuneuro.clinical.scoring import score
from acuneuro.services import Context
from acuneuro.services.accounts import authenticate, operator
from acuneuro.services.assessment import list_scores
from acuneuro.services.demo import DEMO_CLINIC, seed_demo
from acuneuro.services.patients import list_patients
from acuneuro.store import Base, Clinic, Patient

TODAY = date(2026, 11, 24)


def _content(ctx: Context) -> list[tuple[object, ...]]:
    patients = list_patients(ctx, operator(ctx, DEMO_CLINIC), limit=500)
    return sorted((p.record_number, p.given_name, p.family_name, p.date_of_birth, p.sex,
                   p.episodes[0].kind, p.episodes[0].onset) for p in patients)


def _delete_patients(ctx: Context) -> None:
    # Every table that points at a patient, children first, so later features' tables count.
    with ctx.db.write() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if "patient_id" in table.c or table.name == "patients":
                session.execute(table.delete())


def test_it_seeds_a_labelled_clinic_with_the_three_conditions(ctx: Context) -> None:
    progress: list[int] = []
    result = seed_demo(ctx, patients=9, seed=3, today=TODAY, progress=progress.append)
    assert progress == list(range(1, 10)) and result.patients_added == 9
    with ctx.db.read() as session:
        clinic = session.scalar(sa.select(Clinic))
    assert clinic is not None and clinic.is_demo and "SYNTHETIC" in clinic.name
    content = _content(ctx)
    assert Counter(str(row[5]) for row in content) == {"dpn": 3, "phn": 3, "cipn": 3}
    assert all(str(row[2]).startswith("Synthetic-") for row in content)
    assert authenticate(ctx, result.email, result.password, None).clinic_id == clinic.id


def test_the_same_seed_gives_the_same_patients(ctx: Context) -> None:
    seed_demo(ctx, patients=6, seed=42, today=TODAY)
    first = _content(ctx)
    _delete_patients(ctx)
    seed_demo(ctx, patients=6, seed=42, today=TODAY)
    assert _content(ctx) == first
    _delete_patients(ctx)
    seed_demo(ctx, patients=6, seed=43, today=TODAY)
    assert _content(ctx) != first


def test_running_it_again_adds_nothing(ctx: Context) -> None:
    seed_demo(ctx, patients=4, seed=1, today=TODAY)
    again = seed_demo(ctx, patients=4, seed=1, today=TODAY)
    assert (again.created_clinic, again.patients_added) == (False, 0)
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Patient)) == 4


def test_demo_patients_have_a_dn4_and_nrs_scores_as_the_engine_scores_them(ctx: Context) -> None:
    seed_demo(ctx, patients=6, seed=5, today=TODAY)
    clinician = operator(ctx, DEMO_CLINIC)
    for patient in list_patients(ctx, clinician, limit=500):
        scores = list_scores(ctx, clinician, patient.id)
        assert Counter(s.instrument for s in scores)["dn4"] == 1
        assert Counter(s.instrument for s in scores)["nrs"] >= 1
        for view in scores:
            assert view.taken_on <= TODAY and view.note is None
            assert view.total == score(view.instrument, view.answers).total
