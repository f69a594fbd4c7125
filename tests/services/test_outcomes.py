"""Outcome use cases: series from stored scores, baseline by rule, IMMPACT, PGIC, feet."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from acuneuro.clinical.outcomes import summarise
from acuneuro.services import Context, NotFound, PermissionDenied, assessment
from acuneuro.services import outcomes as service
from acuneuro.store import ScoreRecord

from ._course import START, accepted_patient, day


@pytest.fixture
def alice(actors: Any) -> Any:
    return actors["alice"].actor


def _nrs(ctx: Context, actor: Any, pid: str, value: int, on: date) -> None:
    assessment.record_score(ctx, actor, pid, {"instrument": "nrs", "answers": {"pain": value},
                                              "taken_on": on.isoformat()})


def test_it_follows_pain_from_a_run_in_baseline_to_the_immpact_category(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    for back, value in zip(range(6, 0, -1), (7, 8, 7, 8, 7, 8), strict=True):
        _nrs(ctx, alice, pid, value, START - timedelta(days=back))
    _nrs(ctx, alice, pid, 6, day(7))
    _nrs(ctx, alice, pid, 4, day(28))
    assessment.record_score(ctx, alice, pid, {"instrument": "pgic",
                                              "answers": {"change": "much_improved"},
                                              "taken_on": day(28).isoformat()})
    view = service.outcomes(ctx, alice, pid, as_of=day(30))
    nrs = next(s for s in view.series if s.id == "nrs")
    assert view.first_session == START and len(nrs.scores) == 8
    summary = nrs.summary
    assert summary is not None
    # The service's summary is the clinical core's on the same scores and first session.
    assert summary == summarise(nrs.scores, "nrs", START, as_of=day(30))
    assert summary.baseline.value == pytest.approx(7.5) and summary.baseline.rule == "run_in_mean"
    assert summary.latest is not None and summary.latest.value == 4
    assert summary.category == "moderate" and summary.responders["responder_30"]
    assert (view.pgic, view.pgic_improved) == ("much_improved", True)


def test_a_score_after_the_as_of_day_is_not_shown(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    _nrs(ctx, alice, pid, 6, START)
    _nrs(ctx, alice, pid, 2, day(20))
    view = service.outcomes(ctx, alice, pid, as_of=day(10))
    nrs = view.series[0]
    assert [s.value for s in nrs.scores] == [6]
    assert nrs.summary is not None
    assert nrs.summary.not_computed == "no score after the first session"


def _row(instrument: str, on: date, answers: dict[str, str]) -> ScoreRecord:
    return ScoreRecord(instrument_id=instrument, taken_on=on, answers_json=answers, id=0)


def test_a_foot_is_concluded_only_when_its_sites_agree() -> None:
    on = date(2026, 3, 2)
    sites = {"site1_left": "absent", "site2_left": "absent", "site3_left": "absent",
             "site1_right": "present", "site2_right": "absent", "site3_right": "present"}
    exams, unresolved = service.foot_exams_of([
        _row("monofilament", on, sites),
        _row("vibration", on, {"hallux_left": "absent", "hallux_right": "present"}),
    ])
    by_side = {e.side: (e.monofilament, e.vibration) for e in exams}
    assert by_side == {"left": ("absent", "absent"), "right": (None, "present")}
    assert unresolved == ["2026-03-02 right foot: monofilament absent at site2_right only "
                          "(per-site result)"]


def test_it_hides_another_clinics_outcomes(ctx: Context, actors: Any, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    with pytest.raises(NotFound):
        service.outcomes(ctx, actors["charlie"].actor, pid, as_of=START)
    with pytest.raises(PermissionDenied):
        service.outcomes(ctx, actors["dana"].actor, pid, as_of=START)
