"""The cohort report as one SQL statement (DuckDB dialect), kept as text so that it can be read,
reviewed and run unchanged on any of the three sources.

Registry cohort report, per condition and clinic and pooled per condition.
The same text runs over the live SQLite store, the live PostgreSQL store and a Parquet export:
the source binds the bare table names (views in DuckDB), nothing here changes.
Parameters: $instrument, $condition (NULL = all), $since (NULL = all), $r30, $r50 (percent
reduction thresholds), $z (normal quantile of the Wilson intervals), $t_p (probability of the
Student t quantile of the mean intervals; both from the confidence level). A temp table
mme_factors(drug, unit, factor) holds the MME factor per unit of daily dose (CDC 2022
table); a statement in another unit than its drug's factor adds no MME.
t_quantile(p, df) is the Student t quantile, registered by the caller.
Definitions: docs/scaling.md and acuneuro.analytics.cohort.
Rows marked entered in error (``status <> 'active'``, services.corrections) are not counted.
"""

from __future__ import annotations

__all__ = ["COHORT_SQL"]

COHORT_SQL = """\
WITH
first_episode AS (
    SELECT patient_id, arg_min(CAST(condition_kind AS VARCHAR), id) AS condition
    FROM episodes
    WHERE status = 'active'
    GROUP BY patient_id
),
attendance AS (
    SELECT patient_id,
           min(occurred_on) FILTER (WHERE attendance = 'attended') AS first_on,
           count(*) FILTER (WHERE attendance = 'attended') AS attended,
           count(*) FILTER (WHERE attendance = 'missed') AS missed,
           count(*) FILTER (WHERE attendance = 'cancelled') AS cancelled
    FROM treatment_sessions
    WHERE status = 'active'
    GROUP BY patient_id
),
cohort AS (
    SELECT p.id AS patient_id, p.clinic_id,
           coalesce(e.condition, 'not recorded') AS condition,
           a.first_on,
           coalesce(a.attended, 0) AS attended,
           coalesce(a.missed, 0) AS missed,
           coalesce(a.cancelled, 0) AS cancelled
    FROM patients p
    LEFT JOIN first_episode e ON e.patient_id = p.id
    LEFT JOIN attendance a ON a.patient_id = p.id
    WHERE ($condition IS NULL OR coalesce(e.condition, 'not recorded') = $condition)
      AND ($since IS NULL OR a.first_on >= $since)
),
-- The same first_on as in attendance, kept apart so that each is used once and inlined: a CTE
-- used twice is materialised, reaches the planner with the cardinality estimate of its input,
-- and the join below then built its hash table on the millions of score rows instead of on
-- this one row per patient (EXPLAIN ANALYZE, issue 8).
first_attended AS (
    SELECT patient_id, min(occurred_on) AS first_on
    FROM treatment_sessions
    WHERE attendance = 'attended' AND status = 'active'
    GROUP BY patient_id
),
nrs AS (
    SELECT s.patient_id, s.id, s.taken_on, s.total, c.first_on
    FROM score_records s
    -- Joined to the small per-patient first date, not the cohort: cheaper; outcome filters.
    JOIN first_attended c ON c.patient_id = s.patient_id
    WHERE s.instrument_id = $instrument AND s.total IS NOT NULL AND c.first_on IS NOT NULL
      AND s.status = 'active'
),
scores AS (
    SELECT patient_id,
           avg(total) FILTER (WHERE taken_on <= first_on) AS baseline,
           arg_max(total, (taken_on, id)) FILTER (WHERE taken_on > first_on) AS latest,
           max(taken_on) FILTER (WHERE taken_on > first_on) AS latest_on
    FROM nrs
    GROUP BY patient_id
),
outcome AS (
    SELECT c.patient_id, c.first_on, s.baseline, s.latest, s.latest_on,
           s.latest - s.baseline AS change,
           -- Multiplied before dividing: 10 -> 7 is exactly -30, on the responder cut-off.
           CASE WHEN s.baseline > 0 THEN (s.latest - s.baseline) * 100 / s.baseline END AS pct
    FROM cohort c
    JOIN scores s ON s.patient_id = c.patient_id
    WHERE s.baseline IS NOT NULL AND s.latest IS NOT NULL
),
medication AS (
    SELECT o.patient_id,
           sum(CASE WHEN m.start_on <= o.first_on AND coalesce(m.stop_on >= o.first_on, TRUE)
                    THEN m.daily_dose * f.factor ELSE 0 END) AS mme_baseline,
           sum(CASE WHEN m.start_on <= o.latest_on AND coalesce(m.stop_on >= o.latest_on, TRUE)
                    THEN m.daily_dose * f.factor ELSE 0 END) AS mme_latest,
           bool_or((m.start_on <= o.first_on AND coalesce(m.stop_on >= o.first_on, TRUE))
                   <> (m.start_on <= o.latest_on AND coalesce(m.stop_on >= o.latest_on, TRUE)))
               AS changed
    FROM outcome o
    JOIN medication_statements m ON m.patient_id = o.patient_id AND m.status = 'active'
    LEFT JOIN mme_factors f ON f.drug = lower(m.drug) AND f.unit = m.unit
    GROUP BY o.patient_id
),
events AS (
    SELECT ae.patient_id, count(*) AS adverse_events
    FROM adverse_events ae
    JOIN cohort c ON c.patient_id = ae.patient_id
    WHERE ae.status = 'active'
    GROUP BY ae.patient_id
),
per_patient AS (
    SELECT c.condition, c.clinic_id, c.attended, c.missed, c.cancelled,
           o.baseline, o.latest, o.change, o.pct,
           o.patient_id IS NOT NULL AS has_outcome,
           coalesce(m.mme_baseline, 0) AS mme_baseline,
           coalesce(m.mme_latest, 0) AS mme_latest,
           coalesce(m.changed, FALSE) AS medication_changed,
           coalesce(ev.adverse_events, 0) AS adverse_events
    FROM cohort c
    LEFT JOIN outcome o ON o.patient_id = c.patient_id
    LEFT JOIN medication m ON m.patient_id = c.patient_id
    LEFT JOIN events ev ON ev.patient_id = c.patient_id
),
grouped AS (
    SELECT condition, clinic_id, grouping(clinic_id) = 1 AS pooled,
           count(*) AS patients,
           CAST(sum(attended) AS BIGINT) AS sessions_attended,
           CAST(sum(missed) AS BIGINT) AS sessions_missed,
           CAST(sum(cancelled) AS BIGINT) AS sessions_cancelled,
           count(*) FILTER (WHERE has_outcome) AS patients_with_outcome,
           avg(baseline) AS baseline_nrs_mean,
           avg(latest) AS latest_nrs_mean,
           avg(change) AS change_mean,
           stddev_samp(change) AS change_sd,
           count(*) FILTER (WHERE has_outcome AND baseline = 0) AS baseline_zero_excluded,
           count(pct) AS responder_denominator,
           avg(pct) AS percent_change_mean,
           count(*) FILTER (WHERE pct <= -$r30) AS responders_30,
           count(*) FILTER (WHERE pct <= -$r50) AS responders_50,
           count(*) FILTER (WHERE has_outcome AND medication_changed) AS medication_changed,
           count(*) FILTER (WHERE has_outcome AND mme_baseline > 0) AS opioid_baseline,
           count(*) FILTER (WHERE has_outcome AND mme_latest > 0) AS opioid_latest,
           avg(mme_baseline) FILTER (WHERE has_outcome AND mme_baseline > 0)
               AS mme_baseline_mean,
           avg(mme_latest) FILTER (WHERE has_outcome AND mme_baseline > 0) AS mme_latest_mean,
           avg(mme_latest - mme_baseline) FILTER (WHERE has_outcome AND mme_baseline > 0)
               AS mme_change_mean,
           stddev_samp(mme_latest - mme_baseline) FILTER (WHERE has_outcome AND mme_baseline > 0)
               AS mme_change_sd,
           CAST(sum(adverse_events) AS BIGINT) AS adverse_events
    FROM per_patient
    GROUP BY GROUPING SETS ((condition, clinic_id), (condition))
),
rated AS (
    SELECT *,
           responders_30 / nullif(responder_denominator, 0) AS p30,
           responders_50 / nullif(responder_denominator, 0) AS p50,
           CASE WHEN patients_with_outcome >= 2
                THEN t_quantile($t_p, patients_with_outcome - 1) * change_sd
                     / sqrt(patients_with_outcome) END AS change_half,
           CASE WHEN opioid_baseline >= 2
                THEN t_quantile($t_p, opioid_baseline - 1) * mme_change_sd
                     / sqrt(opioid_baseline) END AS mme_half
    FROM grouped
)
SELECT condition,
       CASE WHEN pooled THEN NULL ELSE clinic_id END AS clinic_id,
       patients, sessions_attended, sessions_missed, sessions_cancelled,
       sessions_attended / nullif(sessions_attended + sessions_missed + sessions_cancelled, 0)
           AS adherence,
       patients_with_outcome, baseline_nrs_mean, latest_nrs_mean,
       change_mean, change_mean - change_half AS change_ci_low,
       change_mean + change_half AS change_ci_high,
       percent_change_mean, baseline_zero_excluded, responder_denominator,
       responders_30, p30 AS responder_30_rate,
       (p30 + $z * $z / (2 * responder_denominator)
        - $z * sqrt(p30 * (1 - p30) / responder_denominator
                    + $z * $z / (4 * responder_denominator * responder_denominator)))
           / (1 + $z * $z / responder_denominator) AS responder_30_ci_low,
       (p30 + $z * $z / (2 * responder_denominator)
        + $z * sqrt(p30 * (1 - p30) / responder_denominator
                    + $z * $z / (4 * responder_denominator * responder_denominator)))
           / (1 + $z * $z / responder_denominator) AS responder_30_ci_high,
       responders_50, p50 AS responder_50_rate,
       (p50 + $z * $z / (2 * responder_denominator)
        - $z * sqrt(p50 * (1 - p50) / responder_denominator
                    + $z * $z / (4 * responder_denominator * responder_denominator)))
           / (1 + $z * $z / responder_denominator) AS responder_50_ci_low,
       (p50 + $z * $z / (2 * responder_denominator)
        + $z * sqrt(p50 * (1 - p50) / responder_denominator
                    + $z * $z / (4 * responder_denominator * responder_denominator)))
           / (1 + $z * $z / responder_denominator) AS responder_50_ci_high,
       medication_changed, opioid_baseline, opioid_latest,
       mme_baseline_mean, mme_latest_mean, mme_change_mean,
       mme_change_mean - mme_half AS mme_change_ci_low,
       mme_change_mean + mme_half AS mme_change_ci_high,
       adverse_events,
       CAST(1000 AS DOUBLE) * adverse_events / nullif(sessions_attended, 0)
           AS adverse_events_per_1000_sessions
FROM rated
ORDER BY condition, pooled, clinic_id
"""
