"""A condition whose trials give no readable pain data still gets a plot that says so."""

from __future__ import annotations

import pytest

from acuneuro.evidence import library
from acuneuro.evidence.figures import forest_figure


def test_a_condition_without_readable_trials_gets_an_empty_plot_that_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(library, "trials", lambda: ())
    assert library.condition_evidence("dpn").comparisons == ()
    svg = forest_figure("dpn")
    assert isinstance(svg, str)
    assert "No trial with readable pain data." in svg
