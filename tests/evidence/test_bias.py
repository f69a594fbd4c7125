"""Egger's regression test agrees with metafor's ``regtest`` for every estimator and test."""

from __future__ import annotations

from typing import Any

import pytest

from acuneuro.evidence.bias import egger_test

from ._reference import close, reference


@pytest.mark.parametrize(
    "ref", reference()["fits"], ids=lambda f: f"{f['dataset']}-{f['method']}-{f['test']}"
)
def test_egger_matches_metafor_regtest(ref: dict[str, Any]) -> None:
    data = reference()["datasets"][ref["dataset"]]
    res = egger_test(data["yi"], data["vi"], method=ref["method"], test=ref["test"])
    where = f"{ref['regtest_call']} with res <- {ref['call']}"
    close(res.stat, ref["egger"]["stat"], f"z/t of {where}")
    close(res.p, ref["egger"]["pval"], f"p of {where}")
    close(res.limit_estimate, ref["egger"]["est"], f"limit estimate of {where}")
    close(res.limit_ci, ref["egger"]["ci"], f"limit CI of {where}")


def test_it_flags_fewer_than_ten_studies_as_underpowered() -> None:
    data = reference()["datasets"]["normand_md"]
    assert egger_test(data["yi"], data["vi"]).underpowered


def test_it_refuses_mismatched_inputs_and_fewer_than_three_studies() -> None:
    with pytest.raises(ValueError, match="equal length"):
        egger_test([0.1, 0.2, 0.3], [0.01, 0.02])
    with pytest.raises(ValueError, match="at least 3 studies"):
        egger_test([0.1, 0.2], [0.01, 0.02])
