"""Clinic dashboard: the registry cohort figures of the caller's own clinic, as one audited read.

The clinic scope is in every query: the rows of each table are read ``WHERE clinic_id = the
caller's clinic`` and only these rows are handed to DuckDB, which runs the registry cohort
statement (:data:`acuneuro.analytics.cohort.COHORT_SQL`, definitions there) with the MME table
and responder cut-offs of ``knowledge/``. Nobody can ask for another clinic's figures.

Administrators and clinicians see their clinic's figures. Researchers see de-identified
aggregates: small cells are suppressed (a count of 1 to k-1 patients, events or sessions, with
k the ``default_k`` of ``knowledge/privacy.yaml``, 5; Sweeney 2002), and so is every rate, mean
or interval computed from fewer than k patients or from a suppressed count, since it would give
the count back. Each view is audited as one aggregate read (``cohort_analytics``, no patient).

The clinic is read in one read-only snapshot (``Database.snapshot``), never under the writer
lock, and the figures are computed in a separate lower-priority process
(``services._cohort_process``); callers are rate limited per account and address
(``services.throttle``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from acuneuro.analytics.cohort import knowledge_query
from acuneuro.knowledge import privacy_policy
from acuneuro.services._actor import Actor
from acuneuro.services._cohort_process import compute_in_worker
from acuneuro.services._context import Context
from acuneuro.services._policy import UseCase, allowed
from acuneuro.services._refusals import role_refused_for
from acuneuro.services.audit import Action, Outcome, record_alone
from acuneuro.services.throttle import Work, check_work
from acuneuro.store import Role

__all__ = ["CohortRow", "Dashboard", "clinic_dashboard"]

_RESOURCE = "cohort_analytics"
_COUNTS = (
    "patients", "sessions_attended", "sessions_missed", "sessions_cancelled",
    "patients_with_outcome", "baseline_zero_excluded", "responder_denominator",
    "responders_30", "responders_50", "medication_changed", "opioid_baseline", "opioid_latest",
    "adverse_events",
)
# Figures derived from a count: suppressed with it, or when the count is below k.
_DERIVED: dict[str, tuple[str, ...]] = {
    "patients_with_outcome": ("baseline_nrs_mean", "latest_nrs_mean", "change_mean",
                              "change_ci_low", "change_ci_high"),
    "responder_denominator": ("percent_change_mean", "responder_30_rate", "responder_30_ci_low",
                              "responder_30_ci_high", "responder_50_rate",
                              "responder_50_ci_low", "responder_50_ci_high"),
    "responders_30": ("responder_30_rate", "responder_30_ci_low", "responder_30_ci_high"),
    "responders_50": ("responder_50_rate", "responder_50_ci_low", "responder_50_ci_high"),
    "opioid_baseline": ("mme_baseline_mean", "mme_latest_mean", "mme_change_mean",
                        "mme_change_ci_low", "mme_change_ci_high"),
    "sessions_attended": ("adherence", "adverse_events_per_1000_sessions"),
    "sessions_missed": ("adherence",),
    "sessions_cancelled": ("adherence",),
    "adverse_events": ("adverse_events_per_1000_sessions",),
}


class CohortRow(BaseModel):
    """The figures of one condition in the clinic (None: no data, or suppressed)."""

    model_config = ConfigDict(frozen=True)

    condition: str
    patients: int | None
    sessions_attended: int | None
    sessions_missed: int | None
    sessions_cancelled: int | None
    adherence: float | None
    patients_with_outcome: int | None
    baseline_nrs_mean: float | None
    latest_nrs_mean: float | None
    change_mean: float | None
    change_ci_low: float | None
    change_ci_high: float | None
    percent_change_mean: float | None
    baseline_zero_excluded: int | None
    responder_denominator: int | None
    responders_30: int | None
    responder_30_rate: float | None
    responder_30_ci_low: float | None
    responder_30_ci_high: float | None
    responders_50: int | None
    responder_50_rate: float | None
    responder_50_ci_low: float | None
    responder_50_ci_high: float | None
    medication_changed: int | None
    opioid_baseline: int | None
    opioid_latest: int | None
    mme_baseline_mean: float | None
    mme_latest_mean: float | None
    mme_change_mean: float | None
    mme_change_ci_low: float | None
    mme_change_ci_high: float | None
    adverse_events: int | None
    adverse_events_per_1000_sessions: float | None
    # Names of the figures withheld from this reader (small cells), empty when none.
    suppressed: list[str]


class Dashboard(BaseModel):
    """The caller's clinic's cohort figures per condition, and how they were computed."""

    model_config = ConfigDict(frozen=True)

    clinic_id: int
    deidentified: bool
    small_cell_threshold: int | None
    mme_table: str | None
    responder_thresholds: tuple[float, float]
    rows: list[CohortRow]


def clinic_dashboard(ctx: Context, actor: Actor) -> Dashboard:
    """The cohort figures of the caller's clinic; de-identified with small cells for researchers."""
    if not allowed(actor.role, UseCase.COHORT_ANALYTICS):
        record_alone(ctx, actor=actor, action=Action.READ, resource=_RESOURCE,
                     outcome=Outcome.DENIED)
        raise role_refused_for(actor.role, UseCase.COHORT_ANALYTICS)
    check_work(ctx, Work.ANALYTICS, actor)
    query = knowledge_query()
    # Read from one snapshot and computed in the lower-priority worker process: no writer
    # lock, and no GIL taken from the patient reads of this server. The audit row is
    # committed before any figure is returned, as for every read.
    raw = compute_in_worker(ctx.db, actor.clinic_id)
    record_alone(ctx, actor=actor, action=Action.READ, resource=_RESOURCE,
                 outcome=Outcome.SUCCESS)
    deidentified = actor.role is Role.RESEARCHER
    k = privacy_policy().k_anonymity.default_k if deidentified else None
    rows = [_row(r, k) for r in raw if r["clinic_id"] is not None]
    return Dashboard(clinic_id=actor.clinic_id, deidentified=deidentified,
                     small_cell_threshold=k, mme_table=query.mme_version,
                     responder_thresholds=query.responder_thresholds, rows=rows)


def _row(raw: dict[str, Any], k: int | None) -> CohortRow:
    values = {name: value for name, value in raw.items() if name in CohortRow.model_fields}
    hidden: set[str] = set()
    if k is not None:
        if (raw["patients"] or 0) < k:
            hidden = {name for name in values if name != "condition"}
        for count in _COUNTS:
            value = raw[count] or 0
            if 0 < value < k:
                hidden.add(count)
                hidden.update(_DERIVED.get(count, ()))
    for name in hidden:
        values[name] = None
    return CohortRow(**values, suppressed=sorted(hidden))
