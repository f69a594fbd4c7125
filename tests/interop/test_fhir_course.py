from datetime import date, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from acuneuro.clinical.adverse_events import AdverseEvent
from acuneuro.clinical.medication import MedicationStatement
from acuneuro.clinical.outcomes import Score
from acuneuro.clinical.stricta import Needle, NeedledPoint, Practitioner, SessionRecord, Stimulation
from acuneuro.interop.fhir_course import (
    CourseRecord,
    course_bundle,
    observation_resource,
    parse_course_bundle,
)

D0 = date(2026, 12, 7)
PATIENT = "Patient/7f1c"


def course() -> CourseRecord:
    points = [
        NeedledPoint(
            code="ST36",
            side="both",
            needle=Needle(diameter_mm=0.25, length_mm=40, manufacturer="Seirin", material="steel"),
            depth_mm=20,
            response_sought="de_qi",
            response_obtained=True,
            stimulation=Stimulation(
                kind="electrical", frequency_hz=2, intensity="2 mA", device="AWQ-104L"
            ),
            retention_min=30,
        ),
        NeedledPoint(
            code="EX-LE10",
            side="left",
            needle=Needle(diameter_mm=0.2, length_mm=25),
            depth_cun=0.5,
            response_sought="none",
            stimulation=Stimulation(kind="manual"),
            retention_min=30,
        ),
    ]
    practitioner = Practitioner(
        name="Dr B Okafor", qualification="physician, BMAS accredited", years_in_practice=12
    )
    sessions = [
        SessionRecord(
            session_number=1,
            on=D0,
            attendance="attended",
            style="Western medical",
            rationale="segmental L4-S1 plus distal points",
            individualisation="semi_standardised",
            points=points,
            practitioner=practitioner,
            setting="hospital pain clinic",
            co_interventions=["foot-care advice"],
            session_minutes=45,
        ),
        SessionRecord(
            session_number=2,
            on=D0 + timedelta(days=3),
            attendance="missed",
            reason_not_attended="unwell",
        ),
        SessionRecord(
            session_number=3,
            on=D0 + timedelta(days=7),
            attendance="attended",
            points=points[:1],
            practitioner=practitioner,
            deviation="EX-LE10 left out: fissure between toes",
        ),
    ]
    scores = [
        Score(instrument="nrs", value=v, on=D0 - timedelta(days=i + 1))
        for i, v in enumerate((7, 6, 7, 6))
    ]
    scores += [
        Score(instrument="nrs", value=3.5, on=D0 + timedelta(days=56)),
        Score(instrument="dsis", value=6, on=D0),
    ]
    meds = [
        MedicationStatement(
            drug="pregabalin",
            daily_dose=300,
            unit="mg",
            start=D0 - timedelta(days=90),
            stop=D0 + timedelta(days=40),
        ),
        MedicationStatement(
            drug="pregabalin", daily_dose=150, unit="mg", start=D0 + timedelta(days=41)
        ),
        MedicationStatement(
            drug="fentanyl", daily_dose=12, unit="mcg/h", start=D0 - timedelta(days=30)
        ),
    ]
    events = [
        AdverseEvent(
            on=D0,
            session_number=1,
            type="haematoma",
            grade=1,
            relatedness="definite",
            action="pressure_applied",
            outcome="resolved",
        ),
        AdverseEvent(
            on=D0 + timedelta(days=7),
            type="other",
            description="dizziness after the session",
            grade=1,
            relatedness="possible",
            action="none",
            outcome="resolved",
        ),
    ]
    return CourseRecord(scores=scores, sessions=sessions, medications=meds, adverse_events=events)


def test_a_course_bundle_validates_and_parses_back_to_the_same_content() -> None:
    original = course()
    bundle = course_bundle(original, PATIENT)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    assert len(bundle["entry"]) == 6 + 3 + 3 + 2
    patient, parsed = parse_course_bundle(bundle)
    assert patient == PATIENT
    assert parsed == original


def test_the_bundle_is_deterministic() -> None:
    assert course_bundle(course(), PATIENT) == course_bundle(course(), PATIENT)


def test_the_pain_score_carries_loinc_72514_3() -> None:
    obs = observation_resource(Score(instrument="nrs", value=4, on=D0), PATIENT)
    assert {"system": "http://loinc.org", "code": "72514-3"} in obs["code"]["coding"]
    assert obs["valueQuantity"]["value"] == 4


def resource(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_a_missed_session_is_a_not_done_procedure_with_its_reason() -> None:
    procs = resource(course_bundle(course(), PATIENT), "Procedure")
    missed = procs[1]
    assert missed["status"] == "not-done" and missed["statusReason"]["text"] == "unwell"
    assert [b["coding"][0]["code"] for b in procs[0]["bodySite"]] == ["ST36", "EX-LE10"]


def test_an_adverse_event_links_to_its_session_and_keeps_the_ctcae_grade() -> None:
    bundle = course_bundle(course(), PATIENT)
    ae = resource(bundle, "AdverseEvent")[0]
    proc_url = next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure"
    )
    assert ae["suspectEntity"][0]["instance"]["reference"] == proc_url
    assert ae["severity"]["coding"][0]["code"] == "mild"
    assert ae["outcome"]["coding"][0]["code"] == "resolved"


def test_a_medication_statement_keeps_the_period_and_daily_dose() -> None:
    ms = resource(course_bundle(course(), PATIENT), "MedicationStatement")
    assert ms[0]["status"] == "completed" and ms[0]["effectivePeriod"]["end"] == "2027-01-16"
    assert ms[2]["dosage"][0]["doseAndRate"][0]["doseQuantity"] == {"value": 12, "unit": "mcg/h"}


def test_it_refuses_an_invalid_bundle() -> None:
    bundle = course_bundle(course(), PATIENT)
    del bundle["entry"][0]["resource"]["code"]  # Observation.code is required (1..1)
    with pytest.raises(ValidationError):
        parse_course_bundle(bundle)


def test_it_refuses_a_bundle_that_mixes_patients() -> None:
    bundle = course_bundle(course(), PATIENT)
    bundle["entry"][0]["resource"]["subject"]["reference"] = "Patient/other"
    with pytest.raises(ValueError, match="mixes patients"):
        parse_course_bundle(bundle)


days = st.integers(-400, 400).map(lambda n: D0 + timedelta(days=n))
scores = st.builds(
    lambda v, on: Score(instrument="nrs", value=v, on=on),
    st.integers(0, 100).map(lambda n: n / 10),
    days,
)
medications = st.builds(
    lambda drug, dose, start, length: MedicationStatement(
        drug=drug,
        daily_dose=dose,
        unit="mg",
        start=start,
        stop=None if length < 0 else start + timedelta(days=length),
    ),
    st.sampled_from(["morphine", "pregabalin", "duloxetine", "oxycodone"]),
    st.floats(0.5, 4000, allow_nan=False).map(lambda x: round(x, 2)),
    days,
    st.integers(-1, 200),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(scores, max_size=6), st.lists(medications, max_size=6))
def test_any_scores_and_medication_survive_the_round_trip(
    s: list[Score], m: list[MedicationStatement]
) -> None:
    record = CourseRecord(scores=s, medications=m)
    patient = PATIENT if s or m else None  # an empty Bundle carries no patient
    assert parse_course_bundle(course_bundle(record, PATIENT)) == (patient, record)


def test_it_names_the_entry_that_lacks_what_acuneuro_needs() -> None:
    bundle = course_bundle(course(), PATIENT)
    ms = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement")
    del ms["resource"]["dosage"]
    with pytest.raises(ValueError, match=r"MedicationStatement\): missing or malformed 'dosage'"):
        parse_course_bundle(bundle)
