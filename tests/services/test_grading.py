"""NeuPSIG in the web app and the letter (issue 14, item 7): the grade with its reasons, the
newest screening scores and the safety findings of the current plan, from the demo clinic."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from acuneuro.reports import render_report
from acuneuro.services import Context
from acuneuro.services._course_common import accepted_plan, load_patient
from acuneuro.services.accounts import authenticate
from acuneuro.services.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from acuneuro.services.grading import grading_of, neuropathic_grading
from acuneuro.services.outcomes import score_rows
from acuneuro.services.patients import list_patients
from acuneuro.services.referrers import add_referrer

TODAY = date(2026, 12, 6)


def _demo(ctx: Context) -> tuple[object, list[str]]:
    seed_demo(ctx, patients=3, seed=1, today=TODAY)
    actor = authenticate(ctx, DEMO_EMAIL, DEMO_PASSWORD, "127.0.0.1")
    found = list_patients(ctx, actor)
    items = getattr(found, "items", found)
    return actor, [p.id for p in items]


def test_the_grading_lists_the_newest_screening_scores_and_the_plans_findings(
    ctx: Context,
) -> None:
    actor, ids = _demo(ctx)
    for pid in ids:
        g = neuropathic_grading(ctx, actor, pid)  # type: ignore[arg-type]
        assert g.screening, "every demo patient has a DN4"
        assert all(s.reading for s in g.screening)
        assert g.safety_status in ("go", "caution", "stop")
        # "Not assessed" only when a fact the grade needs is not recorded, and then it says which.
        if g.grade is None:
            assert any("not assessed" in r for r in g.reasons)
        assert "_" not in g.grade_label and "_" not in g.pain_type


def test_the_letter_is_addressed_from_the_directory_and_states_the_grade_and_scores(
    ctx: Context,
) -> None:
    actor, ids = _demo(ctx)
    doctor = add_referrer(ctx, actor, {"name": "Dr Anna Rossi",  # type: ignore[arg-type]
                                       "practice": "Via Roma Surgery",
                                       "address": "Via Roma 1\n20100 Milano"})
    pdf = render_report(ctx, actor, ids[0], "referrer", today=TODAY,  # type: ignore[arg-type]
                        referrer_id=doctor.id)
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Dear Dr Anna Rossi," in text and "Colleague" not in text
    assert "Via Roma Surgery" in text and "20100 Milano" in text
    assert "NeuPSIG grade:" in text
    assert "Screening questionnaires (newest of each): DN4" in text
    assert "Safety findings of the current plan:" in text


def test_the_grading_from_rows_already_read_is_the_grading_read_afresh(ctx: Context) -> None:
    # The letter hands its scores and accepted plan to the grading (issue 18); the grading must
    # be the one the grading would read itself.
    actor, ids = _demo(ctx)
    for pid in ids:
        with ctx.db.snapshot() as session:
            patient = load_patient(session, actor, pid)  # type: ignore[arg-type]
            assert patient is not None
            afresh = grading_of(session, patient)
            handed = grading_of(session, patient, scores=score_rows(session, patient),
                                plan_row=accepted_plan(session, patient))
        assert handed == afresh
        assert afresh.screening and afresh.safety_status is not None
