"""Effect sizes agree with metafor's ``escalc`` (calls stored in the reference file)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from acuneuro.evidence._effects import binary_effects, continuous_effects, hedges_correction

from ._reference import arms, close, reference

BINARY = ["bcg_rr", "bcg_or", "nielweise_or", "hine_rd"]
CONTINUOUS = ["normand_md", "normand_smd"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_measures_match_escalc(name: str) -> None:
    data = reference()["datasets"][name]
    a = arms(name)
    eff = binary_effects(data["measure"], a["events1"], a["n1"], a["events2"], a["n2"])
    close(eff.yi, data["yi"], data["escalc_call"])
    close(eff.vi, data["vi"], data["escalc_call"])


@pytest.mark.parametrize("name", CONTINUOUS)
def test_continuous_measures_match_escalc(name: str) -> None:
    data = reference()["datasets"][name]
    a = arms(name)
    eff = continuous_effects(
        data["measure"], a["n1"], a["mean1"], a["sd1"], a["n2"], a["mean2"], a["sd2"]
    )
    close(eff.yi, data["yi"], data["escalc_call"])
    close(eff.vi, data["vi"], data["escalc_call"])


def test_zero_cell_correction_is_applied_only_to_tables_with_a_zero() -> None:
    eff = binary_effects("OR", [0, 5], [10, 10], [2, 3], [10, 10])
    assert eff.yi[0] == pytest.approx(np.log((0.5 * 8.5) / (10.5 * 2.5)))
    assert eff.yi[1] == pytest.approx(np.log((5 * 7) / (5 * 3)))


def test_hedges_correction_is_the_exact_gamma_ratio_not_the_approximation() -> None:
    # J(10) = Γ(5) / (sqrt(5) Γ(4.5)); the approximation 1 - 3/(4m - 1) differs in the 4th digit.
    exact = math.gamma(5) / (math.sqrt(5) * math.gamma(4.5))
    assert hedges_correction(10)[0] == pytest.approx(exact, rel=1e-12)
    assert abs(hedges_correction(10)[0] - (1 - 3 / 39)) > 1e-4


def test_it_refuses_events_above_group_size() -> None:
    with pytest.raises(ValueError, match="exceed"):
        binary_effects("RR", [11], [10], [1], [10])


def test_it_refuses_negative_sd() -> None:
    with pytest.raises(ValueError, match="standard deviations"):
        continuous_effects("MD", [10], [1.0], [-1.0], [10], [1.0], [1.0])


def test_impossible_arms_and_unknown_measures_are_refused() -> None:
    with pytest.raises(ValueError, match="group sizes must be positive"):
        continuous_effects("MD", [0], [1.0], [1.0], [5], [2.0], [1.0])
    with pytest.raises(ValueError, match="must not be negative"):
        continuous_effects("MD", [5], [1.0], [-1.0], [5], [2.0], [1.0])
    with pytest.raises(ValueError, match="not a continuous measure"):
        continuous_effects("RR", [5], [1.0], [1.0], [5], [2.0], [1.0])
    with pytest.raises(ValueError, match="event counts must not be negative"):
        binary_effects("RR", [-1], [10], [1], [10])
    with pytest.raises(ValueError, match="not a binary measure"):
        binary_effects("SMD", [1], [10], [1], [10])
