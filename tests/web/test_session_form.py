"""The "Record session" form's day facts: entries update what is known, never invent it."""

from __future__ import annotations

from starlette.datastructures import FormData

from acuneuro.web._session_form import day_facts

KNOWN = {"skin": [{"finding": "ulcer", "region": "foot", "side": "left"}],
         "chemotherapy.active": False, "chemotherapy.last_dose": "2026-06-10",
         "labs.platelets_per_ul": 42000}


def test_a_new_skin_lesion_is_added_to_the_known_ones() -> None:
    day = day_facts(FormData({"day_skin_region": "hand", "day_skin_side": "right",
                              "day_skin_finding": "wound"}), KNOWN)
    assert [s["region"] for s in day["skin"]] == ["foot", "hand"]


def test_todays_inr_is_dated_by_the_session_day_and_leaves_the_counts_alone() -> None:
    day = day_facts(FormData({"on": "2026-12-06", "day_inr": "2.4"}), KNOWN)
    assert day == {"labs": {"taken": "2026-12-06", "inr": 2.4}}


def test_reviewed_and_unchanged_restates_the_last_known_value() -> None:
    day = day_facts(FormData({"day_chemotherapy_reviewed": "yes",
                              "day_skin_inspected": "yes"}), KNOWN)
    assert day["chemotherapy"] == {"active": False, "last_dose": "2026-06-10"}
    assert day["skin"] == KNOWN["skin"]


def test_reviewed_with_nothing_known_does_not_claim_none() -> None:
    day = day_facts(FormData({"day_medications_reviewed": "yes"}), KNOWN)
    assert "medications" not in day


def test_pregnancy_answers_are_yes_or_no_and_anything_else_is_left_for_the_service() -> None:
    assert day_facts(FormData({"day_pregnant": "no"}), {})["patient"] == {"pregnant": False}
    assert day_facts(FormData({"day_pregnant": "perhaps"}), {})["patient"] == {
        "pregnant": "perhaps"}
