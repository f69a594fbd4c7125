from datetime import date
from typing import Any, cast

import pytest
from pydantic import ValidationError

from acuneuro.clinical.adverse_events import (
    AdverseEvent,
    grade_definition,
    is_related,
    rate_per_1000,
)

DAY = date(2026, 12, 3)


def event(
    type_: str = "haematoma", grade: int = 1, relatedness: str = "probable", **kw: object
) -> AdverseEvent:
    fields: dict[str, object] = {
        "on": DAY,
        "type": type_,
        "grade": grade,
        "relatedness": relatedness,
        "action": "pressure_applied",
        "outcome": "resolved",
    }
    fields.update(kw)
    return AdverseEvent.model_validate(fields)


def test_it_rates_events_per_thousand_sessions() -> None:
    rate = rate_per_1000([event(), event(), event("fainting")], sessions_attended=400)
    assert rate.per_1000 == pytest.approx(7.5)
    assert rate.by_type == {"haematoma": 2, "fainting": 1}


def test_it_can_count_only_related_events() -> None:
    events = [event(), event(relatedness="unlikely")]
    assert rate_per_1000(events, 100, related_only=True).events == 1
    assert is_related(events[0]) and not is_related(events[1])


def test_it_gives_no_rate_without_sessions() -> None:
    assert rate_per_1000([], 0).per_1000 is None


def test_it_holds_the_ctcae_v5_grade_definitions() -> None:
    assert grade_definition(1).label == "mild"
    assert "urgent intervention" in grade_definition(4).definition
    with pytest.raises(ValueError, match="1 to 5"):
        grade_definition(6)


@pytest.mark.parametrize(
    ("field", "value"),
    [("type", "bruise"), ("relatedness", "maybe"), ("action", "x"), ("outcome", "fine")],
)
def test_it_rejects_words_outside_the_vocabulary(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=f"adverse_event.{field}"):
        event(**cast(dict[str, Any], {field: value}))


def test_it_needs_a_description_for_other() -> None:
    with pytest.raises(ValidationError, match="describe"):
        event("other")
    assert event("other", description="transient dizziness").type == "other"


def test_grade_5_must_be_fatal() -> None:
    with pytest.raises(ValidationError, match="grade 5"):
        event("pneumothorax", grade=5)


def test_it_rejects_a_negative_session_count() -> None:
    with pytest.raises(ValueError, match="negative"):
        rate_per_1000([], -1)
