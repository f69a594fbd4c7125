"""Safety findings and plan rationales in the reader's language (issue 15).

A finding keeps its rule's message template (knowledge/safety/*.yaml) and the values that fill
it; the English message is stored as before, and the page shows the template translated by the
catalogue with the same values. A plan stores its point rationales in English; the page reads
each sentence back (acuneuro.i18n.prose), including the ones the planner composes.
"""

from __future__ import annotations

from typing import Any

from acuneuro.clinical.planner import RATIONALE_SENTENCES, build_plan
from acuneuro.clinical.safety import screen
from acuneuro.clinical.safety_model import SafetyFinding, Severity
from acuneuro.i18n import use_locale
from acuneuro.i18n.prose import prose

from ._cases import make_case


def _meds(*names: str) -> list[dict[str, Any]]:
    return [{"name": n} for n in names]


def _rule(findings: list[SafetyFinding], rule: str) -> SafetyFinding:
    return next(f for f in findings if f.rule == rule)


def test_a_stop_with_numbers_is_shown_in_italian_with_the_same_numbers() -> None:
    found = _rule(screen(make_case(medications=_meds("Coumadin 5 mg"), labs__inr=6.2)).findings,
                  "inr-ceiling")
    # Stored in English, exactly as before.
    assert found.message.startswith("INR 6.2 is above 4.5: bleeding risk is increased")
    with use_locale("it"):
        shown = found.shown()
    assert shown.startswith("INR 6,2 superiore a 4,5: rischio emorragico aumentato; oggi nessuna")
    assert "bleeding" not in shown and "design choice" not in shown
    assert "scelta progettuale di acuneuro in attesa di approvazione clinica" in shown


def test_a_finding_naming_facts_translates_the_facts_too() -> None:
    findings = screen(make_case(risk_factors={})).findings
    found = _rule(findings, "risk-factors")
    assert "Before needling, ask and record: immunosuppression;" in found.message
    with use_locale("it"):
        shown = found.shown()
    assert shown.startswith("Prima dell'infissione chiedere e registrare: immunodepressione;")
    assert "immunosuppression" not in shown and "heart valve" not in shown


def test_every_finding_in_english_is_its_stored_message() -> None:
    cases = [make_case(medications=_meds("Coumadin 5 mg", "aspirin"), labs__inr=3.4),
             make_case(risk_factors={}, labs=None, skin=None, lymphoedema=None)]
    for case in cases:
        for found in screen(case).findings:
            assert found.template is not None
            assert found.shown() == found.message


def test_a_finding_stored_before_templates_is_still_shown_in_italian() -> None:
    old = SafetyFinding(rule="lymphoedema-limb", severity=Severity.caution,
                        message="Lymphoedema not assessed.", sources=["white2001"],
                        not_assessed=True)
    with use_locale("it"):
        assert old.shown() == "Linfedema non valutato."
    assert old.shown() == "Lymphoedema not assessed."


def test_a_planned_point_rationale_is_shown_in_italian_sentence_by_sentence() -> None:
    plan = build_plan(make_case())
    st36 = next(p for p in plan.points if p.code == "ST36")
    assert "Local point along the affected limb" in st36.rationale
    with use_locale("it"):
        shown = prose(st36.rationale, RATIONALE_SENTENCES)
        title = prose(plan.protocol)
    assert "Punto locale lungo l'arto colpito (" in shown and "nervo peroneo profondo" in shown
    assert "Local point" not in shown and "affected limb" not in shown
    assert title.startswith("Agopuntura per ") and "Acupuncture" not in title


def test_what_a_plan_left_out_and_why_is_read_back_in_italian() -> None:
    from acuneuro.clinical.planner import OMISSION_SENTENCES, PLANNER_SENTENCES
    from acuneuro.clinical.safety import message_templates

    patterns = (*OMISSION_SENTENCES, *PLANNER_SENTENCES, *message_templates())
    plan = build_plan(make_case(medications=_meds("Coumadin 5 mg"), labs__inr=6.2))
    [stopped] = [o for o in plan.omitted if o.what == "all needling today"]
    with use_locale("it"):
        assert prose(stopped.what, patterns) == "ogni infissione di aghi oggi"
        reason = prose(stopped.reason, patterns)
    assert reason.startswith("INR 6,2 superiore a 4,5") and "bleeding" not in reason
