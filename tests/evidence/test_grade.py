"""Each GRADE rule rates down exactly past its threshold, and the patient words follow."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from acuneuro.evidence.grade import (
    Downgrade,
    certainty,
    plain_statement,
    rate_imprecision,
    rate_inconsistency,
    rate_indirectness,
    rate_publication_bias,
    rate_risk_of_bias,
)
from acuneuro.knowledge import grade_rules

RULES = grade_rules()
EPS = 1e-9


def test_risk_of_bias_rates_down_only_above_the_weight_threshold() -> None:
    limit = RULES.rob_high_weight_pct
    at = rate_risk_of_bias([limit, 100 - limit], ["high", "low"], RULES)
    above = rate_risk_of_bias([limit + EPS, 100 - limit - EPS], ["high", "low"], RULES)
    assert at.levels == 0 and above.levels == 1
    assert "high risk" in above.reason


def test_an_unassessed_trial_counts_as_high_risk() -> None:
    assert rate_risk_of_bias([60.0, 40.0], [None, "low"], RULES).levels == 1
    assert rate_risk_of_bias([60.0, 40.0], ["some_concerns", "low"], RULES).levels == 0


def test_inconsistency_rates_down_at_each_i2_cut_off() -> None:
    serious, very = RULES.inconsistency_serious_i2, RULES.inconsistency_very_serious_i2
    assert rate_inconsistency(3, serious - EPS, RULES).levels == 0
    assert rate_inconsistency(3, serious, RULES).levels == 1
    assert rate_inconsistency(3, very - EPS, RULES).levels == 1
    assert rate_inconsistency(3, very, RULES).levels == 2
    single = rate_inconsistency(1, None, RULES)
    assert single.levels == 0 and "single trial" in single.reason


def test_indirectness_rates_down_only_above_the_weight_threshold() -> None:
    limit = RULES.indirect_weight_pct
    why = "acute zoster, not PHN"
    assert rate_indirectness([limit, 100 - limit], [why, None], RULES).levels == 0
    above = rate_indirectness([limit + EPS, 100 - limit - EPS], [why, None], RULES)
    assert above.levels == 1 and why in above.reason


def test_imprecision_boundaries_against_the_mid_and_the_information_size() -> None:
    mid, ois = RULES.mid, RULES.ois_participants
    # A CI ending exactly at the MID does not cross it; beyond it, it does.
    assert rate_imprecision((-3.0, -mid), ois, RULES).levels == 0
    assert rate_imprecision((-3.0, -mid + EPS), ois, RULES).levels == 1
    assert rate_imprecision((-3.0, EPS), ois, RULES).levels == 1
    crossing_null = rate_imprecision((-3.0, 0.5), ois, RULES)
    assert crossing_null.levels == 1 and "no effect" in crossing_null.reason
    assert rate_imprecision((-mid - EPS, mid), ois, RULES).levels == 1
    assert rate_imprecision((-mid - EPS, mid + EPS), ois, RULES).levels == 2
    assert rate_imprecision((-3.0, -2.0), ois - 1, RULES).levels == 1
    assert rate_imprecision((-3.0, -2.0), ois, RULES).levels == 0


def test_publication_bias_needs_ten_trials_and_a_low_egger_p() -> None:
    k, alpha = RULES.egger_min_k, RULES.egger_alpha
    few = rate_publication_bias(k - 1, 0.001, RULES)
    assert few.levels == 0 and "Not assessable" in few.reason
    assert rate_publication_bias(k, alpha - EPS, RULES).levels == 1
    assert rate_publication_bias(k, alpha, RULES).levels == 0


@given(st.lists(st.integers(min_value=0, max_value=2), min_size=5, max_size=5))
def test_certainty_starts_high_and_never_falls_below_very_low(levels: list[int]) -> None:
    grade = certainty([Downgrade("d", n, "") for n in levels])
    expected = ("very_low", "low", "moderate", "high")[max(0, 3 - sum(levels))]
    assert grade == expected


def test_the_patient_sentence_follows_the_certainty() -> None:
    c = "sham"
    assert plain_statement("high", -2.0, c, RULES).startswith("Acupuncture reduces")
    assert "likely reduces" in plain_statement("moderate", -2.0, c, RULES)
    assert "may reduce" in plain_statement("low", -2.0, c, RULES)
    assert "very uncertain" in plain_statement("very_low", -2.0, c, RULES)
    assert "little or no difference" in plain_statement("low", -RULES.mid + EPS, c, RULES)
    assert "may reduce" in plain_statement("low", -RULES.mid, c, RULES)
    assert "likely increases" in plain_statement("moderate", RULES.mid, c, RULES)
