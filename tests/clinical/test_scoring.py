"""Published worked examples and cut-off boundaries of every instrument, scored by the engine.

Each expected value is derived by hand from the published rule cited next to it (the
instrument's YAML cites the same source); boundaries sit just below, at and just above each
published cut-off.
"""

from __future__ import annotations

from typing import Any

import pytest

from acuneuro.clinical._scoring_rules import Interval, compute
from acuneuro.clinical.scoring import (
    AnswerError,
    UnknownInstrumentError,
    describe_instrument,
    get_instrument,
    list_instruments,
    normalise_answers,
    score,
)

from ._cases import DN4_ITEMS, EXAMPLE, yes_count

# --- DN4 (Bouhassira 2005: yes = 1, total 0-10, >= 4 neuropathic likely) -----------------


def test_it_scores_the_design_case_dn4_as_six_and_positive() -> None:
    # The DN4 answers of the project's design case (shared/design/case-example.json):
    # burning, painful cold, tingling, pins and needles, numbness, hypoaesthesia to touch.
    result = score("dn4", EXAMPLE["screening"]["dn4"])
    assert result.total == 6
    assert result.positive is True
    assert result.missing == []
    assert "bouhassira2005" in result.sources


@pytest.mark.parametrize(("count", "positive"), [(3, False), (4, True), (5, True)])
def test_dn4_cut_off_is_four_of_ten(count: int, positive: bool) -> None:
    result = score("dn4", yes_count(DN4_ITEMS, count))
    assert result.total == count
    assert result.positive is positive


def test_dn4_with_a_missing_examination_item_is_not_computed_and_names_it() -> None:
    answers: dict[str, Any] = yes_count(DN4_ITEMS, 7)
    answers["brushing"] = None
    result = score("dn4", answers)
    assert result.total is None
    assert result.positive is None
    assert result.missing == ["brushing"]
    assert "brushing" in result.interpretation


@pytest.mark.parametrize(("count", "positive"), [(2, False), (3, True), (4, True)])
def test_dn4_interview_cut_off_is_three_of_seven(count: int, positive: bool) -> None:
    result = score("dn4-interview", yes_count(DN4_ITEMS[:7], count))
    assert result.total == count
    assert result.positive is positive


# --- LANSS (Bennett 2001: weights 5,5,3,2,1,5,3; >= 12 positive) -------------------------

LANSS_NO = {
    "dysaesthesia": False,
    "autonomic": False,
    "evoked_pain": False,
    "paroxysmal": False,
    "thermal": False,
    "allodynia": False,
    "pinprick_threshold": False,
}


@pytest.mark.parametrize(
    ("yes", "total", "positive"),
    [
        (["dysaesthesia", "autonomic", "thermal"], 11, False),
        (["dysaesthesia", "autonomic", "paroxysmal"], 12, True),
        (["dysaesthesia", "autonomic", "evoked_pain"], 13, True),
        (list(LANSS_NO), 24, True),
    ],
)
def test_lanss_sums_published_weights_with_cut_off_twelve(
    yes: list[str], total: int, positive: bool
) -> None:
    result = score("lanss", {**LANSS_NO, **dict.fromkeys(yes, True)})
    assert result.total == total
    assert result.positive is positive


# S-LANSS and painDETECT: tests/clinical/test_scoring_screeners.py (exhaustive and pinned).


# --- ID Pain (Portenoy 2006: range -1..5, no validated cut-off) ---------------------------


def test_id_pain_scores_minus_one_for_joints_and_applies_no_cut_off() -> None:
    answers = {
        "pins_and_needles": True,
        "hot_burning": True,
        "numb": True,
        "electrical_shocks": True,
        "touch_worse": True,
        "joints_only": True,
    }
    result = score("id-pain", answers)
    assert result.total == 4
    assert result.positive is None
    assert "no validated cut-off" in result.interpretation
    only_joints = {k: k == "joints_only" for k in answers}
    assert score("id-pain", only_joints).total == -1


# --- NPSI: total = sum of ten descriptors; sub-scores unverified ------------------------


def test_npsi_total_is_the_sum_and_subscores_are_not_computed() -> None:
    descriptors = [i.id for i in get_instrument("npsi").items if i.type == "number"]
    result = score("npsi", {item: 3 for item in descriptors})
    assert result.total == 30
    assert set(result.subscales) == {
        "burning",
        "pressing",
        "paroxysmal",
        "evoked",
        "paresthesia_dysesthesia",
    }
    assert all(value is None for value in result.subscales.values())
    assert "unverified" in result.interpretation


# --- NRS, DSIS, PGIC -----------------------------------------------------------------------


def test_nrs_is_the_answer_with_no_cut_off() -> None:
    result = score("nrs", {"pain": 7})
    assert (result.total, result.positive) == (7, None)


def test_dsis_is_the_answer_with_no_cut_off() -> None:
    assert score("dsis", {"sleep_interference": 4}).total == 4


@pytest.mark.parametrize(
    ("answer", "positive"),
    [
        ("very_much_improved", True),
        ("much_improved", True),
        ("minimally_improved", False),
        ("much_worse", False),
    ],
)
def test_pgic_much_or_very_much_improved_is_clinically_important(
    answer: str, positive: bool
) -> None:
    # Farrar 2001: "much" or "very much improved" was the clinically important anchor.
    assert score("pgic", {"change": answer}).positive is positive


# --- BPI-SF (Cleeland 2009) ------------------------------------------------------------------

INTERFERENCE = ["general_activity", "mood", "walking", "work", "relations", "sleep", "enjoyment"]


@pytest.mark.parametrize(("worst", "positive"), [(4, False), (5, True), (6, True), (7, True)])
def test_bpi_worst_pain_bands(worst: int, positive: bool) -> None:
    answers = {"worst": worst, "least": 1, "average": 3, "now": 2, **dict.fromkeys(INTERFERENCE, 2)}
    result = score("bpi-sf", answers)
    assert result.positive is positive
    assert result.subscales["severity"] == (worst + 1 + 3 + 2) / 4
    assert result.subscales["interference"] == 2


def test_bpi_interference_uses_the_mean_when_four_of_seven_are_answered() -> None:
    answers = {
        "worst": 6,
        "least": 2,
        "average": 4,
        "now": 3,
        "general_activity": 2,
        "mood": 4,
        "walking": 6,
        "work": 8,
    }
    result = score("bpi-sf", answers)
    assert result.subscales["interference"] == 5
    assert result.missing == []


def test_bpi_interference_with_three_of_seven_is_not_computed() -> None:
    answers = {
        "worst": 6,
        "least": 2,
        "average": 4,
        "now": 3,
        "general_activity": 2,
        "mood": 4,
        "walking": 6,
    }
    result = score("bpi-sf", answers)
    assert result.subscales["interference"] is None
    assert result.missing == ["work", "relations", "sleep", "enjoyment"]


# --- HADS (Zigmond 1983; bands 0-7 / 8-10 / 11-21) --------------------------------------------

ANXIETY = [
    "a1_tense",
    "a2_frightened",
    "a3_worry",
    "a4_relaxed",
    "a5_butterflies",
    "a6_restless",
    "a7_panic",
]
DEPRESSION = [
    "d1_enjoy",
    "d2_laugh",
    "d3_cheerful",
    "d4_slowed",
    "d5_appearance",
    "d6_look_forward",
    "d7_book_radio",
]


def items_summing(items: list[str], total: int) -> dict[str, int]:
    answers = {}
    for item in items:
        answers[item] = min(3, total)
        total -= answers[item]
    return answers


@pytest.mark.parametrize(
    ("anxiety", "positive", "band"),
    [
        (7, False, "normal"),
        (8, True, "borderline"),
        (10, True, "borderline"),
        (11, True, "abnormal"),
    ],
)
def test_hads_anxiety_bands(anxiety: int, positive: bool, band: str) -> None:
    answers = {**items_summing(ANXIETY, anxiety), **items_summing(DEPRESSION, 2)}
    result = score("hads", answers)
    assert result.subscales == {"anxiety": anxiety, "depression": 2}
    assert result.positive is positive
    assert band in result.interpretation


def test_hads_is_positive_when_only_depression_is_a_case() -> None:
    result = score("hads", {**items_summing(ANXIETY, 3), **items_summing(DEPRESSION, 11)})
    assert result.positive is True


def test_hads_with_one_subscale_missing_is_not_called_negative() -> None:
    result = score("hads", items_summing(ANXIETY, 3))
    assert result.positive is None
    assert result.missing == DEPRESSION


# --- EQ-5D-5L: profile and VAS, never an index --------------------------------------------


def test_eq5d5l_reports_the_profile_and_vas_and_no_index() -> None:
    answers = {
        "mobility": "level_1",
        "self_care": "level_1",
        "usual_activities": "level_2",
        "pain_discomfort": "level_3",
        "anxiety_depression": "level_2",
        "vas": 70,
    }
    result = score("eq-5d-5l", answers)
    assert result.total is None
    assert "health profile 11232" in result.interpretation
    assert result.subscales["vas"] == 70
    assert "index" not in result.subscales


def test_eq5d5l_without_every_dimension_says_the_profile_is_incomplete() -> None:
    result = score("eq-5d-5l", {"mobility": "level_1", "self_care": "level_2", "vas": 55})
    assert "health profile: incomplete" in result.interpretation
    assert "health profile 1" not in result.interpretation
    assert set(result.missing) == {"usual_activities", "pain_discomfort", "anxiety_depression"}


# --- MNSI (Michigan scoring instruction; examination > 2 abnormal) -----------------------


def mnsi_questionnaire(value: bool) -> dict[str, bool]:
    return {i.id: value for i in get_instrument("mnsi").items if i.id.startswith("q")}


def mnsi_exam(total_halves: int) -> dict[str, str]:
    # Fill vibration then reflex elements with 0.5 steps up to the requested total (in halves).
    exam: dict[str, str] = {}
    for side in ("right", "left"):
        exam[f"appearance_{side}"] = "normal"
        exam[f"ulceration_{side}"] = "absent"
    order = ["vibration_right", "vibration_left", "ankle_reflex_right", "ankle_reflex_left"]
    for element in order:
        step = min(2, total_halves)
        exam[element] = [
            "present",
            "reinforcement" if "reflex" in element else "decreased",
            "absent",
        ][step]
        total_halves -= step
    return exam


def test_mnsi_questionnaire_scores_yes_on_thirteen_items_and_no_on_items_7_and_13() -> None:
    assert (
        score("mnsi", {**mnsi_questionnaire(True), **mnsi_exam(0)}).subscales["questionnaire"] == 11
    )
    assert (
        score("mnsi", {**mnsi_questionnaire(False), **mnsi_exam(0)}).subscales["questionnaire"] == 2
    )


@pytest.mark.parametrize(("halves", "positive"), [(4, False), (5, True), (6, True)])
def test_mnsi_examination_above_two_is_abnormal(halves: int, positive: bool) -> None:
    result = score("mnsi", {**mnsi_questionnaire(False), **mnsi_exam(halves)})
    assert result.subscales["examination"] == halves / 2
    assert result.positive is positive


# --- Monofilament, vibration ------------------------------------------------------------------


def test_monofilament_counts_absent_sites_without_an_unconfirmed_rule() -> None:
    answers = {i.id: "present" for i in get_instrument("monofilament").items}
    answers["site1_left"] = "absent"
    result = score("monofilament", answers)
    assert result.total == 1
    assert result.positive is None
    assert "not applied" in result.interpretation


def test_vibration_counts_absent_sides() -> None:
    assert score("vibration", {"hallux_right": "absent", "hallux_left": "absent"}).total == 2


# --- QLQ-CIPN20: scales unverified ------------------------------------------------------------


def test_qlq_cipn20_records_answers_but_does_not_compute_unverified_scales() -> None:
    answers = {i.id: "quite_a_bit" for i in get_instrument("qlq-cipn20").items}
    result = score("qlq-cipn20", answers)
    assert result.subscales == {"sensory": None, "motor": None, "autonomic": None}
    assert "item-to-scale map" in result.interpretation


# --- FACT/GOG-Ntx (FACTscorer: 4 - x, mean x 11 if > 50% answered) ---------------------------

NTX = ["ntx1", "ntx2", "ntx3", "ntx4", "ntx5", "hi12", "ntx6", "ntx7", "ntx8", "ntx9", "an6"]


@pytest.mark.parametrize(
    ("answer", "total"), [("not_at_all", 44), ("very_much", 0), ("somewhat", 22)]
)
def test_fact_ntx_reverses_every_item(answer: str, total: int) -> None:
    assert score("fact-gog-ntx", dict.fromkeys(NTX, answer)).total == total


def test_fact_ntx_prorates_with_six_of_eleven_and_refuses_five() -> None:
    six = dict.fromkeys(NTX[:6], "a_little_bit")
    assert score("fact-gog-ntx", six).total == 33  # (4 - 1) x 11
    five = dict.fromkeys(NTX[:5], "a_little_bit")
    result = score("fact-gog-ntx", five)
    assert result.total is None
    assert result.missing == NTX[5:]


# --- CTCAE lookup ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "grade"),
    [
        ("none", 0),
        ("grade_1", 1),
        ("moderate_instrumental_adl", 2),
        ("severe_self_care_adl", 3),
        ("life_threatening", 4),
    ],
)
def test_ctcae_grade_is_a_lookup(code: str, grade: int) -> None:
    result = score("ctcae-sensory-neuropathy", {"severity": code})
    assert result.total == grade
    assert result.positive is None


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "answers", "item", "problem"),
    [
        ("dn4", {"burnign": True}, "burnign", "unknown item"),
        ("dn4", {"burning": 1}, "burning", "true or false"),
        ("nrs", {"pain": 11}, "pain", "out of range"),
        ("nrs", {"pain": -1}, "pain", "out of range"),
        ("nrs", {"pain": 6.5}, "pain", "whole number"),
        ("nrs", {"pain": True}, "pain", "a number"),
        ("nrs", {"pain": "6"}, "pain", "a number"),
        ("pgic", {"change": "better"}, "change", "one of"),
    ],
)
def test_it_rejects_bad_answers_naming_the_item(
    instrument: str, answers: dict[str, Any], item: str, problem: str
) -> None:
    with pytest.raises(AnswerError) as caught:
        score(instrument, answers)
    assert caught.value.item == item
    assert problem in str(caught.value)


def test_it_rejects_an_unknown_instrument() -> None:
    with pytest.raises(UnknownInstrumentError, match="nope"):
        score("nope", {})
    with pytest.raises(UnknownInstrumentError, match="nope"):
        get_instrument("nope")


def test_whole_scores_serialise_as_whole_numbers_and_fractions_stay_fractions() -> None:
    # The published forms print "6", not "6.0"; a BPI mean such as 3.75 keeps its fraction.
    assert score("nrs", {"pain": 6}).model_dump(mode="json")["total"] == 6
    assert isinstance(score("nrs", {"pain": 6}).model_dump(mode="json")["total"], int)
    bpi = {"worst": 6, "least": 2, "average": 4, "now": 3}
    subscales = score("bpi-sf", bpi).model_dump(mode="json")["subscales"]
    assert subscales["severity"] == 3.75
    assert subscales["interference"] is None


def test_the_description_gives_the_items_in_published_order_with_cutoffs_and_sources() -> None:
    described = describe_instrument("dn4")
    assert [i["id"] for i in described["items"]] == DN4_ITEMS
    assert described["sources"] == get_instrument("dn4").sources
    assert described["cutoffs"]
    with pytest.raises(UnknownInstrumentError):
        describe_instrument("nope")


def test_the_instrument_list_is_every_instrument_by_id_with_name_and_version() -> None:
    listed = list_instruments()
    assert [i["id"] for i in listed] == sorted(i["id"] for i in listed)
    for entry in listed:
        found = get_instrument(entry["id"])
        assert entry == {"id": found.id, "name": found.name, "version": found.version}


def test_list_instruments_gives_id_name_version() -> None:
    listed = list_instruments()
    assert {"dn4", "paindetect", "ctcae-sensory-neuropathy"} <= {i["id"] for i in listed}
    assert all(set(i) == {"id", "name", "version"} for i in listed)


# --- the rule engine beyond the shipped instruments --------------------------------------------


def test_answers_that_are_not_an_object_are_refused_as_a_whole() -> None:
    with pytest.raises(AnswerError) as refused:
        normalise_answers(get_instrument("dn4"), ["burning"])  # type: ignore[arg-type]
    assert refused.value.item == "(answers)"


def test_a_lookup_without_its_answer_is_not_computed_and_names_the_item() -> None:
    result = score("ctcae-sensory-neuropathy", {})
    assert result.total is None
    assert result.missing == ["severity"]


def test_a_prorated_sum_scales_the_answered_items_to_the_whole_scale() -> None:
    # "mean of the answered items, multiplied by the number of items for a sum" (rule docstring)
    npsi = get_instrument("npsi")
    (rule,) = [s for s in npsi.scores if s.id == "total"]
    prorated = rule.model_copy(update={"min_answered": 8})
    answers: dict[str, str | float] = dict.fromkeys(rule.items[:8], 3.0)
    value, missing = compute(npsi, prorated, answers)
    assert value == Interval(3.0 * len(rule.items), 3.0 * len(rule.items))
    assert missing == list(rule.items[8:])
    assert compute(npsi, rule, answers) == (None, list(rule.items[8:]))


@pytest.mark.parametrize(
    ("answer", "raw"), [("not_at_all", 1), ("quite_a_bit", 3), ("very_much", 4)]
)
def test_the_eortc_rescale_maps_the_mean_of_1_to_4_onto_0_to_100(answer: str, raw: int) -> None:
    # Fayers 2001 (EORTC scoring manual): score = (raw - 1) / range x 100, range 3 for 1-4 items.
    qlq = get_instrument("qlq-cipn20")
    (rule,) = [s for s in qlq.scores if s.id == "sensory"]
    value, missing = compute(qlq, rule, dict.fromkeys(rule.items, answer))
    assert missing == []
    assert value is not None and value.exact == pytest.approx((raw - 1) / 3 * 100)
