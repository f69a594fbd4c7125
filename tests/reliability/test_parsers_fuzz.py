"""Fuzz targets for the two other input parsers (T17): questionnaire answers and study tables.

- ``clinical.scoring.score(id, answers)``: for every instrument, arbitrary JSON answers (and
  answers built from the instrument's own items and options, then broken) give a score or an
  ``AnswerError`` naming the item; never another exception.
- The meta-analysis study table (``evidence.tabular.read_table``, as ``acuneuro meta`` parses
  a CSV file): arbitrary CSV text gives a table or a ``TableError`` naming the row and column
  (or the header / the file); through the command line, exit 0 with JSON or exit 2 with that
  message, never a traceback.

The clinical-case parser has its own fuzz test (``tests/clinical/test_case_fuzz.py``); these
two raise their engine's own error type, not pydantic's, so they have their own properties.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from acuneuro.cli import app
from acuneuro.clinical.scoring import AnswerError, get_instrument, list_instruments, score
from acuneuro.evidence.tabular import LAYOUTS, StudyTable, TableError, read_table

EXAMPLES = 500  # T17 "ci" profile: at least 500 examples per parser
CLI_EXAMPLES = 150  # the whole command (statistics included) is slower per example
INSTRUMENTS = [i["id"] for i in list_instruments()]
_FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
    | st.sampled_from(["", "yes", "no", "0", "10", "-1", "1e400", "NaN", "true"])
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=12,
)


# ---------------------------------------------------------------- questionnaire answers


@st.composite
def _answers(draw: st.DrawFn, instrument_id: str) -> Any:
    """Mostly the instrument's own items with plausible or wrong answers, sometimes anything."""
    if draw(st.integers(0, 9)) == 0:
        return draw(_json)
    instrument = get_instrument(instrument_id)
    answers: dict[str, Any] = {}
    for item in instrument.items:
        choice = draw(st.integers(0, 5))
        if choice == 0:
            continue  # unanswered
        if choice == 1:
            answers[item.id] = draw(_json)
        elif item.options:
            answers[item.id] = draw(st.sampled_from([o.code for o in item.options]))
        else:
            answers[item.id] = draw(st.one_of(
                st.integers(int(item.min or 0) - 2, int(item.max or 10) + 2),
                st.floats(allow_nan=True, allow_infinity=True)))
    if draw(st.booleans()):
        answers[draw(st.text(max_size=8))] = draw(_json)
    return answers


def _check_answers(instrument_id: str, answers: Any) -> None:
    try:
        result = score(instrument_id, answers)
    except AnswerError as exc:
        assert repr(exc.item) in str(exc), f"the message does not name the item: {exc}"
        items = {item.id for item in get_instrument(instrument_id).items}
        named = exc.item in items or exc.item == "(answers)" or (
            isinstance(answers, dict) and exc.item in {str(k) for k in answers})
        assert named, f"{exc.item!r} is neither an item nor a key given: {exc}"
        return
    assert result.model_dump_json()  # a result that cannot be rendered is no result


@_FUZZ
@given(instrument_id=st.sampled_from(INSTRUMENTS), data=st.data())
def test_arbitrary_answers_score_or_name_the_item(instrument_id: str, data: st.DataObject) -> None:
    answers = json.loads(json.dumps(data.draw(_answers(instrument_id)), allow_nan=True))
    _check_answers(instrument_id, answers)


# ---------------------------------------------------------------- study tables


_cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-5, 500).map(str),
    st.sampled_from(["", " ", "0", "-0", "1e309", "-1", "nan", "inf", "1,5", " 7 ", "x",
                     "0.0000001", "1e-320", "12"]),
    st.text(max_size=6),
)


@st.composite
def _csv_text(draw: st.DrawFn) -> str:
    """A study table: a known layout (columns shuffled, dropped, doubled) or any text."""
    if draw(st.integers(0, 7)) == 0:
        return draw(st.text(max_size=200))
    header = list(draw(st.sampled_from(list(LAYOUTS.values()))))
    header = draw(st.permutations(header))
    if draw(st.integers(0, 5)) == 0:
        del header[draw(st.integers(0, len(header) - 1))]
    if draw(st.integers(0, 5)) == 0:
        header.append(draw(st.sampled_from(["study", "yi", "extra", ""])))
    rows = draw(st.lists(st.lists(_cells, min_size=max(0, len(header) - 1),
                                  max_size=len(header) + 1), max_size=6))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _parse_as_the_cli_does(text: str, measure: str | None) -> StudyTable:
    # The command reads the file in text mode, which turns every line ending into "\n".
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = list(csv.reader(io.StringIO(text)))
    header, rows = (reader[0], reader[1:]) if reader else ([], [])
    return read_table(header, rows, measure)


_NAMED = re.compile(r"^(row \d+|header|the file|measure )")


@_FUZZ
@given(text=_csv_text(), measure=st.sampled_from([None, "MD", "SMD", "RR", "OR", "RD", "GEN"]))
def test_arbitrary_csv_gives_a_table_or_names_the_row_and_column(
    text: str, measure: str | None
) -> None:
    try:
        table = _parse_as_the_cli_does(text, measure)
    except TableError as exc:
        assert _NAMED.match(str(exc)), f"a table error naming no row or column: {exc}"
        return
    assert len(table.labels) == len(table.yi) == len(table.vi) >= 1
    assert all(v > 0 for v in table.vi)


@settings(max_examples=CLI_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=_csv_text(), method=st.sampled_from(["REML", "DL", "PM", "EE"]))
def test_acuneuro_meta_exits_0_or_2_with_a_message_never_a_traceback(
    tmp_path: Path, text: str, method: str
) -> None:
    table = tmp_path / "studies.csv"
    table.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["meta", str(table), "--method", method])
    assert result.exit_code in (0, 2), f"exit {result.exit_code}: {result.exception!r}"
    if result.exit_code == 0:
        assert "estimate" in json.loads(result.stdout)
    else:
        assert "Traceback" not in result.output
        assert str(table) in result.stderr, result.stderr
