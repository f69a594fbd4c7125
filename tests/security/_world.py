"""The world the security tests attack: two clinics' patients, each with a score and a plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from acuneuro.clinical.calendar import default_calendar
from acuneuro.clinical.case import RiskFactors
from acuneuro.services import (
    Context,
    PatientCreate,
    appointments,
    assessment,
    evidence_library,
    planning,
    referrers,
)
from acuneuro.services import patients as patient_service
from acuneuro.services.assessment import ScoreIn
from acuneuro.store import Practitioner

# Identifying values that must never reach anyone outside the patient's clinic, nor a researcher.
ALICE_PATIENT = {
    "given_name": "Wilhelmina", "family_name": "Quasthoff", "date_of_birth": "1951-07-23",
    "phone": "+44 20 7946 0991", "email": "w.quasthoff@mail.example",
    "record_number": "MRN-ALICE-7781", "sex": "female",
}  # fmt: skip
CHARLIE_PATIENT = {
    "given_name": "Bartholomew", "family_name": "Zielinski", "date_of_birth": "1949-02-14",
    "phone": "+44 20 7946 0555", "email": "b.zielinski@mail.example",
    "record_number": "MRN-CHARLIE-4410", "sex": "male",
}  # fmt: skip
# A correction of a seed trial's numbers, as typed into the library form (published data).
LIBRARY_ENTRY = {"trial_id": "iravani2020", "data_kind": "continuous", "n1": "19",
                 "mean1": "-3.1", "sd1": "1.5", "n2": "19", "mean2": "-1.2", "sd2": "1.4",
                 "source": "Iravani 2020, Pain Res Manag", "location": "Table 2"}
IDENTIFYING = ("given_name", "family_name", "date_of_birth", "phone", "email", "record_number")


def planning_case(today: date) -> dict[str, Any]:
    """A CIPN case with every safety fact assessed (shared/design/case-example.json, trimmed)."""
    return {
        "pain": {"regions": [{"region": "foot", "side": "both"}], "nrs": 6},
        "chemotherapy": {"agents": ["oxaliplatin"], "active": False, "last_dose": "2026-06-10"},
        "labs": {"taken": today.isoformat(), "platelets_per_ul": 162000, "anc_per_ul": 2400},
        "medications": [], "devices": [], "skin": [], "lymphoedema": [],
        "bleeding_disorder": False, "fainting_with_needles": False,
        "risk_factors": RiskFactors.none_present().model_dump(mode="json"),
        "findings": {"protective_sensation_lost": False},
        "assessed_on": today.isoformat(),
    }  # fmt: skip


@dataclass(frozen=True)
class Holding:
    """What one clinic holds: a patient (pseudonymous id), a score and a plan of theirs."""

    patient_id: str
    score_id: int
    plan_id: int
    identity: dict[str, str]
    practitioner_id: int = 0
    appointment_id: int = 0
    referrer_id: int = 0
    entry_id: int = 0

    def ids(self) -> dict[str, str]:
        """Path parameters by name, for filling route templates."""
        return {"patient_id": self.patient_id, "plan_id": str(self.plan_id),
                "response_id": str(self.score_id), "observation_id": str(self.score_id),
                "score_id": str(self.score_id), "instrument_id": "nrs",
                "condition": "dpn", "protocol_id": "dpn", "token": "no-such-link",
                "resource_type": "Patient", "resource_id": self.patient_id,
                "job_id": "no-such-export", "file_id": "1",
                "practitioner_id": str(self.practitioner_id),
                "appointment_id": str(self.appointment_id), "action": "confirm",
                "kind": "score", "ref": str(self.score_id),
                "referrer_id": str(self.referrer_id), "entry_id": str(self.entry_id),
                "trial_id": "shin2018", "comparison": "usual_care_waitlist", "ext": "svg"}


def make_holding(ctx: Context, actor: Any, identity: dict[str, str]) -> Holding:
    today = date.today()
    data = PatientCreate.model_validate(
        {**identity, "condition": {"kind": "cipn", "icd10": "G62.0", "onset": "2026-05-01"}}
    )
    patient = patient_service.create_patient(ctx, actor, data)
    score = assessment.record_score(
        ctx, actor, patient.id, ScoreIn(instrument="nrs", answers={"pain": 6}, taken_on=today)
    )
    plan = planning.propose_plan(ctx, actor, patient.id, planning_case(today), today=today)
    # The clinician's practitioner profile (written directly: clinic B has no administrator)
    # and an appointment on a day the default calendar opens.
    with ctx.db.write() as session:
        practitioner = Practitioner(clinic_id=actor.clinic_id, user_id=actor.user_id,
                                    display_name=f"Dr {identity['family_name'][:3]}.")
        session.add(practitioner)
        session.flush()
        practitioner_id = practitioner.id
    booked = appointments.book(ctx, actor, {
        "patient": patient.id, "practitioner_id": practitioner_id,
        "on_day": next_open_day(today).isoformat(), "starts": "09:00"})
    referrer = referrers.add_referrer(ctx, actor, {"name": "Dr Matrix", "practice": "Surgery"})
    # A trial-library entry of the clinic waiting for a second person's verification.
    entry_id = evidence_library.propose(ctx, actor, LIBRARY_ENTRY)
    return Holding(patient.id, score.id, plan.id, identity, practitioner_id, booked.id,
                   referrer.id, entry_id)


def next_open_day(today: date) -> date:
    """A coming day the default calendar opens (09:00-12:30 is open on every open day)."""
    return default_calendar().next_open_day(today + timedelta(days=1))


@dataclass
class Principal:
    """Someone trying the routes: an API client and a web client with the same identity."""

    name: str
    api: TestClient
    web: TestClient
    csrf: str


