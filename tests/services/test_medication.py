"""Medication use cases: statements, dose changes as close-and-open, MME and the computed change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from acuneuro.clinical.medication import mme_factor
from acuneuro.services import Context, NotFound, PermissionDenied
from acuneuro.services import medication as service
from acuneuro.services.sessions import CourseRefused

from ._course import START, accepted_patient, day


@pytest.fixture
def alice(actors: Any) -> Any:
    return actors["alice"].actor


def _add(ctx: Context, actor: Any, pid: str, drug: str, dose: float, **extra: Any) -> Any:
    return service.add_medication(ctx, actor, pid, {
        "drug": drug, "daily_dose": dose, "unit": "mg",
        "start_on": (START - timedelta(days=60)).isoformat(), **extra})


def test_a_dose_change_closes_the_old_statement_and_opens_a_new_one(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    oxy = _add(ctx, alice, pid, "Oxycodone", 40)
    new = service.change_dose(ctx, alice, pid, {"statement_id": oxy.id, "daily_dose": 20,
                                               "on": day(21)})
    listed = service.list_medications(ctx, alice, pid)
    assert [(m.drug, m.daily_dose, m.start_on, m.stop_on) for m in listed] == [
        ("oxycodone", 40, oxy.start_on, day(20)),
        ("oxycodone", 20, day(21), None),
    ]
    assert new.id == listed[1].id
    with pytest.raises(CourseRefused, match="already stopped"):
        service.change_dose(ctx, alice, pid, {"statement_id": oxy.id, "daily_dose": 10,
                                              "on": day(30)})


def test_mme_and_the_reduction_are_computed_across_overlapping_statements(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    oxy = _add(ctx, alice, pid, "oxycodone", 40)
    # Two overlapping tramadol statements (a regular and an as-needed prescription) add up.
    _add(ctx, alice, pid, "tramadol", 100)
    prn = _add(ctx, alice, pid, "tramadol", 50)
    _add(ctx, alice, pid, "pregabalin", 300)
    service.change_dose(ctx, alice, pid, {"statement_id": oxy.id, "daily_dose": 20,
                                               "on": day(21)})
    service.stop_medication(ctx, alice, pid, {"statement_id": prn.id, "stop_on": day(14)})
    summary = service.medication_summary(ctx, alice, pid, on=day(28))
    oxy_f, tram_f = mme_factor("oxycodone", "mg"), mme_factor("tramadol", "mg")
    assert oxy_f is not None and tram_f is not None
    assert summary.mme.total == pytest.approx(20 * oxy_f + 100 * tram_f)
    change = summary.change
    assert change is not None and change.baseline_date == START
    assert change.mme_baseline.total == pytest.approx(40 * oxy_f + 150 * tram_f)
    assert change.mme_change == pytest.approx(-20 * oxy_f - 50 * tram_f)
    by_drug = {d.drug: d for d in change.drugs}
    assert by_drug["oxycodone"].percent_change == pytest.approx(-50)
    assert by_drug["tramadol"].direction == "reduced"
    assert by_drug["pregabalin"].direction == "unchanged"
    assert change.overall == "reduced"


def test_it_refuses_a_stop_before_the_start_and_writes_nothing(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    oxy = _add(ctx, alice, pid, "oxycodone", 40)
    with pytest.raises(CourseRefused, match="is before the start"):
        service.stop_medication(ctx, alice, pid, {
            "statement_id": oxy.id, "stop_on": (START - timedelta(days=90)).isoformat()})
    assert service.list_medications(ctx, alice, pid)[0].stop_on is None


def test_it_scopes_statements_to_the_clinic_and_the_role(ctx: Context, actors: Any,
                                                         alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    oxy = _add(ctx, alice, pid, "oxycodone", 40)
    charlie = actors["charlie"].actor
    with pytest.raises(NotFound):
        service.stop_medication(ctx, charlie, pid, {"statement_id": oxy.id, "stop_on": day(1)})
    with pytest.raises(NotFound):
        service.list_medications(ctx, charlie, pid)
    with pytest.raises(PermissionDenied):
        _add(ctx, actors["dana"].actor, pid, "morphine", 10)
    # Another patient's statement id is not found through this patient either.
    other = accepted_patient(ctx, alice)
    with pytest.raises(NotFound):
        service.stop_medication(ctx, alice, other, {"statement_id": oxy.id, "stop_on": day(1)})


def test_a_brand_is_stored_as_typed_and_gets_its_inns_mme(ctx: Context, alice: Any) -> None:
    pid = accepted_patient(ctx, alice)
    _add(ctx, alice, pid, "OxyContin", 20)
    _add(ctx, alice, pid, "Transtec", 35, unit="mcg/h")
    summary = service.medication_summary(ctx, alice, pid, on=day(1))
    assert [m.drug for m in summary.statements] == ["oxycontin", "transtec"]
    assert summary.mme.total == pytest.approx(30)  # oxycodone 20 mg x 1.5
    assert summary.mme.contributions[0].inn == "oxycodone"
    assert summary.mme.no_cdc_factor == ["buprenorphine"] and not summary.mme.complete


@pytest.mark.parametrize("bad", [{"daily_dose": -5}, {"daily_dose": 0}, {"unit": ""},
                                 {"drug": ""}, {"start_on": "yesterday"}])
def test_it_refuses_a_bad_statement_and_writes_nothing(ctx: Context, alice: Any,
                                                       bad: dict[str, Any]) -> None:
    pid = accepted_patient(ctx, alice)
    data = {"drug": "Lyrica", "daily_dose": 150, "unit": "mg", "start_on": "2026-01-01", **bad}
    with pytest.raises(ValidationError):
        service.add_medication(ctx, alice, pid, data)
    assert service.list_medications(ctx, alice, pid) == []
