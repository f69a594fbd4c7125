"""The batch fit refuses what it cannot fit, naming the problem (``evidence._fit``)."""

from __future__ import annotations

import numpy as np
import pytest

from acuneuro.evidence._fit import fit_batch


def test_an_unknown_test_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown test 't'; use z or knha"):
        fit_batch(np.array([0.1, 0.2, 0.3]), np.array([0.01, 0.02, 0.03]), test="t")


def test_a_fit_needs_more_studies_than_coefficients() -> None:
    with pytest.raises(ValueError, match=r"more studies than coefficients \(k > 1\)"):
        fit_batch(np.array([0.1]), np.array([0.01]))
    two = np.array([0.1, 0.2]), np.array([0.01, 0.02])
    with pytest.raises(ValueError, match=r"\(k > 2\)"):
        fit_batch(*two, X=np.array([[1.0, 0.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match=r"\(k > 1\)"):
        fit_batch(*two, mask=np.array([1.0, 0.0]))


def test_a_variance_that_is_not_positive_is_refused_unless_the_study_is_left_out() -> None:
    y, v = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.01, 0.02, 0.0, 0.03])
    with pytest.raises(ValueError, match="sampling variances must be positive"):
        fit_batch(y, v)
    fit = fit_batch(y, v, mask=np.array([1.0, 1.0, 0.0, 1.0]))
    assert fit.k == 3
