"""The report's definitions on hand-built courses, and SQL = pandas on random small registries."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from acuneuro.analytics.cohort import CohortQuery, cohort_report
from bench.cohort_pandas import cohort_pandas

D0 = date(2025, 3, 3)
MME = {"morphine": 1.0, "oxycodone": 1.5, "fentanyl": 2.4}
UNITS = {"fentanyl": "mcg/h"}


class Registry:
    """A tiny registry built row by row, bound to DuckDB as pandas frames."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {
            name: []
            for name in (
                "patients",
                "episodes",
                "treatment_sessions",
                "score_records",
                "medication_statements",
                "adverse_events",
            )
        }

    def _add(self, table: str, **row: Any) -> None:
        row.setdefault("id", len(self.rows[table]) + 1)
        row.setdefault("status", "active")  # store.Correctable
        self.rows[table].append(row)

    def patient(self, pid: int, clinic: int = 1, condition: str | None = "dpn") -> None:
        self._add("patients", id=pid, clinic_id=clinic)
        if condition is not None:
            self._add("episodes", clinic_id=clinic, patient_id=pid, condition_kind=condition)

    def session(self, pid: int, day: int, attendance: str = "attended",
                status: str = "active") -> None:
        self._add(
            "treatment_sessions",
            clinic_id=1,
            patient_id=pid,
            occurred_on=D0 + timedelta(days=day),
            attendance=attendance,
            status=status,
        )

    def nrs(
        self,
        pid: int,
        day: int,
        value: float | None,
        sid: int | None = None,
        instrument: str = "nrs",
        status: str = "active",
    ) -> None:
        extra = {"status": status} if sid is None else {"id": sid, "status": status}
        self._add(
            "score_records",
            clinic_id=1,
            patient_id=pid,
            instrument_id=instrument,
            taken_on=D0 + timedelta(days=day),
            total=value,
            **extra,
        )

    def drug(
        self, pid: int, name: str, dose: float, start: int, stop: int | None, unit: str = "mg"
    ) -> None:
        self._add(
            "medication_statements",
            clinic_id=1,
            patient_id=pid,
            drug=name,
            daily_dose=dose,
            unit=unit,
            start_on=D0 + timedelta(days=start),
            stop_on=None if stop is None else D0 + timedelta(days=stop),
        )

    def event(self, pid: int) -> None:
        self._add("adverse_events", clinic_id=1, patient_id=pid, occurred_on=D0, grade=1)

    def frames(self) -> dict[str, pd.DataFrame]:
        columns = {
            "patients": ["id", "clinic_id", "status"],
            "episodes": ["id", "clinic_id", "patient_id", "condition_kind", "status"],
            "treatment_sessions": ["id", "clinic_id", "patient_id", "occurred_on", "attendance",
                                   "status"],
            "score_records": [
                "id",
                "clinic_id",
                "patient_id",
                "instrument_id",
                "taken_on",
                "total",
                "status",
            ],
            "medication_statements": [
                "id",
                "clinic_id",
                "patient_id",
                "drug",
                "daily_dose",
                "unit",
                "start_on",
                "stop_on",
                "status",
            ],
            "adverse_events": ["id", "clinic_id", "patient_id", "occurred_on", "grade", "status"],
        }
        out = {}
        for name, cols in columns.items():
            frame = pd.DataFrame(self.rows[name], columns=cols)
            for col in cols:
                if col in ("occurred_on", "taken_on", "start_on", "stop_on"):
                    frame[col] = pd.to_datetime(frame[col]).astype("datetime64[s]")
            frame = frame.astype({c: "float64" for c in ("total", "daily_dose") if c in cols})
            out[name] = frame
        return out

    def report(self, **kwargs: Any) -> list[dict[str, Any]]:
        con = duckdb.connect(":memory:")
        try:
            for name, frame in self.frames().items():
                con.register(name, frame)
            query = CohortQuery(MME, mme_units=UNITS, **kwargs)
            return list(cohort_report(con, query).to_pylist())
        finally:
            con.close()

    def pooled(self, condition: str = "dpn", **kwargs: Any) -> dict[str, Any]:
        return next(
            r
            for r in self.report(**kwargs)
            if r["condition"] == condition and r["clinic_id"] is None
        )


def course(reg: Registry, pid: int, run_in: list[float], later: list[float]) -> None:
    """Run-in scores on the days up to the first session (day 0), one score per later week."""
    reg.patient(pid)
    reg.session(pid, 0)
    for offset, value in enumerate(reversed(run_in)):
        reg.nrs(pid, -offset, value)
    for week, value in enumerate(later, start=1):
        reg.session(pid, 7 * week)
        reg.nrs(pid, 7 * week, value)


def test_baseline_is_the_mean_up_to_the_first_attended_session() -> None:
    reg = Registry()
    reg.patient(1)
    reg.session(1, 0, "cancelled")  # a cancelled first visit does not start the course
    reg.session(1, 2)
    reg.nrs(1, -1, 8)
    reg.nrs(1, 0, 6)
    reg.nrs(1, 2, 7)  # on the day of the first attended session: still baseline
    reg.nrs(1, 5, 4)
    row = reg.pooled()
    assert row["baseline_nrs_mean"] == pytest.approx(7.0)
    assert row["latest_nrs_mean"] == 4.0
    assert row["adherence"] == 0.5


def test_latest_is_the_last_score_by_date_then_by_record_id() -> None:
    reg = Registry()
    reg.patient(1)
    reg.session(1, 0)
    reg.nrs(1, 0, 8, sid=1)
    reg.nrs(1, 9, 2, sid=3)
    reg.nrs(1, 9, 5, sid=7)  # same day, entered later
    reg.nrs(1, 4, 1, sid=9)  # higher id, earlier day
    assert reg.pooled()["latest_nrs_mean"] == 5.0


def test_reductions_of_exactly_30_and_50_percent_are_responders() -> None:
    reg = Registry()
    course(reg, 1, [10], [7])
    course(reg, 2, [10], [5])
    course(reg, 3, [10], [8])
    row = reg.pooled()
    assert (row["responders_30"], row["responders_50"], row["responder_denominator"]) == (2, 1, 3)


def test_a_zero_baseline_leaves_the_denominators_and_is_counted() -> None:
    reg = Registry()
    course(reg, 1, [0, 0], [3])
    course(reg, 2, [6], [2])
    row = reg.pooled()
    assert row["patients_with_outcome"] == 2
    assert row["baseline_zero_excluded"] == 1
    assert row["responder_denominator"] == 1
    assert row["percent_change_mean"] == pytest.approx(-100 * 4 / 6)
    assert row["change_mean"] == pytest.approx((3 + -4) / 2)


def test_patients_without_an_outcome_count_but_do_not_enter_the_means() -> None:
    reg = Registry()
    course(reg, 1, [6], [3])
    reg.patient(2)
    reg.session(2, 0, "missed")
    reg.nrs(2, 0, 9)
    reg.patient(3)
    reg.session(3, 0)
    reg.nrs(3, 0, 9)  # baseline but nothing after
    row = reg.pooled()
    assert (row["patients"], row["patients_with_outcome"]) == (3, 1)
    assert row["baseline_nrs_mean"] == 6.0
    assert row["change_ci_low"] is None  # one patient: no interval


def test_other_instruments_and_missing_totals_are_ignored() -> None:
    reg = Registry()
    course(reg, 1, [6], [3])
    reg.nrs(1, 30, 0, instrument="dn4")
    reg.nrs(1, 31, None)
    assert reg.pooled()["latest_nrs_mean"] == 3.0


def test_the_change_interval_is_the_t_interval() -> None:
    reg = Registry()
    changes = [-4, -1, -3, 0, -2]
    for pid, change in enumerate(changes, start=1):
        course(reg, pid, [7], [7 + change])
    row = reg.pooled()
    low, high = stats.t.interval(0.95, 4, loc=-2, scale=stats.sem(changes))
    assert row["change_ci_low"] == pytest.approx(low)
    assert row["change_ci_high"] == pytest.approx(high)


def test_every_interval_follows_the_requested_confidence() -> None:
    reg = Registry()
    changes = [-4, -1, -3, 0, -2]
    for pid, change in enumerate(changes, start=1):
        course(reg, pid, [7], [7 + change])
    row = reg.pooled(confidence=0.90)
    low, high = stats.t.interval(0.90, 4, loc=-2, scale=stats.sem(changes))
    ci = stats.binomtest(2, 5).proportion_ci(confidence_level=0.90, method="wilson")
    assert row["change_ci_low"] == pytest.approx(low)
    assert row["change_ci_high"] == pytest.approx(high)
    assert row["responders_30"] == 2  # 7 -> 3 and 7 -> 4: at least 30% less pain
    assert row["responder_30_ci_low"] == pytest.approx(ci.low)
    assert row["responder_30_ci_high"] == pytest.approx(ci.high)

def test_responder_rates_carry_wilson_intervals() -> None:
    reg = Registry()
    for pid in range(1, 11):
        course(reg, pid, [10], [5 if pid <= 3 else 9])
    row = reg.pooled()
    ci = stats.binomtest(3, 10).proportion_ci(method="wilson")
    assert row["responder_50_rate"] == 0.3
    assert row["responder_50_ci_low"] == pytest.approx(ci.low)
    assert row["responder_50_ci_high"] == pytest.approx(ci.high)


def test_mme_counts_statements_active_on_both_dates_stop_day_included() -> None:
    reg = Registry()
    course(reg, 1, [8], [4])  # first session day 0, latest score day 7
    reg.drug(1, "oxycodone", 40, start=-30, stop=0)  # last day = the first session
    reg.drug(1, "Oxycodone", 20, start=1, stop=None)  # taper; names match case-blind
    reg.drug(1, "fentanyl", 25, start=-30, stop=None, unit="mcg/h")
    reg.drug(1, "morphine", 30, start=-30, stop=None, unit="ml")  # unit unknown: no MME
    reg.drug(1, "pregabalin", 300, start=-30, stop=None)
    row = reg.pooled()
    assert row["mme_baseline_mean"] == pytest.approx(40 * 1.5 + 25 * 2.4)
    assert row["mme_latest_mean"] == pytest.approx(20 * 1.5 + 25 * 2.4)
    assert row["mme_change_mean"] == pytest.approx(-30)
    assert (row["opioid_baseline"], row["opioid_latest"], row["medication_changed"]) == (1, 1, 1)


def test_adverse_events_are_a_rate_per_1000_attended_sessions() -> None:
    reg = Registry()
    course(reg, 1, [6], [5, 4, 3])
    reg.event(1)
    assert reg.pooled()["adverse_events_per_1000_sessions"] == pytest.approx(1000 / 4)


def test_a_patient_without_an_episode_is_reported_as_not_recorded() -> None:
    reg = Registry()
    reg.patient(1, condition=None)
    reg.session(1, 0)
    assert reg.pooled("not recorded")["patients"] == 1


def test_records_entered_in_error_are_not_counted() -> None:
    reg = Registry()
    course(reg, 1, [8], [4])
    reg.session(1, 1, status="entered-in-error")
    reg.nrs(1, 20, 0, status="entered-in-error")  # would be the latest score
    row = reg.pooled()
    assert row["sessions_attended"] == 2 and row["latest_nrs_mean"] == 4.0


def test_filters_keep_the_condition_and_courses_started_since() -> None:
    reg = Registry()
    course(reg, 1, [6], [3])
    reg.patient(2, condition="phn")
    reg.session(2, 0)
    reg.patient(3)
    reg.session(3, -40)
    assert {r["condition"] for r in reg.report(condition="phn")} == {"phn"}
    assert reg.pooled(since=D0)["patients"] == 1


# ----------------------------------------------------------------- random small registries

day = st.integers(-10, 40)
statuses = st.sampled_from(["active", "active", "entered-in-error"])


@st.composite
def registries(draw: st.DrawFn) -> Registry:
    reg = Registry()
    for pid in range(1, draw(st.integers(1, 8)) + 1):
        condition = draw(st.sampled_from(["dpn", "phn", None]))
        reg.patient(pid, clinic=draw(st.integers(1, 2)), condition=condition)
        for _ in range(draw(st.integers(0, 4))):
            reg.session(pid, draw(day), draw(st.sampled_from(["attended", "missed", "cancelled"])),
                        draw(statuses))
        for _ in range(draw(st.integers(0, 5))):
            reg.nrs(pid, draw(day), draw(st.one_of(st.none(), st.integers(0, 10).map(float))),
                    status=draw(statuses))
        for _ in range(draw(st.integers(0, 3))):
            start = draw(day)
            stop = draw(st.one_of(st.none(), st.integers(start, 45)))
            reg.drug(
                pid,
                draw(st.sampled_from(["morphine", "oxycodone", "pregabalin"])),
                float(draw(st.integers(5, 60))),
                start,
                stop,
            )
        for _ in range(draw(st.integers(0, 1))):
            reg.event(pid)
    return reg


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries())
def test_sql_equals_pandas_on_random_registries(reg: Registry) -> None:
    sql = reg.report()
    expected = cohort_pandas(reg.frames(), MME, mme_units=UNITS).to_dict("records")
    assert len(sql) == len(expected)
    for got, want in zip(sql, expected, strict=True):
        bad = {k: (got[k], v) for k, v in want.items() if not _close(got[k], v)}
        assert not bad, (got["condition"], got["clinic_id"], bad)
