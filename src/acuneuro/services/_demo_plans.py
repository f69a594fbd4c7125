"""Accepted acupuncture plans for the synthetic demo patients, with their schedules.

Each demo patient gets a fully assessed, unremarkable case for their condition (feet for
DPN and CIPN, a one-sided thoracic dermatome for PHN), planned by the one planner and
scheduled from a start date within the last five weeks, so the demo shows sessions done,
sessions due today and re-assessments to come. Invented facts, real planning.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from acuneuro.clinical.case import ClinicalCase, RiskFactors
from acuneuro.clinical.planner import build_plan
from acuneuro.services._plan_edit import schedule_visits
from acuneuro.services.audit import Action, record
from acuneuro.store import Patient, PlannedSession, PlanRecord, utcnow

__all__ = ["add_demo_plan"]


def _case(patient: Patient, start: date, rng: random.Random) -> ClinicalCase:
    episode = patient.episodes[0]
    born = patient.identity.date_of_birth
    age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
    sex = patient.sex or "unknown"
    document: dict[str, Any] = {
        "patient": {"age": age, "sex": sex, **({"pregnant": False} if sex == "female" else {})},
        "condition": {"kind": episode.condition_kind.value, "icd10": episode.icd10,
                      "onset": episode.onset.isoformat() if episode.onset else None},
        "pain": {"regions": [{"region": "foot", "side": "both"}], "nrs": rng.randint(4, 8)},
        "labs": {"taken": (start - timedelta(days=2)).isoformat(),
                 "platelets_per_ul": rng.randrange(160_000, 320_000, 1000),
                 "anc_per_ul": rng.randrange(2_000, 6_000, 100)},
        "medications": [], "devices": [], "skin": [], "lymphoedema": [],
        "bleeding_disorder": False, "fainting_with_needles": False,
        "risk_factors": RiskFactors.none_present().model_dump(mode="json"),
        "findings": {"protective_sensation_lost": False},
        "assessed_on": start.isoformat(),
    }  # fmt: skip
    kind = episode.condition_kind.value
    if kind == "phn":
        side = rng.choice(["left", "right"])
        document["pain"] = {"dermatomes": [{"dermatome": rng.choice(["T4", "T5", "T6"]),
                                            "side": side}], "nrs": rng.randint(4, 8)}
    if kind == "cipn":
        document["chemotherapy"] = {"agents": [rng.choice(["oxaliplatin", "paclitaxel"])],
                                    "active": False,
                                    "last_dose": (start - timedelta(days=120)).isoformat()}
    return ClinicalCase.model_validate(document)


def add_demo_plan(
    session: Session, key: bytes, patient: Patient, today: date, rng: random.Random
) -> None:
    """Plan, accept and schedule a demo patient's course (the system acts, and is audited)."""
    start = today - timedelta(days=rng.randint(0, 35))
    case = _case(patient, start, rng)
    plan = build_plan(case)
    row = PlanRecord(
        clinic_id=patient.clinic_id, patient_id=patient.id, episode_id=patient.episodes[0].id,
        status="accepted", condition_kind=case.condition.kind.value,
        safety_status=plan.safety.status, case_json=case.model_dump(mode="json"),
        plan_json=plan.model_dump(mode="json"), start_on=start, accepted_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    session.add_all(
        PlannedSession(clinic_id=row.clinic_id, patient_id=row.patient_id, plan_id=row.id,
                       number=v.number, due_on=v.due_on, reassessment=v.reassessment,
                       instruments_due=v.instruments_due)
        for v in schedule_visits(plan.course, start)
    )
    session.flush()
    record(session, key, actor=None, actor_label="system:demo", action=Action.CREATE,
           resource="plan", patient=patient.pseudo_id, source_address="local")
