from datetime import date, timedelta

import pytest

from acuneuro.clinical.adverse_events import AdverseEvent
from acuneuro.clinical.course import CourseDefinition, Reassessment
from acuneuro.clinical.medication import MedicationStatement
from acuneuro.clinical.outcomes import Score
from acuneuro.clinical.stricta import Needle, NeedledPoint, Practitioner, SessionRecord, Stimulation
from acuneuro.reports import EvidenceItem, ReportData, ReportPatient

FIRST = date(2026, 12, 7)


def _point(code: str, side: str = "both") -> NeedledPoint:
    return NeedledPoint(
        code=code,
        side=side,
        needle=Needle(diameter_mm=0.25, length_mm=40),
        depth_mm=15,
        response_sought="de_qi",
        stimulation=Stimulation(kind="manual"),
        retention_min=20,
    )


@pytest.fixture(scope="session")
def report_data() -> ReportData:
    course = CourseDefinition(
        sessions_per_week=2,
        weeks=8,
        reassessments=[Reassessment(session=s, instruments=["nrs"]) for s in (1, 8, 16)],
    )
    who = Practitioner(
        name="Dr B Okafor", qualification="physician acupuncturist", years_in_practice=12
    )
    sessions = []
    for k in range(16):
        on = FIRST + timedelta(days=7 * (k // 2) + 3 * (k % 2))
        if k == 5:
            sessions.append(
                SessionRecord(
                    session_number=k + 1, on=on, attendance="missed", reason_not_attended="unwell"
                )
            )
        else:
            pts = [_point("ST36"), _point("LI4"), _point("EX-LE10"), _point("EX-UE9")]
            sessions.append(
                SessionRecord(
                    session_number=k + 1, on=on, attendance="attended", points=pts, practitioner=who
                )
            )
    scores = [
        Score(instrument="nrs", value=v, on=FIRST - timedelta(days=i + 1))
        for i, v in enumerate((7, 6, 7, 6))
    ]
    pain = [6, 6, 5, 5, 5, 4, 4, 3.5]
    scores += [
        Score(instrument="nrs", value=v, on=FIRST + timedelta(days=7 * (i + 1)))
        for i, v in enumerate(pain)
    ]
    scores += [
        Score(instrument="dsis", value=7, on=FIRST),
        Score(instrument="dsis", value=4, on=FIRST + timedelta(days=56)),
    ]
    meds = [
        MedicationStatement(
            drug="duloxetine", daily_dose=60, unit="mg", start=FIRST - timedelta(days=60)
        ),
        MedicationStatement(
            drug="tramadol",
            daily_dose=200,
            unit="mg",
            start=FIRST - timedelta(days=30),
            stop=FIRST + timedelta(days=34),
        ),
        MedicationStatement(
            drug="tramadol", daily_dose=100, unit="mg", start=FIRST + timedelta(days=35)
        ),
    ]
    events = [
        AdverseEvent(
            on=FIRST + timedelta(days=3),
            session_number=2,
            type="haematoma",
            grade=1,
            relatedness="definite",
            action="pressure_applied",
            outcome="resolved",
        )
    ]
    return ReportData(
        report_date=FIRST + timedelta(days=56),
        clinic="Integrative Pain Clinic",
        clinician="Dr B Okafor",
        referring_doctor="Dr C Martins (oncology)",
        patient=ReportPatient(name="Ana Example", age=58, sex="female", identifier="MRN 000123"),
        diagnosis="Chemotherapy-induced peripheral neuropathy after oxaliplatin (ICD-10 G62.0)",
        neupsig_grade="probable",
        plan_summary="Acupuncture twice weekly for 8 weeks alongside duloxetine; local and distal.",
        course=course,
        first_session=FIRST,
        sessions=sessions,
        scores=scores,
        medications=meds,
        adverse_events=events,
        evidence=[
            EvidenceItem(
                statement="Acupuncture eased CIPN pain more than usual care at week 8 (pilot RCT)",
                citation="Bao T et al. JAMA Netw Open 2020",
            )
        ],
    )


@pytest.fixture(scope="session")
def progress_pdf(report_data: ReportData) -> bytes:
    """The example progress report, drawn once (the data are frozen)."""
    from acuneuro.reports import progress_report_pdf

    return progress_report_pdf(report_data)


@pytest.fixture(scope="session")
def letter_pdf(report_data: ReportData) -> bytes:
    """The example letter, drawn once."""
    from acuneuro.reports import referral_letter_pdf

    return referral_letter_pdf(report_data)
