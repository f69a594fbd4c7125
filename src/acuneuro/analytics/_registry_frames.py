"""Vectorised synthetic courses: one chunk of patients as Arrow tables, one per store table.

Every row of a chunk is drawn with numpy from a generator seeded by ``(seed, chunk index)``,
so the registry is the same whatever the sink (SQLite, PostgreSQL, Parquet) and whatever the
batch size the sink uses. The figures below are plausible shapes for a synthetic registry,
not clinical facts: nothing in acuneuro reads them back as knowledge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from acuneuro.clinical.scoring import get_instrument

__all__ = ["CHUNK_PATIENTS", "TABLE_ORDER", "ChunkIds", "generate_chunk"]

# Patients per chunk; part of the registry's definition (changing it changes the draws).
CHUNK_PATIENTS = 10_000

# Parents before children, so foreign keys hold after every chunk.
TABLE_ORDER = (
    "patients",
    "patient_identities",
    "episodes",
    "plans",
    "planned_sessions",
    "treatment_sessions",
    "score_records",
    "medication_statements",
    "adverse_events",
)

_CORRECTABLE = ("patients", "episodes", "treatment_sessions", "score_records",
                "medication_statements", "adverse_events")
_CONDITIONS = np.array(["dpn", "phn", "cipn", "other"])
_CONDITION_P = [0.45, 0.2, 0.25, 0.1]
_ICD10 = np.array(["E11.42", "B02.29", "G62.0", "G62.9"])
_EPOCH = np.datetime64("1970-01-01", "D")
_FIRST_DAY = (np.datetime64("2021-01-04", "D") - _EPOCH).astype(np.int64)
_COURSE_SPAN_DAYS = 5 * 365
# Opioid, usual daily dose range in mg (synthetic, roughly the common outpatient range).
_OPIOIDS = np.array(
    ["tramadol", "oxycodone", "morphine", "hydrocodone", "tapentadol", "codeine", "hydromorphone"]
)
_OPIOID_DOSE = np.array([[100, 400], [10, 60], [30, 120], [20, 60], [100, 400], [60, 240], [4, 16]])
_ADJUVANTS = np.array(["pregabalin", "gabapentin", "duloxetine", "amitriptyline"])
_ADJUVANT_DOSE = np.array([[150, 600], [900, 3600], [60, 120], [25, 75]])
_AE_KINDS = np.array(["haematoma", "bleeding", "pain_at_site", "fainting", "other"])
_AE_KIND_P = [0.4, 0.3, 0.2, 0.05, 0.05]
# Stored as the scoring service stores an NRS entry: the item answers and the instrument version.
_NRS_JSON = np.array([json.dumps({"pain": v}) for v in range(11)], dtype=object)
_NRS_VERSION = get_instrument("nrs").version


@dataclass
class ChunkIds:
    """The last id used in each table; the chunk's rows take the following ones."""

    last: dict[str, int]

    def take(self, table: str, count: int) -> np.ndarray:
        """``count`` fresh ids for ``table``."""
        start = self.last.get(table, 0)
        self.last[table] = start + count
        return np.arange(start + 1, start + count + 1, dtype=np.int64)


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"), type=pa.date32())


def _const(value: object, count: int, type_: pa.DataType) -> pa.Array:
    return pa.array(np.full(count, value) if value is not None else [None] * count, type=type_)


def _table(columns: dict[str, pa.Array]) -> pa.Table:
    return pa.table(columns)


def _stamps(stamp: datetime, count: int) -> pa.Array:
    """``count`` copies of an aware UTC timestamp."""
    naive = np.datetime64(stamp.astimezone(UTC).replace(tzinfo=None), "us")
    return pa.array(np.full(count, naive)).cast(pa.timestamp("us", tz="UTC"))


def _segments(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For per-patient counts: each row's patient index and its rank within the patient."""
    owner = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(owner.size) - starts[owner]


def generate_chunk(
    rng: np.random.Generator,
    count: int,
    clinic_ids: np.ndarray,
    ids: ChunkIds,
    generated_at: datetime,
) -> dict[str, pa.Table]:
    """``count`` synthetic patients with their full courses, as Arrow tables by table name."""
    out: dict[str, pa.Table] = {}

    pid = ids.take("patients", count)
    # A few large clinics and many small ones, as in a real network.
    weights = 1.0 / np.arange(1, clinic_ids.size + 1)
    clinic = clinic_ids[rng.choice(clinic_ids.size, size=count, p=weights / weights.sum())]
    cond_ix = rng.choice(len(_CONDITIONS), size=count, p=_CONDITION_P)
    d0 = _FIRST_DAY + rng.integers(0, _COURSE_SPAN_DAYS, size=count)
    age_days = rng.integers(35 * 365, 90 * 365, size=count)
    out["patients"] = _table(
        {
            "id": pa.array(pid),
            "clinic_id": pa.array(clinic),
            "pseudo_id": pa.array([f"syn{x:029x}" for x in rng.integers(0, 2**62, size=count)]),
            "sex": pa.array(np.where(rng.random(count) < 0.55, "female", "male")),
            "created_at": _stamps(generated_at, count),
            "updated_at": _stamps(generated_at, count),
        }
    )
    out["patient_identities"] = _table(
        {
            "id": pa.array(ids.take("patient_identities", count)),
            "clinic_id": pa.array(clinic),
            "patient_id": pa.array(pid),
            "given_name": _const("Synthetic", count, pa.string()),
            "family_name": pa.array([f"Testpatient-{p:08d}" for p in pid.tolist()]),
            "date_of_birth": _dates(d0 - age_days),
            "phone": _const(None, count, pa.string()),
            "email": _const(None, count, pa.string()),
            "record_number": pa.array([f"SYN-{p:09d}" for p in pid.tolist()]),
            # store.name_key("Synthetic", "Testpatient-N"), so name search finds them too.
            "name_key": pa.array([f"synthetic testpatient {p:08d}" for p in pid.tolist()]),
        }
    )
    episode = ids.take("episodes", count)
    out["episodes"] = _table(
        {
            "id": pa.array(episode),
            "clinic_id": pa.array(clinic),
            "patient_id": pa.array(pid),
            "condition_kind": pa.array(_CONDITIONS[cond_ix]),
            "icd10": pa.array(_ICD10[cond_ix]),
            "onset": _dates(d0 - rng.integers(90, 2000, size=count)),
            "closed_on": _const(None, count, pa.date32()),
            "created_at": _stamps(generated_at, count),
        }
    )
    plan = ids.take("plans", count)
    out["plans"] = _table(
        {
            "id": pa.array(plan),
            "clinic_id": pa.array(clinic),
            "patient_id": pa.array(pid),
            "episode_id": pa.array(episode),
            "status": _const("accepted", count, pa.string()),
            "condition_kind": pa.array(_CONDITIONS[cond_ix]),
            "safety_status": _const("go", count, pa.string()),
            "case_json": _const('{"synthetic": true}', count, pa.string()),
            "plan_json": _const('{"synthetic": true}', count, pa.string()),
            "start_on": _dates(d0),
            "created_by": _const(None, count, pa.int64()),
            "created_at": _stamps(generated_at, count),
            "accepted_by": _const(None, count, pa.int64()),
            "accepted_at": _stamps(generated_at, count),
        }
    )

    # Sessions: 8-12 planned twice a week; the first is always attended (it starts the course).
    n_sess = rng.integers(8, 13, size=count)
    owner, k = _segments(n_sess)
    total = owner.size
    due = d0[owner] + np.rint(k * 3.5).astype(np.int64)
    p_attend = rng.beta(9.0, 1.2, size=count)[owner]
    u = rng.random(total)
    # Some patients leave the course early: every session from their drop-out point is cancelled.
    drop_at = np.where(rng.random(count) < 0.07, rng.integers(1, 4, size=count), 99)
    dropped = k >= drop_at[owner]
    attended = ((k == 0) | (u < p_attend)) & ~dropped
    missed = ~attended & ~dropped & (rng.random(total) < 0.5)
    attendance = np.where(attended, "attended", np.where(missed, "missed", "cancelled"))
    reassess = (k % 4 == 3) | (k == n_sess[owner] - 1)
    planned = ids.take("planned_sessions", total)
    out["planned_sessions"] = _table(
        {
            "id": pa.array(planned),
            "clinic_id": pa.array(clinic[owner]),
            "patient_id": pa.array(pid[owner]),
            "plan_id": pa.array(plan[owner]),
            "number": pa.array(k + 1),
            "due_on": _dates(due),
            "reassessment": pa.array(reassess),
            "instruments_due": pa.array(np.where(reassess, '["nrs"]', "[]")),
        }
    )
    session = ids.take("treatment_sessions", total)
    out["treatment_sessions"] = _table(
        {
            "id": pa.array(session),
            "clinic_id": pa.array(clinic[owner]),
            "patient_id": pa.array(pid[owner]),
            "plan_id": pa.array(plan[owner]),
            "planned_session_id": pa.array(planned),
            "occurred_on": _dates(due),
            "attendance": pa.array(attendance),
            "record_json": _const('{"synthetic": true}', total, pa.string()),
            "screen_json": _const(None, total, pa.string()),
            "acknowledged_rules": _const("[]", total, pa.string()),
            "deviation": _const(None, total, pa.string()),
            "practitioner_id": _const(None, total, pa.int64()),
            "created_at": _stamps(generated_at, total),
        }
    )
    out["score_records"] = _scores(
        rng,
        pid,
        clinic,
        episode,
        d0,
        n_sess,
        owner,
        k,
        due,
        attended,
        session,
        drop_at < 99,
        ids,
        generated_at,
    )
    out["medication_statements"] = _medications(rng, pid, clinic, d0, n_sess, ids, generated_at)
    out["adverse_events"] = _adverse_events(
        rng,
        clinic[owner][attended],
        pid[owner][attended],
        session[attended],
        due[attended],
        ids,
        generated_at,
    )
    # Every clinical row is written version 1, in force (store.Correctable).
    for name in _CORRECTABLE:
        rows = out[name].num_rows
        out[name] = out[name].append_column("version", _const(1, rows, pa.int64()))
        out[name] = out[name].append_column("status", _const("active", rows, pa.string()))
    return out


def _scores(
    rng: np.random.Generator,
    pid: np.ndarray,
    clinic: np.ndarray,
    episode: np.ndarray,
    d0: np.ndarray,
    n_sess: np.ndarray,
    owner: np.ndarray,
    k: np.ndarray,
    due: np.ndarray,
    attended: np.ndarray,
    session: np.ndarray,
    dropped: np.ndarray,
    ids: ChunkIds,
    stamp: datetime,
) -> pa.Table:
    count = pid.size
    # True pain at baseline; a few patients record 0 throughout (data-entry or pain-free runs).
    base = np.clip(rng.normal(6.5, 1.3, size=count), 3.0, 10.0)
    zero = rng.random(count) < 0.003
    # Responders, partial responders, non-responders: fraction of pain relieved at plateau.
    kind = rng.choice(3, size=count, p=[0.35, 0.3, 0.35])
    relief = np.select(
        [kind == 0, kind == 1],
        [rng.beta(6, 4, count), rng.beta(4, 7, count)],
        rng.normal(0.03, 0.08, count),
    )
    tau = rng.uniform(2.0, 6.0, size=count)

    # Run-in: 3-7 daily scores ending on the day of the first session (before needling).
    n_run = rng.integers(3, 8, size=count)
    r_owner, r_rank = _segments(n_run)
    r_day = d0[r_owner] - (n_run[r_owner] - 1 - r_rank)
    r_val = base[r_owner] + rng.normal(0.0, 0.7, size=r_owner.size)

    # One score at every later attended session, and a follow-up for most patients.
    later = attended & (k > 0)
    s_owner, s_k = owner[later], k[later]
    s_val = base[s_owner] * (1 - relief[s_owner] * (1 - np.exp(-s_k / tau[s_owner])))
    s_val = s_val + rng.normal(0.0, 0.8, size=s_owner.size)
    f_mask = (rng.random(count) < 0.8) & ~dropped
    f_owner = np.nonzero(f_mask)[0]
    f_day = d0[f_owner] + np.rint((n_sess[f_owner] - 1) * 3.5).astype(np.int64)
    f_day = f_day + rng.integers(14, 36, size=f_owner.size)
    f_val = base[f_owner] * (1 - relief[f_owner] * (1 - np.exp(-n_sess[f_owner] / tau[f_owner])))
    f_val = f_val + rng.normal(0.0, 0.9, size=f_owner.size)

    who = np.concatenate([r_owner, s_owner, f_owner])
    day = np.concatenate([r_day, due[later], f_day])
    val = np.concatenate([r_val, s_val, f_val])
    val = np.where(zero[who], 0.0, np.clip(np.rint(val), 0, 10)).astype(np.int64)
    sess = np.concatenate(
        [np.zeros(r_owner.size, np.int64), session[later], np.zeros(f_owner.size, np.int64)]
    )
    n = who.size
    return _table(
        {
            "id": pa.array(ids.take("score_records", n)),
            "clinic_id": pa.array(clinic[who]),
            "patient_id": pa.array(pid[who]),
            "episode_id": pa.array(episode[who]),
            "session_id": pa.array(sess, mask=sess == 0),
            "instrument_id": _const("nrs", n, pa.string()),
            "instrument_version": _const(_NRS_VERSION, n, pa.string()),
            "taken_on": _dates(day),
            "answers_json": pa.array(_NRS_JSON[val], type=pa.string()),
            "total": pa.array(val.astype(np.float64)),
            "subscales_json": _const("{}", n, pa.string()),
            "positive": _const(None, n, pa.bool_()),
            "created_by": _const(None, n, pa.int64()),
            "created_at": _stamps(stamp, n),
        }
    )


def _medications(
    rng: np.random.Generator,
    pid: np.ndarray,
    clinic: np.ndarray,
    d0: np.ndarray,
    n_sess: np.ndarray,
    ids: ChunkIds,
    stamp: datetime,
) -> pa.Table:
    count = pid.size
    start = d0 - rng.integers(30, 720, size=count)
    course_end = d0 + np.rint((n_sess - 1) * 3.5).astype(np.int64)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    adj = np.nonzero(rng.random(count) < 0.6)[0]
    a_drug = rng.integers(0, len(_ADJUVANTS), size=adj.size)
    lo, hi = _ADJUVANT_DOSE[a_drug, 0], _ADJUVANT_DOSE[a_drug, 1]
    a_dose = np.rint(rng.uniform(lo, hi) / 25) * 25
    parts.append(
        (adj, _ADJUVANTS[a_drug], np.maximum(a_dose, lo), start[adj], np.full(adj.size, -1))
    )

    opi = np.nonzero(rng.random(count) < 0.25)[0]
    o_drug = rng.integers(0, len(_OPIOIDS), size=opi.size)
    lo, hi = _OPIOID_DOSE[o_drug, 0], _OPIOID_DOSE[o_drug, 1]
    o_dose = np.maximum(np.rint(rng.uniform(lo, hi) / lo) * lo, lo).astype(np.float64)
    # During or shortly after the course some taper (a new statement at a lower dose), some stop.
    change_day = course_end[opi] - rng.integers(-20, 10, size=opi.size)
    change_day = np.maximum(change_day, d0[opi] + 1)
    fate = rng.choice(3, size=opi.size, p=[0.6, 0.3, 0.1])  # keep, reduce, stop
    stop = np.where(fate == 0, -1, change_day - 1)
    parts.append((opi, _OPIOIDS[o_drug], o_dose, start[opi], stop))
    red = fate == 1
    parts.append(
        (
            opi[red],
            _OPIOIDS[o_drug[red]],
            np.rint(o_dose[red] * 0.5),
            change_day[red],
            np.full(int(red.sum()), -1),
        )
    )

    who = np.concatenate([p[0] for p in parts])
    stop_all = np.concatenate([p[4] for p in parts])
    n = who.size
    return _table(
        {
            "id": pa.array(ids.take("medication_statements", n)),
            "clinic_id": pa.array(clinic[who]),
            "patient_id": pa.array(pid[who]),
            "drug": pa.array(np.concatenate([p[1] for p in parts])),
            "daily_dose": pa.array(np.concatenate([p[2] for p in parts]).astype(np.float64)),
            "unit": _const("mg", n, pa.string()),
            "start_on": _dates(np.concatenate([p[3] for p in parts])),
            "stop_on": pa.array(
                stop_all.astype("datetime64[D]"), type=pa.date32(), mask=stop_all < 0
            ),
            "created_by": _const(None, n, pa.int64()),
            "created_at": _stamps(stamp, n),
        }
    )


def _adverse_events(
    rng: np.random.Generator,
    clinic: np.ndarray,
    pid: np.ndarray,
    session: np.ndarray,
    day: np.ndarray,
    ids: ChunkIds,
    stamp: datetime,
) -> pa.Table:
    # Minor events after a small share of attended sessions, grade 2 rarely (synthetic rates).
    hit = np.nonzero(rng.random(session.size) < 0.02)[0]
    n = hit.size
    kind = _AE_KINDS[rng.choice(len(_AE_KINDS), size=n, p=_AE_KIND_P)]
    grade = np.where(rng.random(n) < 0.05, 2, 1)
    return _table(
        {
            "id": pa.array(ids.take("adverse_events", n)),
            "clinic_id": pa.array(clinic[hit]),
            "patient_id": pa.array(pid[hit]),
            "session_id": pa.array(session[hit]),
            "occurred_on": _dates(day[hit]),
            "kind": pa.array(kind, type=pa.string()),
            "grade": pa.array(grade.astype(np.int64)),
            "relatedness": pa.array(np.where(rng.random(n) < 0.7, "related", "possibly_related")),
            "action": pa.array(np.where(kind == "fainting", "needle_removed", "none")),
            "outcome": _const("resolved", n, pa.string()),
            "note": _const(None, n, pa.string()),
            "created_by": _const(None, n, pa.int64()),
            "created_at": _stamps(stamp, n),
        }
    )
