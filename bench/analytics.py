"""Benchmark: the registry cohort report over Parquet against its ceiling and a pandas baseline.

One run generates a synthetic registry to Parquet (quick: 20,000 patients; full: 1,000,000),
then times, in interleaved rounds so that machine noise hits all three alike:

* the report: ``acuneuro.analytics.cohort.cohort_report`` (views over the Parquet files, the
  product's SQL text, parameters, MME table and t-quantile function registered per call);
* the ceiling: ONE hand-written DuckDB query straight over ``read_parquet`` computing the same
  numbers with the same parameters (instrument, responder cut-offs, confidence; checked equal
  before timing);
* the baseline: a plain pandas computation of the same numbers (``_cohort_pandas``), reading
  the same Parquet files, only the columns the definitions use (as a competent analyst would;
  DuckDB prunes columns by itself).

Other sizes: ``python -c "import bench.analytics as b; b.run(quick=True, patients=200_000)"``.
At the full size (or with ``profile=True`` at another:
``python -c "import bench.analytics as b; b.run(quick=True, patients=200_000, profile=True)"``)
the run also prints where each spends its time: the report's DuckDB operators from its profile
(the timings ``EXPLAIN ANALYZE`` shows, summed per operator) and the pandas baseline's steps
from ``cProfile``.
The load average is printed before and after: on a shared machine it says how much of the
cores DuckDB could use (pandas uses one).

Targets: report within 1.5x of the hand query; report at least 10x faster than pandas.
Figures are medians of the rounds; only the ratios are meant to travel between machines.
"""

from __future__ import annotations

import cProfile
import json
import math
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from acuneuro.analytics._duck import connect
from acuneuro.analytics.cohort import (
    COHORT_SQL,
    CohortQuery,
    cohort_report,
    knowledge_query,
    prepare,
    source_for,
)
from acuneuro.analytics.registry import ParquetSink, generate_registry
from bench.cohort_pandas import cohort_pandas

# The columns the cohort definitions use, per table: what a competent analyst reads (pandas
# reads whole files otherwise, JSON text included; DuckDB prunes columns by itself).
READ = {
    "patients": ["id", "clinic_id"],
    "episodes": ["id", "patient_id", "condition_kind"],
    "treatment_sessions": ["patient_id", "occurred_on", "attendance"],
    "score_records": ["id", "patient_id", "instrument_id", "taken_on", "total"],
    "medication_statements": ["patient_id", "drug", "daily_dose", "unit", "start_on", "stop_on"],
    "adverse_events": ["patient_id"],
}
HAND_QUERY = """
WITH e AS (SELECT patient_id, arg_min(condition_kind, id) AS cond
           FROM read_parquet('{d}/episodes.parquet') GROUP BY ALL),
s AS (SELECT patient_id,
             min(occurred_on) FILTER (attendance = 'attended') AS d0,
             count(*) FILTER (attendance = 'attended') AS att,
             count(*) FILTER (attendance = 'missed') AS mis,
             count(*) FILTER (attendance = 'cancelled') AS can
      FROM read_parquet('{d}/treatment_sessions.parquet') GROUP BY ALL),
p AS (SELECT pt.id AS pid, pt.clinic_id, coalesce(e.cond, 'not recorded') AS cond, s.d0,
             coalesce(att, 0) AS att, coalesce(mis, 0) AS mis, coalesce(can, 0) AS can
      FROM read_parquet('{d}/patients.parquet') pt
      LEFT JOIN e ON e.patient_id = pt.id LEFT JOIN s ON s.patient_id = pt.id),
f AS (SELECT patient_id, min(occurred_on) AS d0
      FROM read_parquet('{d}/treatment_sessions.parquet')
      WHERE attendance = 'attended' GROUP BY ALL),
n AS (SELECT r.patient_id AS pid, s.d0,
             avg(total) FILTER (taken_on <= s.d0) AS b,
             arg_max(total, (taken_on, r.id)) FILTER (taken_on > s.d0) AS l,
             max(taken_on) FILTER (taken_on > s.d0) AS lo
      FROM read_parquet('{d}/score_records.parquet') r JOIN f s ON s.patient_id = r.patient_id
      WHERE instrument_id = $instrument AND total IS NOT NULL AND s.d0 IS NOT NULL
      GROUP BY ALL HAVING b IS NOT NULL AND l IS NOT NULL),
m AS (SELECT n.pid,
             sum(CASE WHEN start_on <= d0 AND coalesce(stop_on >= d0, TRUE)
                 THEN daily_dose * f.factor ELSE 0 END) AS mb,
             sum(CASE WHEN start_on <= lo AND coalesce(stop_on >= lo, TRUE)
                 THEN daily_dose * f.factor ELSE 0 END) AS ml,
             bool_or((start_on <= d0 AND coalesce(stop_on >= d0, TRUE))
                     <> (start_on <= lo AND coalesce(stop_on >= lo, TRUE))) AS chg
      FROM read_parquet('{d}/medication_statements.parquet') ms JOIN n ON n.pid = ms.patient_id
      LEFT JOIN mme_factors f ON f.drug = lower(ms.drug) AND f.unit = ms.unit GROUP BY ALL),
a AS (SELECT patient_id AS pid, count(*) AS k
      FROM read_parquet('{d}/adverse_events.parquet') GROUP BY ALL),
x AS (SELECT p.cond, p.clinic_id, p.att, p.mis, p.can, n.b, n.l, n.l - n.b AS ch,
             CASE WHEN n.b > 0 THEN (n.l - n.b) * 100 / n.b END AS pct, n.pid IS NOT NULL AS o,
             coalesce(m.mb, 0) AS mb, coalesce(m.ml, 0) AS ml, coalesce(m.chg, FALSE) AS chg,
             coalesce(a.k, 0) AS k
      FROM p LEFT JOIN n ON n.pid = p.pid LEFT JOIN m ON m.pid = p.pid
      LEFT JOIN a ON a.pid = p.pid),
g AS (SELECT cond, clinic_id, grouping(clinic_id) = 1 AS pooled, count(*) AS np,
             sum(att)::BIGINT AS att, sum(mis)::BIGINT AS mis, sum(can)::BIGINT AS can,
             count(*) FILTER (o) AS no, avg(b) AS b, avg(l) AS l, avg(ch) AS ch,
             stddev_samp(ch) AS sd, count(*) FILTER (o AND b = 0) AS z0, count(pct) AS nd,
             avg(pct) AS pc, count(*) FILTER (pct <= -$r30) AS r30,
             count(*) FILTER (pct <= -$r50) AS r50, count(*) FILTER (o AND chg) AS chg,
             count(*) FILTER (o AND mb > 0) AS ob, count(*) FILTER (o AND ml > 0) AS ol,
             avg(mb) FILTER (o AND mb > 0) AS mb, avg(ml) FILTER (o AND mb > 0) AS ml,
             avg(ml - mb) FILTER (o AND mb > 0) AS md,
             stddev_samp(ml - mb) FILTER (o AND mb > 0) AS msd, sum(k)::BIGINT AS k
      FROM x GROUP BY GROUPING SETS ((cond, clinic_id), (cond)))
SELECT cond, CASE WHEN pooled THEN NULL ELSE clinic_id END, np, att, mis, can,
       att / nullif(att + mis + can, 0), no, b, l, ch,
       ch - CASE WHEN no >= 2 THEN t_quantile($t_p, no - 1) * sd / sqrt(no) END,
       ch + CASE WHEN no >= 2 THEN t_quantile($t_p, no - 1) * sd / sqrt(no) END,
       pc, z0, nd,
       r30, r30 / nd,
       (r30 / nd + $z2 / (2 * nd) - $z * sqrt(r30 / nd * (1 - r30 / nd) / nd + $z2 / (4 * nd * nd)))
           / (1 + $z2 / nd),
       (r30 / nd + $z2 / (2 * nd) + $z * sqrt(r30 / nd * (1 - r30 / nd) / nd + $z2 / (4 * nd * nd)))
           / (1 + $z2 / nd),
       r50, r50 / nd,
       (r50 / nd + $z2 / (2 * nd) - $z * sqrt(r50 / nd * (1 - r50 / nd) / nd + $z2 / (4 * nd * nd)))
           / (1 + $z2 / nd),
       (r50 / nd + $z2 / (2 * nd) + $z * sqrt(r50 / nd * (1 - r50 / nd) / nd + $z2 / (4 * nd * nd)))
           / (1 + $z2 / nd),
       chg, ob, ol, mb, ml, md,
       md - CASE WHEN ob >= 2 THEN t_quantile($t_p, ob - 1) * msd / sqrt(ob) END,
       md + CASE WHEN ob >= 2 THEN t_quantile($t_p, ob - 1) * msd / sqrt(ob) END,
       k, 1000.0::DOUBLE * k / nullif(att, 0)
FROM g ORDER BY cond, pooled, clinic_id
"""


def _same(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    if len(a) != len(b):
        return False
    for row_a, row_b in zip(a, b, strict=True):
        for x, y in zip(row_a, row_b, strict=True):
            if isinstance(x, float) or isinstance(y, float):
                if x is None or y is None:
                    if x is not y:
                        return False
                elif not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif x != y:
                return False
    return True


def _hand(folder: Path, query: CohortQuery) -> list[tuple[Any, ...]]:
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    try:
        prepare(con, query)
        p = query.parameters()
        sql = HAND_QUERY.replace("{d}", str(folder).replace("'", "''"))
        bound = {"instrument": p["instrument"], "r30": p["r30"], "r50": p["r50"],
                 "t_p": p["t_p"], "z": p["z"], "z2": p["z"] * p["z"]}
        return con.execute(sql, bound).fetchall()
    finally:
        con.close()


def _report(folder: Path, query: CohortQuery) -> list[tuple[Any, ...]]:
    table = cohort_report(source_for(parquet=folder), query)
    return [tuple(row.values()) for row in table.to_pylist()]


def _pandas(folder: Path, query: CohortQuery) -> list[tuple[Any, ...]]:
    tables = {
        name: pd.read_parquet(folder / f"{name}.parquet", columns=columns)
        for name, columns in READ.items()
    }
    frame = cohort_pandas(
        tables,
        query.mme_factors,
        mme_units=query.mme_units,
        instrument=query.instrument,
        thresholds=query.responder_thresholds,
        confidence=query.confidence,
    )
    return [tuple(None if _nan(v) else v for v in row)
            for row in frame.itertuples(index=False, name=None)]


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _median_times(
    runs: dict[str, Callable[[], object]], rounds: int
) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, fn in runs.items():
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def _profile_report(folder: Path, query: CohortQuery, top: int = 12) -> None:
    """The report's operators by time, from DuckDB's profile of one run (EXPLAIN ANALYZE's)."""
    con = connect(source_for(parquet=folder))
    try:
        prepare(con, query)
        out = folder.parent / "profile.json"
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute(f"PRAGMA profiling_output = '{out}'")
        con.sql(COHORT_SQL, params=query.parameters()).fetchall()
        con.execute("PRAGMA disable_profiling")
    finally:
        con.close()
    profile = json.loads(out.read_text())
    ops: list[tuple[float, int, str, str]] = []

    def walk(node: dict[str, Any]) -> None:
        extra = node.get("extra_info", {})
        what = extra.get("Aggregates") or extra.get("Conditions") or extra.get("Projections")
        text = "; ".join(what) if isinstance(what, list) else str(what or "")
        files = str(extra.get("Filename(s)", "")).rsplit("/", 1)[-1]
        ops.append((float(node.get("timing", 0.0)), int(node.get("intermediate_rows", 0)),
                    str(node.get("name")), (files + " " + text).strip()[:80]))
        for child in node.get("children", []):
            walk(child)

    for node in profile["operator"]:
        walk(node)
    total = sum(o[0] for o in ops) or 1.0
    query_info = profile["query"]
    print(f"analytics: profile of the report: {query_info['total_time']:.3f} s wall, "
          f"{query_info['cpu_time']:.3f} s of operator CPU (both cores when > wall)")
    for seconds, rows, name, what in sorted(ops, reverse=True)[:top]:
        print(f"analytics:   {100 * seconds / total:5.1f}% {seconds:7.3f} s {rows:>12,} rows "
              f"{name:<14} {what}")


def _profile_pandas(folder: Path, query: CohortQuery, top: int = 12) -> None:
    """The pandas baseline's steps by cumulative time (cProfile, its overhead included)."""
    profiler = cProfile.Profile()
    profiler.runcall(_pandas, folder, query)
    stats = pstats.Stats(profiler)
    total = max(v[3] for v in stats.stats.values())  # type: ignore[attr-defined]
    rows = sorted(((v[3], f"{Path(k[0]).name}:{k[1]}({k[2]})")
                   for k, v in stats.stats.items()  # type: ignore[attr-defined]
                   if "cohort_pandas" in k[0] or "analytics.py" in k[0]
                   or k[2] in ("read_parquet", "to_datetime", "merge", "sort_values", "tail")),
                  reverse=True)
    print(f"analytics: profile of the pandas baseline: {total:.3f} s under cProfile")
    for seconds, where in rows[:top]:
        print(f"analytics:   {100 * seconds / total:5.1f}% {seconds:7.3f} s {where}")


def run(quick: bool, patients: int | None = None, profile: bool | None = None) -> None:
    """Print the generator's speed, the three timings and the two ratios with their targets.

    ``profile`` (by default at the full size, where the 10x target is stated) also prints where
    the report's and the pandas baseline's time goes, measured in the same run.
    """
    patients = patients or (20_000 if quick else 1_000_000)
    profile = not quick if profile is None else profile
    # Other jobs share the cores; the load average says how much of them DuckDB could use.
    print(f"analytics: load average {_load()} at the start")
    rounds = 5 if quick else 3
    query = knowledge_query()  # the MME table of knowledge/drugs.yaml (CDC 2022)
    with tempfile.TemporaryDirectory(prefix="acuneuro-bench-") as tmp:
        folder = Path(tmp) / "registry"
        gen = generate_registry(ParquetSink(folder), patients, clinics=20, seed=2026)
        print(f"analytics: generated {patients:,} patients, {gen.total_rows:,} rows to Parquet "
              f"in {gen.seconds:.1f} s ({gen.rows_per_second:,.0f} rows/s)")
        report, hand, pandas_rows = _report(folder, query), _hand(folder, query), None
        pandas_rows = _pandas(folder, query)
        agree = _same(report, hand) and _same(report, pandas_rows)
        print(f"analytics: {len(report)} report rows; report = hand query = pandas: "
              f"{'yes' if agree else 'NO'}")
        medians = _median_times(
            {
                "report": lambda: _report(folder, query),
                "hand": lambda: _hand(folder, query),
                "pandas": lambda: _pandas(folder, query),
            },
            rounds,
        )
        if profile:
            _profile_report(folder, query)
            _profile_pandas(folder, query)
    for name, label in (("report", "cohort report (DuckDB over Parquet)"),
                        ("hand", "hand-written DuckDB query (ceiling)"),
                        ("pandas", "pandas baseline")):
        print(f"analytics: {label:<38} median {medians[name]:8.3f} s over {rounds} rounds")
    print(f"analytics: load average {_load()} at the end")
    to_ceiling = medians["report"] / medians["hand"]
    vs_pandas = medians["pandas"] / medians["report"]
    print(f"analytics: ratio report / hand query = {to_ceiling:.2f} (target <= 1.5): "
          f"{'met' if to_ceiling <= 1.5 else 'MISSED'}")
    print(f"analytics: ratio pandas / report     = {vs_pandas:.1f} (target >= 10): "
          f"{'met' if vs_pandas >= 10 else 'MISSED'}")


if __name__ == "__main__":
    import sys

    run(quick="--full" not in sys.argv)
