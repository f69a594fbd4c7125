"""The cohort SQL takes its MME factors from knowledge/drugs.yaml and agrees with the clinical MME.

For any set of medication statements of one patient, the MME the cohort statement computes on
the first attended session and on the latest NRS date equals ``clinical.medication.mme_on`` for
the same statements on the same dates (the per-patient figure the patient page shows).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.analytics.cohort import cohort_report, knowledge_query
from acuneuro.clinical.medication import MedicationStatement, mme_on
from acuneuro.knowledge.course import drug_knowledge

FIRST = date(2025, 3, 3)
LATEST = date(2025, 6, 2)
# Opioids in and out of the table's units, a non-opioid, a drug the catalogue does not know.
DRUGS = [(f.drug, f.unit) for f in drug_knowledge().mme.factors] + [
    ("fentanyl", "mg"),
    ("pregabalin", "mg"),
    ("Oxycodone", "mg"),
]


@st.composite
def statements(draw: st.DrawFn) -> list[MedicationStatement]:
    out = []
    for _ in range(draw(st.integers(0, 6))):
        drug, unit = draw(st.sampled_from(DRUGS))
        start = FIRST + timedelta(days=draw(st.integers(-60, 120)))
        offset = draw(st.none() | st.integers(0, 150))
        stop = None if offset is None else start + timedelta(days=offset)
        dose = draw(st.floats(0.5, 400, allow_nan=False).map(lambda x: round(x, 2)))
        out.append(MedicationStatement(drug=drug, daily_dose=dose, unit=unit, start=start,
                                       stop=stop))
    return out


def _registry(meds: list[MedicationStatement]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    tables: dict[str, dict[str, list[Any]]] = {
        "patients": {"id": [1], "clinic_id": [1]},
        "episodes": {"id": [1], "patient_id": [1], "condition_kind": ["dpn"]},
        "treatment_sessions": {"patient_id": [1], "occurred_on": [FIRST],
                               "attendance": ["attended"]},
        "score_records": {"id": [1, 2], "patient_id": [1, 1], "instrument_id": ["nrs", "nrs"],
                          "taken_on": [FIRST, LATEST], "total": [8.0, 5.0]},
        "medication_statements": {
            "patient_id": [1] * len(meds),
            "drug": [m.drug for m in meds],
            "daily_dose": [m.daily_dose for m in meds],
            "unit": [m.unit for m in meds],
            "start_on": [m.start for m in meds],
            "stop_on": [m.stop for m in meds],
        },
        "adverse_events": {"patient_id": pa.array([], pa.int64())},
    }
    types = {"drug": pa.string(), "unit": pa.string(), "daily_dose": pa.float64(),
             "start_on": pa.date32(), "stop_on": pa.date32(), "patient_id": pa.int64(),
             "status": pa.string()}
    for name, columns in tables.items():
        rows = len(next(iter(columns.values())))
        columns["status"] = ["active"] * rows  # every row in force (store.Correctable)
        arrow = pa.table({k: pa.array(v, type=types.get(k)) for k, v in columns.items()})
        con.register(f"{name}_arrow", arrow)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
    return con


def test_the_query_uses_the_versioned_table_of_the_knowledge_file() -> None:
    query = knowledge_query()
    table = drug_knowledge().mme
    assert query.mme_version == table.version
    assert query.mme_factors == {f.drug: f.factor for f in table.factors}
    assert query.mme_units["fentanyl"] == "mcg/h"


@settings(max_examples=60, deadline=None)
@given(statements())
def test_sql_mme_equals_the_clinical_daily_mme(meds: list[MedicationStatement]) -> None:
    con = _registry(meds)
    rows = cohort_report(con, knowledge_query()).to_pylist()
    con.close()
    row = next(r for r in rows if r["clinic_id"] is not None)
    baseline, latest = mme_on(meds, FIRST).total, mme_on(meds, LATEST).total
    assert row["patients_with_outcome"] == 1
    assert row["opioid_baseline"] == (1 if baseline > 0 else 0)
    assert row["opioid_latest"] == (1 if latest > 0 else 0)
    if baseline > 0:
        assert abs(row["mme_baseline_mean"] - baseline) <= 1e-9 * max(1.0, baseline)
        assert abs(row["mme_latest_mean"] - latest) <= 1e-9 * max(1.0, latest)
    else:
        assert row["mme_baseline_mean"] is None
