"""Fuzzing the input parsers: arbitrary JSON is either accepted or refused with a named field.

Each parser in ``PARSERS`` gets the same two properties (T17): arbitrary JSON documents, and the
valid example with one part replaced, removed or misspelt. The outcome is a result or a pydantic
``ValidationError`` whose every error names where it is, and the CLI's ``validation_message``
names it too; never another exception. The questionnaire-answer and meta-analysis CSV parsers
join this list when they land (integration).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from acuneuro.cli._common import field_path, validation_message
from acuneuro.clinical.case import ClinicalCase
from acuneuro.services.messages import field_label, sentence_of

EXAMPLES = 500  # T17 "ci" profile: at least 500 examples per parser


@dataclass(frozen=True)
class Parser:
    name: str
    parse: Callable[[Any], object]
    example: Any  # a valid document, the seed for mutations


def _case_example() -> Any:
    return json.loads((Path(__file__).parents[1] / "data" / "case-example.json").read_text())


PARSERS = [
    Parser("clinical case", ClinicalCase.model_validate, _case_example()),
    # Parser("questionnaire answers", ..., ...),  (added with the answers parser)
    # Parser("meta-analysis CSV rows", ..., ...),  (added with the CSV parser)
]

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["", "2026-02-30", "2026-11-24", "T5", "C9", "foot", "both", "dpn", "-1"])
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def _mutants(draw: st.DrawFn, example: Any) -> Any:
    """The example with one node replaced, deleted, or given an unknown sibling key."""
    doc = json.loads(json.dumps(example))
    path = draw(st.sampled_from(_paths(doc)[1:]))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    action = draw(st.sampled_from(["replace", "delete", "extra"]))
    if action == "replace":
        parent[path[-1]] = draw(_json)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=12))] = draw(_json)
    else:
        parent.append(draw(_json))
    return doc


def _check(parser: Parser, doc: Any) -> None:
    try:
        parser.parse(doc)
    except ValidationError as exc:
        message = validation_message(exc)
        for error in exc.errors():
            if isinstance(doc, dict):
                assert error["loc"], f"an error names no field: {error}"
            # Each refused field is named in words (its label), never as a location path.
            refusal = sentence_of(error)
            assert refusal.label and refusal.sentence in message
            assert field_path(error["loc"]) not in message or "." not in field_path(error["loc"])


def _through_json(doc: Any) -> Any:
    """What a file would hold: JSON text parsed back (NaN spelt as Python's json writes it)."""
    text = json.dumps(doc, allow_nan=True)
    return json.loads(text)


# Every fuzz test runs the same reproducible number of examples.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.name)
@FUZZ
@given(data=st.data())
def test_arbitrary_json_is_accepted_or_refused_with_a_named_field(
    parser: Parser, data: st.DataObject
) -> None:
    _check(parser, _through_json(data.draw(_json)))


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.name)
@FUZZ
@given(data=st.data())
def test_a_mutated_example_is_accepted_or_refused_with_a_named_field(
    parser: Parser, data: st.DataObject
) -> None:
    _check(parser, _through_json(data.draw(_mutants(parser.example))))


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.name)
def test_the_seed_example_is_valid(parser: Parser) -> None:
    parser.parse(parser.example)


def test_a_non_finite_number_is_refused_with_its_field() -> None:
    doc = _case_example()
    doc["pain"]["nrs"] = math.nan
    with pytest.raises(ValidationError) as refused:
        ClinicalCase.model_validate(doc)
    message = validation_message(refused.value)
    assert field_label(("pain", "nrs")).lower() in message.lower() and "pain.nrs" not in message


def test_an_unknown_empty_or_dotted_key_is_named_unambiguously() -> None:
    doc = _case_example()
    doc["pain"][""] = 1
    doc["pain"]["nrs.x"] = 1
    with pytest.raises(ValidationError) as refused:
        ClinicalCase.model_validate(doc)
    message = validation_message(refused.value)
    assert "pain.: " not in message and "pain.nrs.x" not in message


def test_a_key_with_no_name_is_refused_under_the_field_around_it() -> None:
    # Found by the mutation fuzz: {"screening": {"": null}} was refused as " is not the right
    # kind of value." (the empty key as the field's label).
    doc = _case_example()
    doc["screening"] = {"": None}
    _check(PARSERS[0], doc)
    with pytest.raises(ValidationError) as refused:
        ClinicalCase.model_validate(doc)
    assert field_label(refused.value.errors()[0]["loc"]).strip()
