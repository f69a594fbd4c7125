"""Properties of the one scoring engine over every instrument's own data (Hypothesis).

For any complete set of valid answers every computed score -- and every interval the engine
carries -- lies in the range the data declares (no total can exceed its published range),
and raising one item's value never lowers a sum or mean score that contains it (never
raises it for a reverse-scored item): the monotonicity each published rule implies.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acuneuro.clinical._scoring_rules import compute
from acuneuro.clinical.scoring import get_instrument, list_instruments, normalise_answers, score
from acuneuro.knowledge import Instrument, Item

IDS = [i["id"] for i in list_instruments()]


def answer_strategy(item: Item) -> st.SearchStrategy[Any]:
    if item.type == "boolean":
        return st.booleans()
    if item.type == "choice":
        return st.sampled_from([o.code for o in item.options])
    low, high = int(item.min or 0), int(item.max or 0)
    return st.integers(min_value=low, max_value=high)


def full_answers(instrument: Instrument) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({item.id: answer_strategy(item) for item in instrument.items})


def numeric(item: Item, answer: Any) -> float | None:
    """The item's published value for an answer (None when the value is unconfirmed)."""
    if item.type == "number":
        return float(answer)
    code = ("yes" if answer else "no") if item.type == "boolean" else answer
    return next(o.value for o in item.options if o.code == code)


@pytest.mark.parametrize("instrument_id", IDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_computed_score_lies_in_its_declared_range(
    instrument_id: str, data: st.DataObject
) -> None:
    instrument = get_instrument(instrument_id)
    answers = data.draw(full_answers(instrument))
    result = score(instrument_id, answers)
    values = dict(result.subscales)
    if instrument.total is not None:
        values[instrument.total] = result.total
    for rule in instrument.scores:
        value = values[rule.id]
        if value is not None:
            assert rule.range[0] <= value <= rule.range[1], (rule.id, value)
        # Nor may the engine's interval (a range where a value is unconfirmed) leave it.
        interval, _ = compute(instrument, rule, normalise_answers(instrument, answers))
        assert interval is not None
        assert rule.range[0] <= interval.low <= interval.high <= rule.range[1], rule.id
    assert result.missing == []


@pytest.mark.parametrize("instrument_id", IDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_raising_one_item_never_moves_a_score_the_wrong_way(
    instrument_id: str, data: st.DataObject
) -> None:
    instrument = get_instrument(instrument_id)
    answers = data.draw(full_answers(instrument))
    item = data.draw(st.sampled_from(instrument.items))
    other = data.draw(answer_strategy(item))
    before, after = numeric(item, answers[item.id]), numeric(item, other)
    if before is None or after is None or before == after:
        return
    low, high = (answers[item.id], other) if before < after else (other, answers[item.id])
    first = score(instrument_id, {**answers, item.id: low})
    second = score(instrument_id, {**answers, item.id: high})
    for rule in instrument.scores:
        if item.id not in rule.items or rule.method == "lookup":
            continue
        if rule.id == instrument.total:
            a, b = first.total, second.total
        else:
            a, b = first.subscales[rule.id], second.subscales[rule.id]
        if a is None or b is None:
            continue
        if item.id in rule.reverse:
            assert b <= a, (rule.id, a, b)
        else:
            assert b >= a, (rule.id, a, b)


@settings(max_examples=60, deadline=None)
@given(count=st.integers(min_value=0, max_value=10))
def test_dn4_total_equals_the_number_of_yes_answers(count: int) -> None:
    items = [i.id for i in get_instrument("dn4").items]
    result = score("dn4", {item: index < count for index, item in enumerate(items)})
    assert result.total == count
    assert result.positive is (count >= 4)
