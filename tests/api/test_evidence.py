"""``/api/v1/meta`` and ``/api/v1/evidence``: same JSON as the CLI, row-and-column 422s, auth."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from acuneuro.api.routes.evidence import meta_json
from acuneuro.cli import app as cli_app
from acuneuro.evidence.library import condition_evidence
from acuneuro.evidence.meta import METHODS, meta_analysis
from acuneuro.evidence.tabular import LAYOUTS
from acuneuro.knowledge import (
    EVIDENCE_CONDITIONS,
    ContinuousData,
    EffectData,
    bibliography,
    guidelines,
    trials,
)

Clients = Callable[[str], TestClient]

# Lu 2020 and Rostock 2013 arm data as stored in knowledge/evidence/trials.yaml.
ARMS_CSV = (
    "study,n1,mean1,sd1,n2,mean2,sd2\n"
    "lu2020,20,-1.1,1.7,20,0.3,1.5\n"
    "rostock2013,14,-0.8,1.2,17,-1.3,1.3\n"
    "third,30,-2.0,2.0,30,-1.0,2.1\n"
)


def _cli_json(tmp_path: Path, csv_text: str, *args: str) -> dict[str, object]:
    path = tmp_path / "studies.csv"
    path.write_text(csv_text, encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["meta", str(path), *args])
    assert result.exit_code == 0, result.output
    out: dict[str, object] = json.loads(result.stdout)
    return out


def test_it_refuses_every_evidence_route_without_a_token(anonymous: TestClient) -> None:
    for path in ("/api/v1/evidence", "/api/v1/evidence/dpn", "/api/v1/evidence/dpn/forest.svg",
                 "/api/v1/evidence/dpn/forest.png"):
        assert anonymous.get(path).status_code == 401, path
    assert anonymous.post("/api/v1/meta", content=ARMS_CSV).status_code == 401


def test_every_role_of_every_clinic_reads_the_library(api_as: Clients) -> None:
    for who in ("alice", "dana", "erin", "charlie"):
        answer = api_as(who).get("/api/v1/evidence")
        assert answer.status_code == 200, who
        assert [c["condition"] for c in answer.json()] == list(EVIDENCE_CONDITIONS)


def test_the_condition_lists_every_trial_with_its_cited_sources(api_as: Clients) -> None:
    known = bibliography()
    for condition in EVIDENCE_CONDITIONS:
        doc = api_as("alice").get(f"/api/v1/evidence/{condition}").json()
        expected = [t for t in trials() if t.condition == condition]
        assert [t["id"] for t in doc["trials"]] == [t.id for t in expected]
        for got, trial in zip(doc["trials"], expected, strict=True):
            assert [s["id"] for s in got["sources"]] == trial.sources
            assert all(s["citation"] == known[s["id"]].citation for s in got["sources"])
        assert doc["plotted"] == [t.id for t in expected if t.poolable]


def test_the_cipn_sensitivity_pool_is_the_engine_on_the_stored_arm_data(
    api_as: Clients,
) -> None:
    doc = api_as("alice").get("/api/v1/evidence/cipn").json()
    yi, vi = [], []
    for trial in trials():
        if trial.condition != "cipn" or not trial.poolable:
            continue
        data = trial.data
        scale = 10.0 / trial.outcome.scale_max
        if isinstance(data, ContinuousData):
            yi.append((data.mean1 - data.mean2) * scale)
            vi.append((data.sd1**2 / data.n1 + data.sd2**2 / data.n2) * scale**2)
        elif isinstance(data, EffectData):
            yi.append(data.estimate * scale)
            vi.append(((data.ci_upper - data.ci_lower) / (2 * 1.959964) * scale) ** 2)
    expected = meta_analysis(yi, vi, method="REML", test="knha", measure="MD")
    # CIPN's two trials have different comparator classes: no class is pooled, the mixed
    # pool exists only as the labelled sensitivity analysis.
    assert all(c["pooled"] is None for c in doc["comparisons"])
    pooled = doc["sensitivity"]["pooled"]
    assert doc["sensitivity"]["sensitivity"] is True
    assert pooled["k"] == len(yi) >= 2
    assert math.isclose(pooled["estimate"], expected.estimate, rel_tol=1e-9)
    assert pooled["ci"] == pytest.approx(list(expected.ci))
    assert pooled["pi"] == pytest.approx(list(expected.pi))
    assert any("confidence interval" in line for line in pooled["reading"])
    assert "Sensitivity analysis" in pooled["reading"][-1]


def test_guidelines_carry_their_grade_meaning_and_the_nccn_correction(api_as: Clients) -> None:
    doc = api_as("alice").get("/api/v1/evidence/cipn").json()
    by_id = {g["id"]: g for g in doc["guidelines"]}
    assert set(by_id) == {g.id for g in guidelines() if "cipn" in g.conditions}
    nccn = by_id["nccn-adult-cancer-pain-2021"]
    assert nccn["grade"] == "Category 2A"
    assert "LOWER-LEVEL" in nccn["meaning"]
    assert "high-quality evidence" in nccn["correction"]


def test_a_condition_with_too_few_plotted_trials_says_so(api_as: Clients) -> None:
    for condition in EVIDENCE_CONDITIONS:
        doc = api_as("alice").get(f"/api/v1/evidence/{condition}").json()
        assert (doc["plotted_note"] is not None) == (len(doc["plotted"]) < 3)


def test_an_unknown_condition_is_404(api_as: Clients) -> None:
    for path in ("/api/v1/evidence/gout", "/api/v1/evidence/gout/forest.svg"):
        answer = api_as("alice").get(path)
        assert answer.status_code == 404
        assert "dpn" in answer.json()["detail"]


def test_the_forest_plot_comes_as_svg_naming_the_plotted_trials_and_as_png(
    api_as: Clients,
) -> None:
    client = api_as("bob")
    svg = client.get("/api/v1/evidence/cipn/forest.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    first = condition_evidence("cipn").comparisons[0]
    for label in first.labels:
        assert f">{label}</text>" in svg.text
    png = client.get("/api/v1/evidence/cipn/forest.png")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("args", [(), ("--measure", "MD", "--method", "DL", "--test", "knha")])
def test_a_csv_body_answers_the_same_json_as_the_cli(
    api_as: Clients, tmp_path: Path, args: tuple[str, ...]
) -> None:
    query = {args[i].lstrip("-"): args[i + 1] for i in range(0, len(args), 2)}
    answer = api_as("alice").post("/api/v1/meta", content=ARMS_CSV, params=query,
                                  headers={"content-type": "text/csv"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == _cli_json(tmp_path, ARMS_CSV, *args)


def test_json_rows_and_a_multipart_upload_give_the_csv_answer(api_as: Clients) -> None:
    client = api_as("alice")
    from_csv = client.post("/api/v1/meta?measure=MD", content=ARMS_CSV).json()
    header, *lines = ARMS_CSV.strip().split("\n")
    keys = header.split(",")
    rows = [dict(zip(keys, line.split(","), strict=True)) for line in lines]
    from_json = client.post("/api/v1/meta", json={"rows": rows, "measure": "md"})
    assert from_json.status_code == 200, from_json.text
    assert from_json.json() == from_csv
    upload = client.post("/api/v1/meta", data={"measure": "MD"},
                         files={"file": ("s.csv", ARMS_CSV.encode(), "text/csv")})
    assert upload.status_code == 200, upload.text
    assert upload.json() == from_csv


def test_a_bad_row_is_422_naming_the_row_and_the_column(api_as: Clients) -> None:
    bad = ARMS_CSV.replace("rostock2013,14,-0.8,1.2", "rostock2013,14,-0.8,-1.2")
    answer = api_as("alice").post("/api/v1/meta", content=bad)
    assert answer.status_code == 422
    msg = answer.json()["detail"][0]["msg"]
    assert "row 2" in msg and "sd1" in msg


def test_bad_options_and_too_few_studies_are_422(api_as: Clients) -> None:
    client = api_as("alice")
    answer = client.post("/api/v1/meta?method=XX", content=ARMS_CSV)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "method"]
    one = "\n".join(ARMS_CSV.split("\n")[:2])
    assert "at least 2" in client.post("/api/v1/meta", content=one).json()["detail"][0]["msg"]
    assert client.post("/api/v1/meta", json={"rows": "x"}).status_code == 422
    assert client.post("/api/v1/meta", content=b"\xff\xfe\x00",
                       headers={"content-type": "text/csv"}).status_code == 422


def test_a_table_over_a_megabyte_is_refused(api_as: Clients) -> None:
    big = ARMS_CSV + ("x,1,1,1,1,1,1\n" * 80_000)
    assert api_as("alice").post("/api/v1/meta", content=big).status_code == 413


_CELL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-5, 500).map(str),
    st.text(max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(
    layout=st.sampled_from(list(LAYOUTS.values())),
    rows=st.lists(st.lists(_CELL, min_size=7, max_size=7), max_size=6),
    measure=st.sampled_from([None, "MD", "SMD", "RR", "OR", "RD", "GEN", "bogus"]),
    method=st.sampled_from([None, *METHODS, "xx"]),
)
def test_any_table_answers_finite_json_or_a_422_naming_the_body_or_option(
    layout: tuple[str, ...], rows: list[list[str]], measure: str | None, method: str | None
) -> None:
    cells = [row[: len(layout)] for row in rows]
    try:
        out = meta_json(list(layout), cells, measure, method, None)
    except HTTPException as exc:
        assert exc.status_code == 422
        assert isinstance(exc.detail, list) and exc.detail[0]["loc"][0] in ("body", "query")
        return
    json.dumps(out, allow_nan=False)  # raises on NaN or infinity
    assert out["k"] == len(out["studies"]) >= 2



def test_carriage_returns_are_rows_and_a_broken_csv_is_a_422(api_as: Clients) -> None:
    client = api_as("alice")
    lone_cr = client.post("/api/v1/meta?measure=MD", content=ARMS_CSV.replace("\n", "\r"))
    assert lone_cr.status_code == 200, lone_cr.text
    assert lone_cr.json() == client.post("/api/v1/meta?measure=MD", content=ARMS_CSV).json()
    broken = client.post("/api/v1/meta", content='study,yi,vi\n"a\x00,1,1\n')
    assert broken.status_code == 422
