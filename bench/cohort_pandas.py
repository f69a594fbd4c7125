"""An independent pandas computation of the cohort report, to check the SQL and to time it.

Written from the definitions in :mod:`acuneuro.analytics.cohort`, not from the SQL: it shares
no code with it, takes its intervals from scipy (``stats.t.interval``, ``binomtest(...)
.proportion_ci(method="wilson")``), and reads the tables with pandas. The report never uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["DATE_COLUMNS", "cohort_pandas"]

DATE_COLUMNS = {
    "treatment_sessions": ["occurred_on"],
    "score_records": ["taken_on"],
    "medication_statements": ["start_on", "stop_on"],
}


def _dates(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    frame = frame.copy()
    for name in DATE_COLUMNS.get(table, []):
        frame[name] = pd.to_datetime(frame[name])
    return frame


def _t_interval(values: pd.Series, confidence: float) -> tuple[float | None, float | None]:
    values = values.dropna()
    if len(values) < 2:
        return None, None
    sem = float(stats.sem(values))
    if sem == 0:
        return float(values.mean()), float(values.mean())
    low, high = stats.t.interval(confidence, len(values) - 1, loc=values.mean(), scale=sem)
    return float(low), float(high)


def _wilson(k: int, n: int, confidence: float) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.mean()) if len(values) else None


def _summary(g: pd.DataFrame, r30: float, r50: float, confidence: float) -> dict[str, Any]:
    out = g[g["has_outcome"]]
    pct = out["pct"].dropna()
    users = out[out["mme_baseline"] > 0]
    attended, missed, cancelled = (int(g[c].sum()) for c in ("attended", "missed", "cancelled"))
    planned = attended + missed + cancelled
    n30, n50 = int((pct <= -r30).sum()), int((pct <= -r50).sum())
    change_ci = _t_interval(out["latest"] - out["baseline"], confidence)
    mme_ci = _t_interval(users["mme_latest"] - users["mme_baseline"], confidence)
    w30, w50 = _wilson(n30, len(pct), confidence), _wilson(n50, len(pct), confidence)
    events = int(g["adverse_events"].sum())
    return {
        "patients": len(g),
        "sessions_attended": attended,
        "sessions_missed": missed,
        "sessions_cancelled": cancelled,
        "adherence": attended / planned if planned else None,
        "patients_with_outcome": len(out),
        "baseline_nrs_mean": _mean(out["baseline"]),
        "latest_nrs_mean": _mean(out["latest"]),
        "change_mean": _mean(out["latest"] - out["baseline"]),
        "change_ci_low": change_ci[0],
        "change_ci_high": change_ci[1],
        "percent_change_mean": _mean(pct),
        "baseline_zero_excluded": int((out["baseline"] == 0).sum()),
        "responder_denominator": len(pct),
        "responders_30": n30,
        "responder_30_rate": n30 / len(pct) if len(pct) else None,
        "responder_30_ci_low": w30[0],
        "responder_30_ci_high": w30[1],
        "responders_50": n50,
        "responder_50_rate": n50 / len(pct) if len(pct) else None,
        "responder_50_ci_low": w50[0],
        "responder_50_ci_high": w50[1],
        "medication_changed": int(out["medication_changed"].sum()),
        "opioid_baseline": len(users),
        "opioid_latest": int((out["mme_latest"] > 0).sum()),
        "mme_baseline_mean": _mean(users["mme_baseline"]),
        "mme_latest_mean": _mean(users["mme_latest"]),
        "mme_change_mean": _mean(users["mme_latest"] - users["mme_baseline"]),
        "mme_change_ci_low": mme_ci[0],
        "mme_change_ci_high": mme_ci[1],
        "adverse_events": events,
        "adverse_events_per_1000_sessions": 1000 * events / attended if attended else None,
    }


def _active(meds: pd.DataFrame, day: str) -> pd.Series:
    started = meds["start_on"] <= meds[day]
    return started & (meds["stop_on"].isna() | (meds["stop_on"] >= meds[day]))


def cohort_pandas(
    tables: Mapping[str, pd.DataFrame],
    mme_factors: Mapping[str, float],
    *,
    mme_units: Mapping[str, str] | None = None,
    condition: str | None = None,
    since: date | None = None,
    instrument: str = "nrs",
    thresholds: tuple[float, float] = (30.0, 50.0),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The cohort report from raw tables (patients, episodes, treatment_sessions, ...)."""
    # Rows marked entered in error are not counted (the SQL filters on status alike).
    t = {name: _dates(frame[frame["status"] == "active"] if "status" in frame.columns
                      and name != "plans" else frame, name)
         for name, frame in tables.items()}
    first_ep = t["episodes"].sort_values("id").drop_duplicates("patient_id")
    cohort = t["patients"][["id", "clinic_id"]].rename(columns={"id": "patient_id"})
    cohort = cohort.merge(
        first_ep[["patient_id", "condition_kind"]].astype({"condition_kind": str}),
        on="patient_id",
        how="left",
    )
    cohort["condition"] = cohort.pop("condition_kind").fillna("not recorded")
    ts = t["treatment_sessions"]
    counts = ts.groupby(["patient_id", "attendance"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=["attended", "missed", "cancelled"], fill_value=0)
    cohort = cohort.merge(counts, left_on="patient_id", right_index=True, how="left")
    first_on = ts[ts["attendance"] == "attended"].groupby("patient_id")["occurred_on"].min()
    # merge, not map: mapping through an empty datetime series fails in pandas.
    cohort = cohort.merge(first_on.rename("first_on"), left_on="patient_id", right_index=True,
                          how="left")
    for name in ("attended", "missed", "cancelled"):
        cohort[name] = cohort[name].fillna(0).astype(int)
    if condition is not None:
        cohort = cohort[cohort["condition"] == condition]
    if since is not None:
        cohort = cohort[cohort["first_on"] >= pd.Timestamp(since)]

    s = t["score_records"]
    s = s[(s["instrument_id"] == instrument) & s["total"].notna()]
    s = s.merge(cohort[["patient_id", "first_on"]].dropna(), on="patient_id")
    baseline = s[s["taken_on"] <= s["first_on"]].groupby("patient_id")["total"].mean()
    after = s[s["taken_on"] > s["first_on"]].sort_values(["patient_id", "taken_on", "id"])
    last = after.groupby("patient_id").tail(1).set_index("patient_id")
    cohort["baseline"] = cohort["patient_id"].map(baseline)
    latest = last[["total", "taken_on"]].rename(
        columns={"total": "latest", "taken_on": "latest_on"}
    )
    cohort = cohort.merge(latest, left_on="patient_id", right_index=True, how="left")
    cohort["has_outcome"] = cohort["baseline"].notna() & cohort["latest"].notna()
    b = cohort["baseline"].where(cohort["has_outcome"] & (cohort["baseline"] > 0))
    cohort["pct"] = (cohort["latest"] - b) * 100 / b

    meds = t["medication_statements"].merge(
        cohort.loc[cohort["has_outcome"], ["patient_id", "first_on", "latest_on"]], on="patient_id"
    )
    units = {k.lower(): u for k, u in (mme_units or {}).items()}
    factor = {(k.lower(), units.get(k.lower(), "mg")): float(v) for k, v in mme_factors.items()}
    keys = pd.Series(
        list(zip(meds["drug"].str.lower(), meds["unit"], strict=True)),
        index=meds.index,
        dtype=object,
    )
    daily = meds["daily_dose"] * keys.map(factor).fillna(0.0)
    meds["mme_b"] = daily.where(_active(meds, "first_on"), 0.0)
    meds["mme_l"] = daily.where(_active(meds, "latest_on"), 0.0)
    meds["chg"] = _active(meds, "first_on") != _active(meds, "latest_on")
    grouped = meds.groupby("patient_id")
    mme_b = grouped["mme_b"].sum() if len(meds) else pd.Series(dtype=float)
    mme_l = grouped["mme_l"].sum() if len(meds) else pd.Series(dtype=float)
    changed = set(meds.loc[meds["chg"].astype(bool), "patient_id"])
    cohort["mme_baseline"] = cohort["patient_id"].map(mme_b).astype(float).fillna(0.0)
    cohort["mme_latest"] = cohort["patient_id"].map(mme_l).astype(float).fillna(0.0)
    cohort["medication_changed"] = cohort["patient_id"].isin(changed)
    events = t["adverse_events"].groupby("patient_id").size()
    cohort["adverse_events"] = cohort["patient_id"].map(events).fillna(0).astype(int)

    r30, r50 = thresholds
    rows = []
    for (cond, clinic), g in cohort.groupby(["condition", "clinic_id"]):
        rows.append({"condition": cond, "clinic_id": clinic, **_summary(g, r30, r50, confidence)})
    for cond, g in cohort.groupby("condition"):
        rows.append({"condition": cond, "clinic_id": None, **_summary(g, r30, r50, confidence)})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["_pooled"] = frame["clinic_id"].isna()
    frame = frame.sort_values(["condition", "_pooled", "clinic_id"]).drop(columns="_pooled")
    return frame.replace({np.nan: None}).reset_index(drop=True)
