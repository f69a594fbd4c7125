"""Registry cohort analytics: one SQL statement run by DuckDB over the store or a Parquet export.

Per condition and clinic, and pooled per condition (``clinic_id`` null), the report gives:

* ``patients``: patients whose first episode has the condition (``not recorded`` without one);
  with ``since``, only patients whose first attended session is on or after that date.
* ``sessions_attended`` / ``_missed`` / ``_cancelled`` and ``adherence`` = attended /
  (attended + missed + cancelled), pooled over the group's sessions.
* Baseline NRS = mean of the patient's NRS scores (``score_records.instrument_id = 'nrs'``)
  taken on or before the date of the first attended session; latest NRS = the last NRS score
  taken after that date (last by date, then by record id). Only patients with both enter the
  outcome figures (``patients_with_outcome``); ``baseline_nrs_mean``, ``latest_nrs_mean`` and
  ``change_mean`` (latest - baseline, NRS points) are over these patients, the change with a t
  interval at the query's confidence (95% by default: mean +- t(0.975, n-1) * sd / sqrt(n)).
* Percent change = (latest - baseline) / baseline * 100. Patients with baseline 0 have no
  percent change: they leave the percentage and responder denominators
  (``responder_denominator``) and are counted in ``baseline_zero_excluded``.
* ``responder_30`` / ``responder_50``: reduction of at least 30% / 50% (IMMPACT: Dworkin RH et
  al., J Pain 2008;9(2):105-121; Farrar JT et al., Pain 2001;94(2):149-158), rates with Wilson
  score intervals (Wilson EB, JASA 1927;22:209-212).
* Medication: a statement is active on day d when ``start_on <= d`` and (``stop_on`` is null or
  ``stop_on >= d``). Daily MME = sum of daily dose x factor over active statements of drugs in
  the factor table whose unit is the factor's unit (mg/day for oral opioids, mcg/h for the
  fentanyl patch in CDC 2022: Dowell D et al., MMWR Recomm Rep 2022;71(3):1-95, Table).
  Compared on the date of the first attended session and on the date of the latest NRS score,
  for patients with an outcome: ``medication_changed`` (a statement active on one date and not
  the other: started, stopped or dose changed), ``opioid_baseline`` / ``opioid_latest`` (MME
  > 0), and among patients with baseline MME > 0 the mean MME at both dates and the mean change
  with its t interval (both intervals at the query's confidence, 95% by default).
* ``adverse_events`` of the group's patients and the rate per 1,000 attended sessions.

The statement (:data:`COHORT_SQL`) is the same text for every source; Python only binds the
parameters and formats the rows.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
from scipy import stats

from acuneuro.analytics._cohort_sql import COHORT_SQL
from acuneuro.analytics._duck import Source, SourceError, connect, export_parquet, source_for
from acuneuro.knowledge.course import drug_knowledge, outcome_knowledge

__all__ = [
    "COHORT_SQL",
    "CohortQuery",
    "Source",
    "SourceError",
    "cohort_report",
    "export_parquet",
    "knowledge_query",
    "prepare",
    "rows_to_csv",
    "rows_to_json",
    "source_for",
]


@dataclass(frozen=True)
class CohortQuery:
    """What to report on and the thresholds to use (the caller reads them from knowledge)."""

    mme_factors: Mapping[str, float]
    # Unit of the daily dose each factor applies to; drugs not named here are in mg/day.
    mme_units: Mapping[str, str] = field(default_factory=dict)
    condition: str | None = None
    since: date | None = None
    instrument: str = "nrs"
    responder_thresholds: tuple[float, float] = (30.0, 50.0)
    confidence: float = 0.95
    # Version of the MME table the factors came from (e.g. "CDC 2022"), shown with the figures.
    mme_version: str | None = None

    def parameters(self) -> dict[str, Any]:
        """The named parameters of :data:`COHORT_SQL`."""
        r30, r50 = self.responder_thresholds
        return {
            "instrument": self.instrument,
            "condition": self.condition,
            "since": self.since,
            "r30": float(r30),
            "r50": float(r50),
            "z": float(stats.norm.ppf(0.5 + self.confidence / 2)),
            "t_p": 0.5 + self.confidence / 2,
        }


def knowledge_query(
    *, condition: str | None = None, since: date | None = None, instrument: str = "nrs"
) -> CohortQuery:
    """The query with its facts from ``knowledge/``: the MME factors and units of the versioned
    table in ``drugs.yaml`` (CDC 2022: Dowell D et al., MMWR Recomm Rep 2022;71(3):1-95) and the
    IMMPACT responder cut-offs of ``outcomes.yaml`` (Dworkin RH et al., J Pain 2008;9:105-121).
    """
    table = drug_knowledge().mme
    cut = {r.id: r.min_percent for r in outcome_knowledge().immpact_pain.responders}
    return CohortQuery(
        mme_factors={f.drug: f.factor for f in table.factors},
        mme_units={f.drug: f.unit for f in table.factors},
        condition=condition,
        since=since,
        instrument=instrument,
        responder_thresholds=(float(cut["responder_30"]), float(cut["responder_50"])),
        mme_version=table.version,
    )


def _t_quantile(p: float, df: int) -> float:
    return float(stats.t.ppf(p, df))


def prepare(con: duckdb.DuckDBPyConnection, query: CohortQuery) -> None:
    """Register what the statement needs besides the tables: the MME factors and t quantiles."""
    factors = pa.table(
        {
            "drug": pa.array([k.lower() for k in query.mme_factors], type=pa.string()),
            "unit": pa.array(
                [query.mme_units.get(k, "mg") for k in query.mme_factors], type=pa.string()
            ),
            "factor": pa.array([float(v) for v in query.mme_factors.values()], type=pa.float64()),
        }
    )
    con.register("mme_factors_arrow", factors)
    con.execute("CREATE OR REPLACE TEMP TABLE mme_factors AS SELECT * FROM mme_factors_arrow")
    con.unregister("mme_factors_arrow")
    with contextlib.suppress(duckdb.InvalidInputException):
        con.remove_function("t_quantile")  # prepared before on this connection
    con.create_function(
        "t_quantile",
        _t_quantile,
        [duckdb.sqltype("DOUBLE"), duckdb.sqltype("BIGINT")],
        duckdb.sqltype("DOUBLE"),
        side_effects=False,
    )


def cohort_report(source: Source | duckdb.DuckDBPyConnection, query: CohortQuery) -> pa.Table:
    """Run the cohort statement over ``source`` (or an already bound connection)."""
    own = not isinstance(source, duckdb.DuckDBPyConnection)
    con = connect(source) if isinstance(source, Source) else source
    try:
        prepare(con, query)
        return con.sql(COHORT_SQL, params=query.parameters()).to_arrow_table()
    except duckdb.Error as exc:
        raise SourceError(f"cohort query failed: {exc}") from None
    finally:
        if own:
            con.close()


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def rows_to_json(report: pa.Table) -> str:
    """The report as a JSON array of objects (non-finite numbers as null)."""
    rows = [{k: _plain(v) for k, v in row.items()} for row in report.to_pylist()]
    return json.dumps(rows, indent=2)


def rows_to_csv(report: pa.Table) -> str:
    """The report as CSV with a header row (nulls as empty cells)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(report.column_names)
    for row in report.to_pylist():
        writer.writerow(["" if v is None else _plain(v) for v in row.values()])
    return buffer.getvalue()
