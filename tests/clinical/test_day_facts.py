"""The day's facts: entries update what is known, each value keeps its date, windows expire it."""

from __future__ import annotations

import typing
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.day_facts import (
    DayFactError,
    KnownFact,
    check_day,
    facts_of,
    merge_facts,
    screen_day,
)
from acuneuro.knowledge import ChemotherapyCountRule, FactWindow, fact_windows, safety_rules

from ._cases import raw_case

PLAN_DAY = date(2026, 12, 2)
# Not under chemotherapy: ended, last dose long before the plan.
NO_CHEMO = {"agents": ["oxaliplatin"], "active": False, "last_dose": "2026-01-10"}


def _window(wid: str) -> FactWindow:
    return next(w for w in fact_windows() if w.id == wid)


def _chemo_rule() -> ChemotherapyCountRule:
    return next(r for r in safety_rules() if isinstance(r, ChemotherapyCountRule))


def _plan(**changes: Any) -> dict[str, KnownFact]:
    doc = raw_case(assessed_on=PLAN_DAY.isoformat(), **changes)
    return facts_of(doc, recorded_on=PLAN_DAY, origin="plan")


def _today(day: dict[str, Any], on: date) -> dict[str, KnownFact]:
    check_day(day, on)
    return facts_of(day, recorded_on=on, origin="today")


def _rules(found: Any) -> list[str]:
    return [f.rule for f in found.screen.findings]


def test_entering_only_todays_inr_keeps_the_plans_platelet_caution_with_its_date() -> None:
    known = _plan(chemotherapy=NO_CHEMO, labs={"taken": PLAN_DAY.isoformat(),
                                               "platelets_per_ul": 42000, "anc_per_ul": 2400})
    today = PLAN_DAY + timedelta(days=4)
    merged = merge_facts(known, _today({"labs": {"taken": today.isoformat(), "inr": 2.4}}, today))
    found = screen_day(merged, today)
    assert "thrombocytopenia" in _rules(found)
    assert found.case.labs is not None and found.case.labs.platelets_per_ul == 42000
    assert found.case.labs.inr == 2.4
    lines = {line.label: line for line in found.lines}
    assert lines["Platelets"].shown == "42,000/µL"
    assert lines["Platelets"].came_from == "from the plan, 2 Dec 2026"
    assert (lines["INR"].shown, lines["INR"].came_from) == ("2.4", "entered today")


@pytest.mark.parametrize(("kind", "chemotherapy", "under_chemotherapy"), [
    ("dpn", None, False),
    # A CIPN case without a chemotherapy record counts as possibly on chemotherapy (fails
    # closed), and so does one whose chemotherapy status is past its own window.
    ("cipn", None, True),
    ("cipn", {"agents": ["oxaliplatin"], "active": True}, True),
])
def test_a_platelet_count_just_outside_its_window_is_not_assessed_and_named(
    kind: str, chemotherapy: dict[str, Any] | None, under_chemotherapy: bool,
) -> None:
    days = _chemo_rule().max_age_days if under_chemotherapy else _window("platelets").max_age_days
    assert days is not None
    known = _plan(condition={"kind": kind}, chemotherapy=chemotherapy,
                  labs={"taken": PLAN_DAY.isoformat(), "platelets_per_ul": 42000})
    inside = screen_day(known, PLAN_DAY + timedelta(days=days))
    assert "thrombocytopenia" in _rules(inside) and "platelets-out-of-date" not in _rules(inside)
    assert next(line for line in inside.lines if line.label == "Platelets").current
    outside = screen_day(known, PLAN_DAY + timedelta(days=days + 1))
    # Named by its own caution, or, where a rule already says a count is missing (the
    # chemotherapy rule), by that rule's caution: either way with its last value and date.
    stale = [f for f in outside.screen.findings
             if "Platelets, last known: 42,000/µL, from the plan, 2 Dec 2026" in f.message]
    assert len(stale) == 1 and stale[0].not_assessed and stale[0].severity.value == "caution"
    assert stale[0].rule == ("chemotherapy-blood-count" if under_chemotherapy
                             else "platelets-out-of-date")
    assert "thrombocytopenia" not in _rules(outside)
    assert outside.case.labs is None or outside.case.labs.platelets_per_ul is None
    line = next(line for line in outside.lines if line.label == "Platelets")
    assert not line.current and line.note and f"{days}-day window" in line.note


def test_the_inr_window_comes_from_the_knowledge_and_expires_the_value() -> None:
    days = _window("inr").max_age_days
    assert days is not None
    warfarin = [{"name": "warfarin", "daily_dose": 5, "unit": "mg"}]
    known = _plan(medications=warfarin, labs={"taken": PLAN_DAY.isoformat(), "inr": 2.4})
    inside = screen_day(known, PLAN_DAY + timedelta(days=days))
    assert "inr-out-of-date" not in _rules(inside)
    outside = screen_day(known, PLAN_DAY + timedelta(days=days + 1))
    # The anticoagulant rule itself says the INR is missing, with its last value.
    missing = [f for f in outside.screen.findings if f.rule == "anticoagulation" and f.not_assessed]
    assert len(missing) == 1 and "INR, last known: 2.4, from the plan" in missing[0].message


def test_each_count_keeps_its_own_date_for_the_chemotherapy_rule() -> None:
    rule = _chemo_rule()
    known = _plan(chemotherapy={"agents": ["oxaliplatin"], "active": True},
                  labs={"taken": PLAN_DAY.isoformat(), "anc_per_ul": 2400})
    for late, flagged in ((rule.max_age_days, False), (rule.max_age_days + 1, True)):
        today = PLAN_DAY + timedelta(days=late)
        merged = merge_facts(known, _today({"labs": {"taken": today.isoformat(),
                                                     "platelets_per_ul": 180000}}, today))
        found = screen_day(merged, today)
        # Fresh platelets do not make the plan's ANC fresh: each count is dated on its own.
        assert ("chemotherapy-blood-count" in _rules(found)) is flagged
        named = [f for f in found.screen.findings if "Neutrophils (ANC), last known" in f.message]
        assert bool(named) is flagged
        if not flagged:
            assert found.case.labs is not None and found.case.labs.taken == PLAN_DAY


def test_an_expired_value_that_stopped_needling_still_stops_it() -> None:
    known = _plan(chemotherapy=NO_CHEMO, labs={"taken": PLAN_DAY.isoformat(), "anc_per_ul": 400})
    days = _window("neutrophils").max_age_days
    assert days is not None
    found = screen_day(known, PLAN_DAY + timedelta(days=days + 1))
    assert found.screen.status == "stop"
    stop = next(f for f in found.screen.findings if f.rule == "neutropenia")
    assert stop.message.startswith("Neutrophils (ANC), last known: 400/µL, from the plan")


def test_an_expired_fact_the_screen_does_not_read_raises_nothing() -> None:
    known = _plan(patient={"age": 70, "sex": "male", "pregnant": False})
    days = _window("pregnancy").max_age_days
    assert days is not None
    found = screen_day(known, PLAN_DAY + timedelta(days=days + 1))
    assert "pregnancy-out-of-date" not in _rules(found)
    assert not next(line for line in found.lines if line.label == "Pregnancy").current


def test_an_older_entry_does_not_replace_a_newer_known_value() -> None:
    known = _plan(labs={"taken": PLAN_DAY.isoformat(), "platelets_per_ul": 42000})
    older = PLAN_DAY - timedelta(days=3)
    merged = merge_facts(known, facts_of({"labs": {"taken": older.isoformat(),
                                                   "platelets_per_ul": 250000}},
                                         recorded_on=PLAN_DAY, origin="today"))
    assert merged["labs.platelets_per_ul"].value == 42000


def test_pregnancy_and_trimester_are_updated_as_one_fact() -> None:
    known = _plan(patient={"age": 30, "sex": "female", "pregnant": True, "trimester": 2})
    today = PLAN_DAY + timedelta(days=2)
    merged = merge_facts(known, _today({"patient": {"pregnant": False}}, today))
    assert "patient.trimester" not in merged and merged["patient.pregnant"].value is False
    assert merged["patient.age"].value == 30
    screen_day(merged, today)  # a valid case: no trimester without pregnancy


def test_it_refuses_a_result_dated_after_the_session_day() -> None:
    with pytest.raises(DayFactError) as refused:
        check_day({"labs": {"taken": "2026-12-09", "inr": 2.0}}, date(2026, 12, 8))
    assert refused.value.loc == ("labs", "taken") and "after the session day" in str(refused.value)
    with pytest.raises(DayFactError, match="not a date"):
        check_day({"labs": {"taken": "yesterday"}}, date(2026, 12, 8))


def test_a_bad_value_makes_no_case() -> None:
    merged = merge_facts(_plan(), _today({"labs": {"platelets_per_ul": -1}}, PLAN_DAY))
    with pytest.raises(ValidationError, match="platelets_per_ul"):
        screen_day(merged, PLAN_DAY)


def _nullable(path: str) -> bool:
    model: Any = ClinicalCase
    for name in path.split("."):
        annotation = model.model_fields[name].annotation
        model = next((a for a in typing.get_args(annotation) if isinstance(a, type)), annotation)
    return type(None) in typing.get_args(annotation)


def test_every_window_covers_a_case_field_that_can_be_not_assessed() -> None:
    for window in fact_windows():
        assert window.basis and window.sources
        for path in window.facts:
            assert _nullable(path), f"{window.id}: {path} cannot be left not assessed"


# --- properties ---------------------------------------------------------------------------------

_PATHS = ["labs.platelets_per_ul", "labs.inr", "skin", "patient.pregnant", "medications",
          "bleeding_disorder"]
_dates = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def _fact_sets(draw: st.DrawFn) -> dict[str, KnownFact]:
    paths = draw(st.sets(st.sampled_from(_PATHS)))
    origin = draw(st.sampled_from(["plan", "today"]))
    return {p: KnownFact(path=p, value=draw(st.integers(0, 9)), recorded_on=draw(_dates),
                         origin=origin) for p in paths}


@given(_fact_sets(), _fact_sets())
def test_merging_never_drops_a_fact(old: dict[str, KnownFact], new: dict[str, KnownFact]
                                    ) -> None:
    merged = merge_facts(old, new)
    assert set(merged) >= set(old) | set(new) - {p for p in new if p in old}
    for path in set(old) | set(new):
        assert path in merged
        if path in new and (path not in old or new[path].on >= old[path].on):
            assert merged[path] == new[path]
        else:
            assert merged[path] == old[path]


# What may be known in a plan, and what a clinician may enter today (values normal or not).
_PLAN_OPTIONS: dict[str, list[Any]] = {
    "labs.platelets_per_ul": [None, 30000, 180000],
    "labs.anc_per_ul": [None, 400, 2400],
    "labs.inr": [None, 2.4, 3.8],
    "medications": [None, [], [{"name": "warfarin"}]],
    "skin": [None, [], [{"finding": "ulcer", "region": "foot", "side": "left"}]],
    "patient.pregnant": [None, False, True],
    "bleeding_disorder": [None, False, True],
    "fainting_with_needles": [None, False, True],
    "chemotherapy": [None, {"active": True}, {"active": False, "last_dose": "2026-01-10"}],
}


def _document(values: dict[str, Any], on: date, *, whole: bool = True) -> dict[str, Any]:
    doc: dict[str, Any] = {"patient": {"age": 34, "sex": "female"},
                           "condition": {"kind": "cipn"}} if whole else {}
    for path, value in values.items():
        key, _, sub = path.partition(".")
        if sub:
            doc.setdefault(key, {})[sub] = value
        else:
            doc[key] = value
    if "labs" in doc:
        doc["labs"]["taken"] = on.isoformat()
    return doc


@st.composite
def _plan_and_day(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = {p: draw(st.sampled_from(options)) for p, options in _PLAN_OPTIONS.items()}
    entered = draw(st.sets(st.sampled_from(sorted(_PLAN_OPTIONS))))
    day = {p: draw(st.sampled_from([v for v in _PLAN_OPTIONS[p] if v is not None]))
           for p in entered}
    return plan, day


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_plan_and_day())
def test_todays_entries_lift_a_plan_screen_to_go_only_by_assessing_what_was_not(
    drawn: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    plan_values, day_values = drawn
    today = PLAN_DAY + timedelta(days=1)
    known = facts_of(_document(plan_values, PLAN_DAY), recorded_on=PLAN_DAY, origin="plan")
    before = screen_day(known, today, ["SP6", "ST36"]).screen
    # Today's entries restate known values unchanged, or give facts the plan did not assess.
    day = {p: v if plan_values[p] is None else plan_values[p] for p, v in day_values.items()}
    entered = facts_of(_document(day, today, whole=False), recorded_on=today, origin="today")
    after = screen_day(merge_facts(known, entered), today, ["SP6", "ST36"]).screen
    if before.status != "go" and after.status == "go":
        assessed_now = {p for p in day if plan_values[p] is None}
        assert assessed_now, (plan_values, day)
        assert all(f.not_assessed for f in before.findings if f.severity.value != "exclude")
    # Restating what is known never changes the verdict.
    if all(plan_values[p] is not None for p in day):
        assert after.status == before.status
