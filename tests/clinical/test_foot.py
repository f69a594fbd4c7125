from datetime import date, timedelta

import pytest

from acuneuro.clinical.foot import FootExam, FootFacts, foot_risk, foot_timeline, lops_referral

D = date(2026, 12, 1)
_FACTS = ("lops", "pad", "deformity", "ulcer_history", "amputation", "esrd")


def _only(*present: str) -> FootFacts:
    """Every IWGDF fact assessed: those named present, the others absent."""
    return FootFacts(**{fact: fact in present for fact in _FACTS})


# IWGDF 2019 Table 1 (Schaper et al. 2020), unchanged in the 2023 update.
@pytest.mark.parametrize(
    ("facts", "category"),
    [
        (FootFacts(lops=False, pad=False), 0),
        (_only("lops"), 1),
        (_only("pad"), 1),
        (FootFacts(lops=True, pad=True, ulcer_history=False, amputation=False, esrd=False), 2),
        (_only("lops", "deformity"), 2),
        (_only("pad", "deformity"), 2),
        (FootFacts(lops=True, ulcer_history=True), 3),
        (FootFacts(pad=True, esrd=True), 3),
        (FootFacts(lops=False, pad=False, ulcer_history=True), 0),
    ],
)
def test_it_assigns_the_iwgdf_category(facts: FootFacts, category: int) -> None:
    r = foot_risk(facts)
    assert r.category == category and r.at_least == category


def test_it_never_reads_a_missing_fact_as_absent() -> None:
    r = foot_risk(FootFacts(lops=True))
    assert r.category is None and r.at_least == 1
    assert {"ulcer_history", "pad", "deformity"} <= set(r.not_assessed)
    assert foot_risk(FootFacts()).at_least is None


def test_it_reads_loss_of_protective_sensation_from_either_test() -> None:
    assert FootExam(on=D, side="left", monofilament="present", vibration="absent").lops is True
    assert FootExam(on=D, side="left", monofilament="present").lops is False
    assert FootExam(on=D, side="left").lops is None


def test_it_follows_sensation_over_time_and_flags_a_new_loss() -> None:
    exams = [
        FootExam(on=D, side="left", monofilament="present"),
        FootExam(on=D, side="right", monofilament="present"),
        FootExam(on=D + timedelta(days=60), side="left", monofilament="absent"),
        FootExam(on=D + timedelta(days=60), side="right", monofilament="present"),
    ]
    timeline = foot_timeline(exams)
    assert [(t.lops, t.newly_lost) for t in timeline] == [(False, False), (True, True)]


def test_it_prompts_a_referral_when_protective_sensation_is_lost() -> None:
    ref = lops_referral([FootExam(on=D, side="right", vibration="absent")])
    assert ref is not None and ref.sides == ["right"] and "refer" in ref.message
    assert lops_referral([FootExam(on=D, side="right", vibration="present")]) is None


def test_an_exam_without_results_neither_sets_nor_clears_loss_of_sensation() -> None:
    exams = [
        FootExam(on=D, side="left", monofilament="present"),
        FootExam(on=D, side="right", monofilament="present"),
        FootExam(on=D + timedelta(days=30), side="left"),
        FootExam(on=D + timedelta(days=60), side="left", monofilament="absent"),
        FootExam(on=D + timedelta(days=60), side="right", monofilament="present"),
    ]
    timeline = foot_timeline(exams)
    assert [t.lops for t in timeline] == [False, None, True]
    assert timeline[2].newly_lost
    # The untested exam in between does not hide the earlier normal result from the referral.
    assert lops_referral(exams[:3]) is None
