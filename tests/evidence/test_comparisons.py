"""Pooling refuses to mix comparator classes unless a sensitivity analysis is asked for."""

from __future__ import annotations

import pytest

from acuneuro.evidence.comparisons import MixedComparatorsError, class_of, pool, study_label
from acuneuro.evidence.library import trial_effect
from acuneuro.knowledge import Trial, comparator_classes, trials


def _trial(trial_id: str) -> Trial:
    return next(t for t in trials() if t.id == trial_id)


def test_every_comparator_code_belongs_to_exactly_one_class() -> None:
    codes = ["sham", "placebo", "waitlist", "usual_care", "drug", "other"]
    for code in codes:
        assert sum(code in c.comparators for c in comparator_classes()) == 1
    assert class_of("sham").id == class_of("placebo").id == "sham_placebo"
    assert class_of("waitlist").id == class_of("usual_care").id == "usual_care_waitlist"
    assert class_of("drug").id == "active_drug"


def test_pooling_sham_with_wait_list_is_refused_by_default() -> None:
    chosen = [_trial("garrow2014"), _trial("dietzel2023")]
    with pytest.raises(MixedComparatorsError, match="sensitivity analysis"):
        pool(chosen, [trial_effect(t) for t in chosen])


def test_a_mixed_pool_asked_for_is_labelled_a_sensitivity_analysis() -> None:
    chosen = [_trial("garrow2014"), _trial("dietzel2023"), _trial("chao2019")]
    mixed = pool(chosen, [trial_effect(t) for t in chosen], mixed=True)
    assert mixed.sensitivity and mixed.class_id == "mixed"
    assert "sensitivity analysis" in mixed.label
    assert mixed.result is not None and mixed.result.k == 3


def test_wait_list_and_usual_care_pool_together() -> None:
    chosen = [_trial("dietzel2023"), _trial("chao2019")]
    same = pool(chosen, [trial_effect(t) for t in chosen])
    assert not same.sensitivity and same.class_id == "usual_care_waitlist"
    assert same.result is not None and same.labels == ("Dietzel 2023", "Chao 2019")


def test_one_trial_is_shown_without_a_pooled_estimate() -> None:
    one = pool([_trial("garrow2014")], [trial_effect(_trial("garrow2014"))])
    assert one.result is None and one.not_pooled_because
    assert study_label(_trial("garrow2014")) == "Garrow 2014"
