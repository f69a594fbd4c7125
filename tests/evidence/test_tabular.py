"""Study tables from CSV text: layouts told apart by header, refusals naming row and column."""

from __future__ import annotations

import math

import pytest

from acuneuro.evidence.tabular import TableError, read_table


def test_it_reads_precomputed_effects_with_standard_errors() -> None:
    table = read_table(["study", "yi", "sei"], [["a", "0.1", "0.2"], ["b", "-0.3", "0.1"]])
    assert table.measure == "GEN"
    assert table.vi == pytest.approx((0.04, 0.01))


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_file() -> None:
    rows = [["a", "0.1", "0.2"], ["", "", ""], ["c", "0.1", "x"]]
    with pytest.raises(TableError, match="row 3, column vi"):
        read_table(["study", "yi", "vi"], rows)


def test_extra_columns_and_spaces_in_the_header_are_accepted() -> None:
    table = read_table([" study", "events1 ", "n1", "events2", "n2", "note"],
                       [["a", "3", "10", "1", "10", "x"], ["b", "0", "10", "2", "10", ""]])
    assert table.measure == "RR"
    assert math.isfinite(table.yi[1])  # the zero cell got the 1/2 correction


def test_it_refuses_fractional_counts() -> None:
    with pytest.raises(TableError, match="row 1, column n1"):
        read_table(["study", "events1", "n1", "events2", "n2"], [["a", "1", "10.5", "1", "10"]])


def test_it_refuses_a_zero_standard_error() -> None:
    with pytest.raises(TableError, match="row 1, column sei"):
        read_table(["study", "yi", "sei"], [["a", "0.1", "0"]])


def test_it_refuses_rows_shorter_than_the_header() -> None:
    with pytest.raises(TableError, match="row 1: 2 cells"):
        read_table(["study", "yi", "vi"], [["a", "0.1"]])


def test_it_refuses_an_smd_it_cannot_compute() -> None:
    header = ["study", "n1", "mean1", "sd1", "n2", "mean2", "sd2"]
    with pytest.raises(TableError, match="row 1: the effect cannot be computed"):
        read_table(header, [["a", "1", "1", "0", "1", "2", "0"]], "SMD")


BINARY = ["study", "events1", "n1", "events2", "n2"]
CONTINUOUS = ["study", "n1", "mean1", "sd1", "n2", "mean2", "sd2"]


@pytest.mark.parametrize(
    ("header", "row", "measure", "message"),
    [
        (BINARY, ["a", "x", "10", "1", "10"], None, r"row 1, column events1: 'x' is not a number"),
        (BINARY, ["a", "1", "inf", "1", "10"], None, r"row 1, column n1: 'inf' is not a finite"),
        (BINARY, ["a", "-1", "10", "1", "10"], None, r"row 1, column events1: .* whole count"),
        (BINARY, ["a", "0", "0", "1", "10"], None, r"row 1, column n1: the group size must be > 0"),
        (BINARY, ["a", "11", "10", "1", "10"], None, r"row 1, column events1: events exceed n1"),
        (BINARY, ["a", "1", "10", "1", "10"], "SMD", r"measure SMD does not fit .* RR or OR or RD"),
        (CONTINUOUS, ["a", "5", "1", "-2", "5", "2", "1"], None, r"column sd1: -2 is negative"),
        (["study", "yi", "vi"], ["a", "0.1", "0"], None, r"row 1, column vi: .* > 0"),
    ],
)
def test_it_refuses_a_bad_cell_naming_its_row_and_column(
    header: list[str], row: list[str], measure: str | None, message: str
) -> None:
    with pytest.raises(TableError, match=message):
        read_table(header, [row], measure)


def test_it_names_the_missing_columns_of_the_nearest_layout() -> None:
    with pytest.raises(TableError, match=r"missing column\(s\) n2; expected one of"):
        read_table(["study", "events1", "n1", "events2"], [["a", "1", "10", "1"]])


def test_it_refuses_an_empty_file_and_a_header_without_rows() -> None:
    with pytest.raises(TableError, match="no header row"):
        read_table([], [])
    with pytest.raises(TableError, match="no study rows"):
        read_table(["study", "yi", "vi"], [["", "", ""]])


@pytest.mark.parametrize(
    ("header", "row"),
    [(["study", "yi", "sei"], ["a", "0.5", "1e200"]),
     (["study", "n1", "mean1", "sd1", "n2", "mean2", "sd2"],
      ["a", "10", "1", "1e200", "10", "2", "1"])],
    ids=["se-squared", "sd-squared"],
)
def test_finite_numbers_whose_variance_overflows_name_their_row(
    header: list[str], row: list[str]
) -> None:
    other = ["b", "0.1", "0.2"] if len(header) == 3 else ["b", "10", "1", "1", "10", "2", "1"]
    with pytest.raises(TableError, match="row 1: the effect cannot be computed"):
        read_table(header, [row, other], "MD" if len(header) == 7 else None)


@pytest.mark.parametrize(("yi", "vi"), [("0", "6.4e161"), ("0", "1e-300"), ("2e6", "1")])
def test_it_refuses_numbers_no_trial_has_naming_the_row(yi: str, vi: str) -> None:
    # Found by the API fuzzer: a variance of 6.4e161 beside 1 overflowed the estimators.
    with pytest.raises(TableError, match=r"^row 2: effect .* is outside what can be pooled"):
        read_table(["study", "yi", "vi"], [["a", "0.1", "0.2"], ["b", yi, vi]], "GEN")


def test_the_widest_real_numbers_are_still_pooled() -> None:
    table = read_table(["study", "yi", "vi"], [["a", "-1e6", "1e-12"], ["b", "1e6", "1e12"]],
                       "GEN")
    assert table.vi == (1e-12, 1e12)
