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
