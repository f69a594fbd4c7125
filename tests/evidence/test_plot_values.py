"""The numbers the forest and funnel plots draw agree with metafor's to 1e-6.

dat.bcg: against ``reference/metafor_plot_values.json``, R metafor's own ``escalc``/``rma``/
``weights``/``predict``/``regtest`` output made by ``generate_bcg_plot_values.R`` (calls and
versions in the file; it agrees to 4e-14 with the values once derived from stored outputs).
The DPN comparisons: against R metafor's own output
(``reference/metafor_dpn_plot_values.json``, made by ``generate_dpn_plot_values.R``), and against
an independent REML fit written in this file (restricted likelihood maximised by scipy) with
metafor's documented weight, Knapp-Hartung and prediction-interval formulas.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import optimize, stats

from acuneuro.evidence.figures import comparison_forest_values
from acuneuro.evidence.forest import forest_values, funnel_values
from acuneuro.evidence.library import condition_evidence
from acuneuro.evidence.meta import meta_analysis

from ._reference import close, reference


def _plot_reference() -> dict[str, Any]:
    path = Path(__file__).parent / "reference" / "metafor_plot_values.json"
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def test_bcg_forest_rows_diamond_and_prediction_interval_match_metafor() -> None:
    expected = _plot_reference()
    data = reference()["datasets"]["bcg_rr"]
    res = meta_analysis(data["yi"], data["vi"], measure="RR", labels=data["labels"])
    values = forest_values(res, res.labels, res.yi, res.vi)
    for key in ("estimate", "ci_lb", "ci_ub", "weight"):
        close([r[key] for r in values["rows"]], [r[key] for r in expected["rows"]], key)
    assert [r["label"] for r in values["rows"]] == [r["label"] for r in expected["rows"]]
    for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2", "Q", "Q_p"):
        close(values["pooled"][key], expected["pooled"][key], key)


def test_bcg_funnel_points_and_egger_test_match_metafor() -> None:
    expected = _plot_reference()["funnel"]
    data = reference()["datasets"]["bcg_rr"]
    res = meta_analysis(data["yi"], data["vi"], measure="RR", labels=data["labels"])
    values = funnel_values(res)
    close([p["estimate"] for p in values["points"]], expected["yi"], "yi")
    close([p["se"] for p in values["points"]], expected["sei"], "sei")
    assert values["egger"] is not None and values["egger_not_shown_because"] is None
    close(values["egger"]["stat"], expected["egger_stat"], "egger z")
    close(values["egger"]["p"], expected["egger_p"], "egger p")


def _independent_reml_knha(y: np.ndarray, v: np.ndarray) -> dict[str, Any]:
    def negative_restricted_loglik(tau2: float) -> float:
        w = 1 / (v + tau2)
        mu = float(np.sum(w * y) / np.sum(w))
        return 0.5 * float(np.sum(np.log(v + tau2)) + math.log(np.sum(w))
                           + np.sum(w * (y - mu) ** 2))

    found = optimize.minimize_scalar(negative_restricted_loglik, bounds=(0.0, 100.0),
                                     method="bounded", options={"xatol": 1e-13})
    tau2 = float(found.x)
    if negative_restricted_loglik(0.0) <= found.fun:
        tau2 = 0.0
    w = 1 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    k = y.size
    se = math.sqrt(float(np.sum(w * (y - mu) ** 2)) / (k - 1) / float(np.sum(w)))
    t = float(stats.t.isf(0.025, k - 1))
    half_pi = t * math.sqrt(se**2 + tau2)
    return {"estimate": mu, "ci_lb": mu - t * se, "ci_ub": mu + t * se, "pi_lb": mu - half_pi,
            "pi_ub": mu + half_pi, "tau2": tau2, "weights": list(100 * w / np.sum(w))}


def _dpn_pooled() -> list[Any]:
    ev = condition_evidence("dpn")
    found = [c for c in ev.comparisons if c.result is not None]
    return found + ([ev.sensitivity] if ev.sensitivity is not None else [])


@pytest.mark.parametrize("index", range(len(_dpn_pooled())))
def test_dpn_forest_values_match_an_independent_reml_fit(index: int) -> None:
    cmp = _dpn_pooled()[index]
    values = comparison_forest_values(cmp)
    y, v = np.asarray(cmp.yi), np.asarray(cmp.vi)
    z = float(stats.norm.isf(0.025))
    close([r["ci_lb"] for r in values["rows"]], y - z * np.sqrt(v), "study ci_lb")
    close([r["ci_ub"] for r in values["rows"]], y + z * np.sqrt(v), "study ci_ub")
    expected = _independent_reml_knha(y, v)
    close([r["weight"] for r in values["rows"]], expected["weights"], "weights")
    for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2"):
        close(values["pooled"][key], expected[key], key)


def _metafor_dpn() -> list[dict[str, Any]]:
    """metafor's own DPN numbers (generate_dpn_plot_values.R; calls and versions in the file)."""
    path = Path(__file__).parent / "reference" / "metafor_dpn_plot_values.json"
    found: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))["comparisons"]
    return found


@pytest.mark.parametrize("expected", _metafor_dpn(), ids=lambda e: str(e["class_id"]))
def test_dpn_forest_values_match_metafor(expected: dict[str, Any]) -> None:
    (cmp,) = [c for c in _dpn_pooled() if (c.class_id, c.sensitivity)
              == (expected["class_id"], expected["sensitivity"])]
    assert list(cmp.labels) == expected["labels"]
    close(list(cmp.yi), expected["yi"], "yi")  # metafor was given the numbers the page pools
    close(list(cmp.vi), expected["vi"], "vi")
    values = comparison_forest_values(cmp)
    for key in ("ci_lb", "ci_ub", "weight"):
        close([r[key] for r in values["rows"]], expected["rows"][key], key)
    for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2", "Q", "Q_p"):
        close(values["pooled"][key], expected["pooled"][key], key)
