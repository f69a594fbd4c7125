"""The research export read from the live store: no Safe Harbor identifier survives, k is
enforced, and only researchers and administrators may export."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from acuneuro.analytics.deidentify import KAnonymityError
from acuneuro.cli import app
from acuneuro.services import Context, PermissionDenied
from acuneuro.services.accounts import operator
from acuneuro.services.demo import DEMO_CLINIC, seed_demo
from acuneuro.services.privacy import age_band, export_research
from acuneuro.store import (
    AdverseEventRecord,
    Database,
    MedicationStatementRecord,
    Patient,
    PatientIdentity,
    TreatmentSession,
    upgrade,
)

TODAY = date(2026, 11, 24)
CREATED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
# Identifiers planted where a careless export would carry them: identity columns and free text.
PLANTED = {
    "D": "+1 415 555 0199", "F": "planted.person@mail.example", "H": "MRN-PLANTED-99417",
    "A": "Ottoline Featherstonehaugh",
}  # fmt: skip


TYPED_DRUG = "Name: Jane Q Realperson, 14 Elm St"


def _blobs(folder: Path) -> list[bytes]:
    """Every output file's bytes, and the Parquet table decoded (its pages may be compressed)."""
    found = []
    for path in sorted(folder.iterdir()):
        found.append(path.read_bytes())
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            found.append("\n".join(str(v) for c in table.columns for v in c.to_pylist()).encode())
    return found


def _hits(blobs: list[bytes], values: list[str]) -> list[str]:
    """The values found in any blob as whole tokens (one alternation: one pass per blob)."""
    longest_first = sorted({v.encode() for v in values}, key=len, reverse=True)
    pattern = re.compile(rb"(?<![0-9A-Za-z])(" + b"|".join(map(re.escape, longest_first))
                         + rb")(?![0-9A-Za-z])")
    return sorted({m.decode() for blob in blobs for m in pattern.findall(blob)})


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A demo clinic of 300 synthetic patients, three of them with planted identifiers.

    On its own SQLite file: seeding 300 patients costs seconds, and the store code it reads
    is the same on both backends (the lighter tests below run on both).
    """
    database = Database(f"sqlite:///{tmp_path / 'live.db'}")
    upgrade(database.engine)
    ctx = Context(database, "s" * 40, b"a" * 40, token_minutes=15, session_hours=12)
    seed_demo(ctx, patients=300, today=TODAY)
    with ctx.db.write() as session:
        first = list(session.scalars(sa.select(Patient).order_by(Patient.id).limit(3)))
        for patient in first:
            session.execute(sa.update(PatientIdentity)
                            .where(PatientIdentity.patient_id == patient.id)
                            .values(phone=PLANTED["D"], email=PLANTED["F"]))
            visit = TreatmentSession(
                clinic_id=patient.clinic_id, patient_id=patient.id, occurred_on=TODAY,
                attendance="attended", record_json={},
                deviation=f"seen by {PLANTED['A']} for {PLANTED['H']}")
            session.add(visit)
            session.add(AdverseEventRecord(
                clinic_id=patient.clinic_id, patient_id=patient.id, occurred_on=TODAY,
                kind="bruising", grade=1, relatedness="probable",
                note=f"call {PLANTED['D']} or {PLANTED['F']}"))
            # A name typed where a medicine belongs: only coded values may leave.
            session.add(MedicationStatementRecord(
                clinic_id=patient.clinic_id, patient_id=patient.id, drug=TYPED_DRUG,
                daily_dose=1, unit="mg", start_on=TODAY))
        identities = [dict(r._mapping) for r in session.execute(
            sa.select(PatientIdentity.given_name, PatientIdentity.family_name,
                      PatientIdentity.date_of_birth, PatientIdentity.record_number,
                      Patient.pseudo_id, Patient.created_at)
            .join(Patient, Patient.id == PatientIdentity.patient_id))]
    yield {"ctx": ctx, "actor": operator(ctx, DEMO_CLINIC), "identities": identities}
    database.dispose()


def test_the_safe_harbor_export_of_the_live_store_holds_no_identifier(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    result = export_research(demo["ctx"], demo["actor"], tmp_path / "out", profile="safe-harbor",
                             as_of=TODAY, created=CREATED)
    assert result.manifest["patients"] == 300 and result.manifest["smallest_class"] >= 5
    blobs = _blobs(tmp_path / "out")
    values = list(PLANTED.values()) + PLANTED["A"].split()
    for who in demo["identities"]:
        values += [who["family_name"], who["record_number"], who["pseudo_id"],
                   who["date_of_birth"].isoformat(), str(who["date_of_birth"].year)
                   if TODAY.year - who["date_of_birth"].year >= 90 else who["family_name"]]
    assert _hits(blobs, sorted(set(values))) == []
    assert _hits(blobs, ["Realperson", "Elm St", "Jane"]) == []
    data = pq.read_table(tmp_path / "out" / "data.parquet").to_pandas()
    medicines = data[data["record"] == "medication"]
    assert "unrecognised-medicine" in set(medicines["item"])
    known = medicines[medicines["item"] != "unrecognised-medicine"]
    assert len(known) > 0 and known["code"].str.fullmatch(r"[A-Z]\d{2}[A-Z]{2}\d{2}").all()
    # Class C: no element of a date but the year.
    assert not any(re.search(rb"\d{4}-\d{2}-\d{2}", blob) for blob in blobs[1:3])


def test_a_k_below_five_is_refused_without_a_written_reason(
    ctx: Context, tmp_path: Path
) -> None:
    seed_demo(ctx, patients=30, today=TODAY)
    demo = {"actor": operator(ctx, DEMO_CLINIC)}
    with pytest.raises(ValueError, match="below the default of 5"):
        export_research(ctx, demo["actor"], tmp_path / "a", profile="limited", as_of=TODAY,
                        created=CREATED, k=3)
    with pytest.raises(ValueError, match="no override"):
        export_research(ctx, demo["actor"], tmp_path / "b", profile="limited", as_of=TODAY,
                        created=CREATED, k=1, k_override_reason="small pilot")
    with pytest.raises(KAnonymityError) as refused:
        export_research(ctx, demo["actor"], tmp_path / "c", profile="limited", as_of=TODAY,
                        created=CREATED, k=50)
    assert refused.value.smallest < 50
    assert not any(tmp_path.iterdir())


def test_clinicians_may_not_export_and_researchers_see_only_their_clinic(
    ctx: Context, actors: Any, holdings: Any, tmp_path: Path
) -> None:
    with pytest.raises(PermissionDenied):
        export_research(ctx, actors["alice"].actor, tmp_path / "x", profile="safe-harbor",
                        as_of=TODAY, created=CREATED)
    with pytest.raises(KAnonymityError):  # one patient in clinic A: no export at k=5
        export_research(ctx, actors["dana"].actor, tmp_path / "y", profile="safe-harbor",
                        as_of=TODAY, created=CREATED)


@pytest.mark.parametrize(("born", "band"), [
    (date(1996, 11, 25), "20-29"), (date(1996, 11, 24), "30-39"),
    (date(1936, 11, 25), "80-89"), (date(1936, 11, 24), "90+"), (None, None),
])
def test_age_bands_are_top_coded_at_ninety(born: date | None, band: str | None) -> None:
    assert age_band(born, TODAY) == band


def test_the_command_refuses_a_small_k_and_names_the_smallest_class(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'small.db'}"
    env = {"ACUNEURO_KEY_DIR": str(tmp_path / "keys")}
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--no-serve", "--db", url, "--patients", "12"],
                         env=env).exit_code == 0
    base = ["export", "research", "--profile", "safe-harbor", "--db", url]
    low = runner.invoke(app, [*base, "--out", str(tmp_path / "a"), "--k", "3"], env=env)
    assert low.exit_code == 2 and "k=3" in low.stderr
    gate = runner.invoke(app, [*base, "--out", str(tmp_path / "b")], env=env)
    assert gate.exit_code == 2 and "smallest equivalence class holds" in gate.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
