"""The FHIR REST face's lookups: stored logical ids, types built alone, searches pushed into SQL.

Each pushed search is compared with the search it replaces: every patient's resources of the
type built and tested one by one, then paged. They must give the same resources, in the same
order, with the same total.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from acuneuro.interop.fhir_ids import logical_id
from acuneuro.services import Context, accounts, demo, fhir_rest
from acuneuro.services._fhir_resources import resources_of, resources_of_kind
from acuneuro.services._fhir_search import parse
from acuneuro.store import (
    ENTERED_IN_ERROR,
    AdverseEventRecord,
    Episode,
    MedicationStatementRecord,
    Patient,
    PlanRecord,
    ScoreRecord,
    TreatmentSession,
    make_engine,
    upgrade,
)
from acuneuro.store._migrate import alembic_config

TODAY = date(2026, 11, 24)
_TABLES: tuple[Any, ...] = (Episode, PlanRecord, ScoreRecord, TreatmentSession,
                            MedicationStatementRecord, AdverseEventRecord)


def _clinic(ctx: Context) -> fhir_rest.FhirCaller:
    demo.seed_demo(ctx, patients=4, today=TODAY)
    with ctx.db.write() as session:
        # One retracted score, session and medicine: they are served with the same ids.
        for model in (ScoreRecord, TreatmentSession, MedicationStatementRecord):
            first = session.scalar(sa.select(sa.func.min(model.id)))
            session.execute(sa.update(model).where(model.id == first)
                            .values(status=ENTERED_IN_ERROR))
    return fhir_rest.FhirCaller(accounts.operator(ctx, demo.DEMO_CLINIC))


def _built_and_tested(ctx: Context, clinic: int, kind: str, params: list[tuple[str, str]]
                      ) -> tuple[list[str], int]:
    query = parse(kind, params)
    with ctx.db.snapshot() as session:
        patients = session.scalars(sa.select(Patient).where(Patient.clinic_id == clinic)
                                   .order_by(Patient.id)).all()
        found = [r["id"] for p in patients
                 for r in fhir_rest.resources_of_type(session, p, kind) if query.matches(r)]
    return found[query.offset:query.offset + query.count], len(found)


def test_a_type_built_alone_is_the_exports_resources_of_that_type(ctx: Context) -> None:
    _clinic(ctx)
    with ctx.db.snapshot() as session:
        for patient in session.scalars(sa.select(Patient)).all():
            everything = resources_of(session, patient)
            for kind in fhir_rest.RESOURCE_TYPES:
                assert resources_of_kind(session, patient, kind) == [
                    r for r in everything if r["resourceType"] == kind], kind


def test_every_exported_row_stores_the_id_its_resource_has(ctx: Context) -> None:
    _clinic(ctx)
    with ctx.db.snapshot() as session:
        for model in _TABLES:
            rows = session.scalars(sa.select(model)).all()
            assert rows, model.__tablename__
            for row in rows:
                assert row.fhir_id == logical_id(row.clinic_id, model.__tablename__, row.id)
        for row in session.scalars(sa.select(ScoreRecord)).all():
            assert row.fhir_response_id == logical_id(row.clinic_id, "score_records", row.id,
                                                      "response")


@pytest.mark.parametrize(("kind", "params"), [
    ("Observation", []),
    ("Observation", [("_count", "7"), ("_offset", "5")]),
    ("Observation", [("_count", "500")]),
    ("Observation", [("date", "ge2026-10-01"), ("date", "lt2026-11-15")]),
    ("Observation", [("date", "2026-11")]),
    ("Observation", [("date", "gt2026-11-01,le2026-09-30")]),
    ("Observation", [("code", "http://loinc.org|72514-3"), ("_count", "3")]),
    ("Observation", [("code", "https://acuneuro.org/fhir/CodeSystem/instrument-score|dn4.total,"
                              "nrs.total"), ("date", "ge2026-10-01")]),
    ("Observation", [("code", "http://loinc.org|")]),
    ("Observation", [("code", "|no-such-code")]),
    ("Procedure", [("_count", "4"), ("_offset", "2")]),
    ("Procedure", [("date", "ge2026-11-01")]),
    ("MedicationStatement", []),
    ("MedicationStatement", [("date", "le2026-11-01")]),
    ("Condition", [("code", "http://snomed.info/sct|193184006")]),
    ("AdverseEvent", []),
    ("QuestionnaireResponse", [("_count", "5")]),
    ("CarePlan", []),
    ("Patient", []),
])
def test_a_search_pushed_into_sql_finds_what_building_everything_finds(
    ctx: Context, kind: str, params: list[tuple[str, str]]
) -> None:
    caller = _clinic(ctx)
    clinic = caller.actor.clinic_id
    with ctx.db.snapshot() as session:
        some = session.scalar(sa.select(Patient.pseudo_id).order_by(Patient.id.desc()))
    for extra in ([], [("patient", f"Patient/{some}")] if kind != "Patient" else []):
        page = fhir_rest.search_resources(ctx, caller, kind, [*params, *extra])
        ids, total = _built_and_tested(ctx, clinic, kind, [*params, *extra])
        assert [r["id"] for r in page.resources] == ids
        assert page.total == total


def test_a_read_finds_the_resource_by_its_stored_id(ctx: Context) -> None:
    caller = _clinic(ctx)
    with ctx.db.snapshot() as session:
        patient = session.scalars(sa.select(Patient).order_by(Patient.id.desc())).first()
        assert patient is not None
        everything = resources_of(session, patient)
    for resource in everything:
        assert fhir_rest.read_resource(ctx, caller, resource["resourceType"],
                                       resource["id"]) == resource


def test_the_migration_gives_rows_written_before_it_their_ids(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        command.downgrade(alembic_config(engine), "0021")
        with engine.begin() as conn:
            clinic = conn.execute(sa.text(
                "INSERT INTO clinics (name, is_demo, created_at) "
                "VALUES ('Old', false, CURRENT_TIMESTAMP) "
                "RETURNING id")).scalar_one()
            patient = conn.execute(sa.text(
                "INSERT INTO patients (clinic_id, pseudo_id, sex, created_at, updated_at) "
                "VALUES (:c, 'POLD', 'female', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) "
                "RETURNING id"),
                {"c": clinic}).scalar_one()
            episode = conn.execute(sa.text(
                "INSERT INTO episodes (clinic_id, patient_id, condition_kind, created_at) "
                "VALUES (:c, :p, 'dpn', CURRENT_TIMESTAMP) RETURNING id"),
                {"c": clinic, "p": patient}).scalar_one()
        upgrade(engine)
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT fhir_id FROM episodes WHERE id = :e"),
                                  {"e": episode}).scalar_one()
        assert stored == logical_id(clinic, "episodes", episode)
    finally:
        with engine.begin() as conn:
            for table in ("episodes", "patients", "clinics"):
                conn.execute(sa.text(f"DELETE FROM {table}"))
        upgrade(engine)
        engine.dispose()


def test_a_row_loaded_without_its_id_is_still_read(ctx: Context) -> None:
    # The synthetic registry loads rows with Core inserts, around the ORM's insert hook.
    caller = _clinic(ctx)
    with ctx.db.write() as session:
        row = session.scalars(sa.select(ScoreRecord).order_by(ScoreRecord.id.desc())).first()
        assert row is not None
        observation_id = row.fhir_id
        session.execute(sa.update(ScoreRecord).where(ScoreRecord.id == row.id)
                        .values(fhir_id=None, fhir_response_id=None))
    assert observation_id is not None
    read = fhir_rest.read_resource(ctx, caller, "Observation", observation_id)
    assert read["id"] == observation_id
