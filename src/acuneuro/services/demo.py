"""A synthetic demo clinic: deterministic from a seed, labelled on every page, no real person.

Names are drawn from a fixed list and every family name starts with "Synthetic", record
numbers with "DEMO-", so the data cannot be mistaken for (or matched to) real patients. The
conditions are the three of the source pathway: painful diabetic neuropathy (ICD-10 E11.4,
diabetes with neurological complications), postherpetic neuralgia (B02.2, zoster with other
nervous system involvement) and chemotherapy-induced neuropathy (G62.0, drug-induced
polyneuropathy), codes as in WHO ICD-10 2019.

Each patient also gets a baseline DN4 and three NRS pain ratings four weeks apart, drawn from
their own random stream (so the patients themselves do not depend on it) and scored by the
one engine, like any response: invented answers, real scoring. Two practitioners with
profiles, the clinic calendar and a week of appointments (today's list included) come from
``services._demo_appointments``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from acuneuro.clinical.case import ConditionKind
from acuneuro.clinical.scoring import get_instrument, score
from acuneuro.services._context import Context
from acuneuro.services._demo_appointments import add_demo_appointments
from acuneuro.services._demo_course import add_demo_course
from acuneuro.services._demo_plans import add_demo_plan
from acuneuro.services.accounts import add_clinic, add_user
from acuneuro.services.audit import Action, record
from acuneuro.services.patients import new_pseudo_id
from acuneuro.store import Clinic, Episode, Patient, PatientIdentity, Role, ScoreRecord

__all__ = [
    "DEMO_CLINIC",
    "DEMO_COLLEAGUE",
    "DEMO_EMAIL",
    "DEMO_PASSWORD",
    "DemoResult",
    "seed_demo",
]

DEMO_CLINIC = "SYNTHETIC DEMO CLINIC"
DEMO_EMAIL = "demo@demo.acuneuro.invalid"
# A second practitioner, so the calendars and today's list show more than one person.
DEMO_COLLEAGUE = "colleague@demo.acuneuro.invalid"
# Public on purpose: it opens only the labelled synthetic clinic, never real data.
DEMO_PASSWORD = "invented-records-only"  # noqa: S105

_GIVEN = ["Ada", "Ben", "Cleo", "Dev", "Edda", "Finn", "Gala", "Hugo", "Iris", "Jonas",
          "Kira", "Luca", "Mira", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tove"]
_FAMILY = ["Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Ginkgo", "Hazel", "Ivy",
           "Juniper", "Kapok", "Larch", "Maple", "Nutmeg", "Oak", "Pine", "Rowan", "Spruce"]
_CONDITIONS = [
    (ConditionKind.dpn, "E11.4", 365 * 4),
    (ConditionKind.phn, "B02.2", 120),
    (ConditionKind.cipn, "G62.0", 270),
]


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What ``seed_demo`` did."""

    clinic: str
    created_clinic: bool
    patients_added: int
    email: str
    password: str


def seed_demo(
    ctx: Context,
    *,
    patients: int = 30,
    seed: int = 1,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Create the demo clinic, its demo clinician and ``patients`` synthetic patients.

    Does nothing but report when the demo clinic already holds patients, so running the demo
    twice never doubles the data. ``progress`` is called after each patient with the count.
    """
    with ctx.db.read() as session:
        clinic = session.scalar(select(Clinic).where(Clinic.name == DEMO_CLINIC))
        has_patients = clinic is not None and session.scalar(
            select(Patient.id).where(Patient.clinic_id == clinic.id).limit(1)
        ) is not None
    created = clinic is None
    if clinic is None:
        clinic_id = add_clinic(ctx, DEMO_CLINIC, is_demo=True).id
        add_user(ctx, clinic=DEMO_CLINIC, email=DEMO_EMAIL, role=Role.CLINICIAN,
                 password=DEMO_PASSWORD)
        add_user(ctx, clinic=DEMO_CLINIC, email=DEMO_COLLEAGUE, role=Role.CLINICIAN,
                 password=DEMO_PASSWORD)
    else:
        clinic_id = clinic.id
    if has_patients:
        return DemoResult(DEMO_CLINIC, created, 0, DEMO_EMAIL, DEMO_PASSWORD)
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    plan_rng = random.Random(f"{seed}-plans")  # noqa: S311 - synthetic data, not security
    score_rng = random.Random(f"{seed}-scores")  # noqa: S311 - synthetic data, not security
    with ctx.db.write() as session:
        for number in range(1, patients + 1):
            patient = _synthetic_patient(rng, clinic_id, number, today)
            session.add(patient)
            session.flush()
            record(session, ctx.audit_key, actor=None, actor_label="system:demo",
                   action=Action.CREATE, resource="patient", patient=patient.pseudo_id,
                   source_address="local")
            session.add_all(_synthetic_scores(score_rng, patient, today))
            session.flush()
            record(session, ctx.audit_key, actor=None, actor_label="system:demo",
                   action=Action.CREATE, resource="score", patient=patient.pseudo_id,
                   source_address="local")
            add_demo_plan(session, ctx.audit_key, patient, today, plan_rng)
            # Sessions, pain diary, medication and events on the accepted plan, own generator.
            add_demo_course(session, random.Random(f"{seed}-course-{number}"), patient,  # noqa: S311
                            _age(patient.identity.date_of_birth, today), today)
            record(session, ctx.audit_key, actor=None, actor_label="system:demo",
                   action=Action.CREATE, resource="session", patient=patient.pseudo_id,
                   source_address="local")
            if progress is not None:
                progress(number)
        add_demo_appointments(session, ctx.audit_key, clinic_id, today,
                              random.Random(f"{seed}-appointments"))  # noqa: S311
    return DemoResult(DEMO_CLINIC, created, patients, DEMO_EMAIL, DEMO_PASSWORD)


def _synthetic_patient(rng: random.Random, clinic_id: int, number: int, today: date) -> Patient:
    kind, icd10, typical_days = _CONDITIONS[(number - 1) % len(_CONDITIONS)]
    age_years = rng.randint(38, 84)
    birth = today - timedelta(days=age_years * 365 + rng.randint(0, 364))
    onset = today - timedelta(days=rng.randint(typical_days // 3, typical_days * 2))
    patient = Patient(clinic_id=clinic_id, pseudo_id=new_pseudo_id(),
                      sex=rng.choice(["female", "male"]))
    patient.identity = PatientIdentity(
        clinic_id=clinic_id,
        given_name=rng.choice(_GIVEN),
        family_name=f"Synthetic-{rng.choice(_FAMILY)}",
        date_of_birth=birth,
        phone=None,
        email=None,
        record_number=f"DEMO-{number:04d}",
    )
    patient.episodes.append(
        Episode(clinic_id=clinic_id, condition_kind=kind, icd10=icd10, onset=onset)
    )
    return patient


def _synthetic_scores(rng: random.Random, patient: Patient, today: date) -> list[ScoreRecord]:
    """A baseline DN4 and NRS, then NRS at 4 and 8 weeks (never before onset or after today)."""
    episode = patient.episodes[0]
    span = (today - episode.onset).days if episode.onset else 84
    baseline = today - timedelta(days=max(0, min(56, span - 1)))
    dn4 = {item.id: rng.random() < 0.6 for item in get_instrument("dn4").items}
    pain = rng.randint(5, 8)
    taken: list[tuple[str, dict[str, object], date]] = [("dn4", dict(dn4), baseline)]
    for week in (0, 4, 8):
        day = baseline + timedelta(weeks=week)
        if day <= today:
            taken.append(("nrs", {"pain": pain}, day))
        pain = max(0, pain - rng.randint(0, 2))
    rows = []
    for instrument_id, answers, day in taken:
        result = score(instrument_id, answers)
        rows.append(ScoreRecord(
            clinic_id=patient.clinic_id, patient_id=patient.id, episode_id=episode.id,
            instrument_id=instrument_id, instrument_version=result.version, taken_on=day,
            answers_json=answers, total=result.total, subscales_json=dict(result.subscales),
            positive=result.positive,
        ))
    return rows


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
