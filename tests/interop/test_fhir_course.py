from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.clinical.adverse_events import AdverseEvent
from acuneuro.clinical.medication import MedicationStatement
from acuneuro.clinical.outcomes import Score
from acuneuro.clinical.stricta import Needle, NeedledPoint, Practitioner, SessionRecord, Stimulation
from acuneuro.interop.fhir_bundle import transaction_bundle
from acuneuro.interop.fhir_course import (
    adverse_event_resource,
    medication_statement_resource,
    parse_adverse_event,
    parse_medication,
    parse_session,
    procedure_resource,
)
from acuneuro.interop.fhir_ids import logical_id

D0 = date(2026, 12, 7)
PATIENT = "Patient/7f1c"


@dataclass(frozen=True)
class Course:
    scores: list[Score] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    medications: list[MedicationStatement] = field(default_factory=list)
    adverse_events: list[AdverseEvent] = field(default_factory=list)


def resources(c: Course) -> list[dict[str, Any]]:
    """The course's resources with ids as the services give them (row numbers from 1)."""
    procs = [procedure_resource(s, PATIENT, logical_id(1, "treatment_sessions", n))
             for n, s in enumerate(c.sessions, start=1)]
    refs = {s.session_number: f"Procedure/{p['id']}" for s, p in zip(c.sessions, procs,
                                                                          strict=True)}
    meds = [medication_statement_resource(m, PATIENT, logical_id(1, "medication_statements", n))
            for n, m in enumerate(c.medications, start=1)]
    events = [adverse_event_resource(e, PATIENT, logical_id(1, "adverse_events", n),
                                     procedure_ref=refs.get(e.session_number or 0))
              for n, e in enumerate(c.adverse_events, start=1)]
    return [*procs, *meds, *events]


def parsed(rs: list[dict[str, Any]]) -> Course:
    def of(kind: str) -> list[dict[str, Any]]:
        return [r for r in rs if r["resourceType"] == kind]

    return Course(sessions=[parse_session(r) for r in of("Procedure")],
                  medications=[parse_medication(r) for r in of("MedicationStatement")],
                  adverse_events=[parse_adverse_event(r) for r in of("AdverseEvent")])


def course() -> Course:
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
    return Course(scores=scores, sessions=sessions, medications=meds, adverse_events=events)


def test_course_resources_validate_and_parse_back_to_the_same_content() -> None:
    original = course()
    bundle = transaction_bundle(resources(original))
    Bundle.model_validate(bundle)
    assert bundle["type"] == "transaction"
    assert all(e["request"] == {"method": "PUT", "url": f"{e['resource']['resourceType']}/"
                                f"{e['resource']['id']}"} for e in bundle["entry"])
    back = parsed([e["resource"] for e in bundle["entry"]])
    assert back == Course(sessions=original.sessions, medications=original.medications,
                          adverse_events=original.adverse_events)


def test_the_resources_are_deterministic_and_ids_do_not_depend_on_values() -> None:
    assert resources(course()) == resources(course())
    a = procedure_resource(course().sessions[0], PATIENT, "id-1")
    b = procedure_resource(course().sessions[0].model_copy(update={"deviation": "changed"}),
                           PATIENT, "id-1")
    assert a["id"] == b["id"] and a != b


def test_the_stricta_record_is_structured_not_a_json_string() -> None:
    proc = resources(course())[0]
    stricta = next(e for e in proc["extension"] if e["url"].endswith("/stricta-session"))
    assert "valueString" not in stricta
    names = {x["url"] for x in stricta["extension"]}
    assert {"session_number", "attendance", "points", "practitioner"} <= names
    point = next(x for x in stricta["extension"] if x["url"] == "points")
    assert {"url": "code", "valueString": "ST36"} in point["extension"]
    who = course().sessions[0].practitioner
    assert who is not None and proc["performer"][0]["actor"]["display"].startswith(who.name)


def resource(rs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in rs if r["resourceType"] == kind]


def test_a_missed_session_is_a_not_done_procedure_with_its_reason() -> None:
    procs = resource(resources(course()), "Procedure")
    missed = procs[1]
    assert missed["status"] == "not-done" and missed["statusReason"]["text"] == "unwell"
    assert [b["coding"][0]["code"] for b in procs[0]["bodySite"]] == ["ST36", "EX-LE10"]


def test_an_adverse_event_names_its_session_procedure_as_the_suspect() -> None:
    rs = resources(course())
    ae = resource(rs, "AdverseEvent")[0]
    proc = resource(rs, "Procedure")[0]
    assert ae["suspectEntity"][0]["instance"]["reference"] == f"Procedure/{proc['id']}"
    assert ae["severity"]["coding"][0]["code"] == "mild"
    assert ae["outcome"]["coding"][0]["code"] == "resolved"


def test_a_medication_statement_has_its_atc_code_and_ucum_units() -> None:
    ms = resource(resources(course()), "MedicationStatement")
    assert ms[0]["status"] == "completed" and ms[0]["effectivePeriod"]["end"] == "2027-01-16"
    atc = ms[0]["medicationCodeableConcept"]["coding"][0]
    assert atc["system"] == "http://www.whocc.no/atc" and atc["code"][0].isalpha()
    assert ms[2]["dosage"][0]["doseAndRate"][0]["doseQuantity"] == {
        "value": 12, "unit": "mcg/h", "system": "http://unitsofmeasure.org", "code": "ug/h"}


def test_an_entered_in_error_row_keeps_its_id_with_the_fhir_status() -> None:
    rec = course().sessions[0]
    proc = procedure_resource(rec, PATIENT, "same", meta={"versionId": "2"},
                              entered_in_error=True)
    assert (proc["id"], proc["status"], proc["meta"]["versionId"]) == (
        "same", "entered-in-error", "2")


def test_it_names_the_resource_that_lacks_what_acuneuro_needs() -> None:
    proc = dict(resources(course())[0])
    proc["extension"] = []
    with pytest.raises(ValueError, match="no STRICTA session extension"):
        parse_session(proc)


days = st.integers(-400, 400).map(lambda n: D0 + timedelta(days=n))
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
@given(st.lists(medications, max_size=6))
def test_any_medication_survives_the_round_trip(m: list[MedicationStatement]) -> None:
    record = Course(medications=m)
    assert parsed(resources(record)) == record
