"""``acuneuro instruments``, ``score`` and ``classify`` honour their JSON contracts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from acuneuro.cli import app

runner = CliRunner()

# The design case of shared/design/case-example.json (the clinical-case contract).
CASE: dict[str, Any] = {
    "patient": {"age": 58, "sex": "female", "pregnant": False},
    "condition": {"kind": "cipn", "icd10": "G62.0", "onset": "2026-08-15"},
    "pain": {"regions": [{"region": "foot", "side": "both"}], "dermatomes": [], "nrs": 6},
    "screening": {
        "dn4": {
            "burning": True,
            "painful_cold": True,
            "electric_shocks": False,
            "tingling": True,
            "pins_and_needles": True,
            "numbness": True,
            "itching": False,
            "hypoesthesia_touch": True,
            "hypoesthesia_pinprick": False,
            "brushing": False,
        }
    },
    "findings": {
        "lesion_or_disease": True,
        "plausible_distribution": True,
        "sensory_signs": True,
        "confirmatory_test": None,
    },
    "assessed_on": "2026-11-24",
}


def test_instruments_lists_id_name_version() -> None:
    result = runner.invoke(app, ["instruments"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert all(set(entry) == {"id", "name", "version"} for entry in listed)
    assert "dn4" in {entry["id"] for entry in listed}


def test_instruments_id_describes_items_in_published_order() -> None:
    result = runner.invoke(app, ["instruments", "dn4"])
    assert result.exit_code == 0, result.output
    described = json.loads(result.stdout)
    assert set(described) == {
        "id", "name", "version", "answered_by", "items", "cutoffs", "sources"
    }
    assert [i["id"] for i in described["items"]][:3] == [
        "burning",
        "painful_cold",
        "electric_shocks",
    ]
    first = described["items"][0]
    assert set(first) == {"id", "text", "type", "clinician_only", "options", "min", "max"}
    assert first["type"] == "boolean"
    # DN4 items 8-10 are the clinician's examination (Bouhassira 2005).
    assert described["answered_by"] == "both"
    assert [i["clinician_only"] for i in described["items"]] == [False] * 7 + [True] * 3
    assert {o["code"] for o in first["options"]} == {"yes", "no"}


def test_score_reads_a_file(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(CASE["screening"]["dn4"]), "utf-8")
    result = runner.invoke(app, ["score", "dn4", "--answers", str(answers)])
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    assert set(scored) == {
        "instrument",
        "version",
        "total",
        "subscales",
        "positive",
        "interpretation",
        "missing",
        "sources",
    }
    assert (scored["total"], scored["positive"]) == (6, True)


def test_score_reads_stdin() -> None:
    result = runner.invoke(app, ["score", "nrs", "--answers", "-"], input='{"pain": 4}')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == 4


@pytest.mark.parametrize(
    ("args", "stdin", "named"),
    [
        (["score", "dn4", "--answers", "-"], '{"burnign": true}', "burnign"),
        (["score", "nrs", "--answers", "-"], '{"pain": 12}', "pain"),
        (["score", "dn4", "--answers", "-"], '{"burning": "yes"}', "burning"),
        (["score", "dn5", "--answers", "-"], "{}", "dn5"),
        (["score", "nrs", "--answers", "-"], "not json", "answers"),
        (["instruments", "dn5"], None, "dn5"),
        (["score", "paindetect", "--answers", "-"], '{"course_pattern": "wave"}',
         "course_pattern"),
        (["score", "paindetect", "--answers", "-"], '{"burning": 6}', "burning"),
        (["score", "s-lanss", "--answers", "-"], '{"self_allodynia": 5}', "self_allodynia"),
        (["score", "s-lanss", "--answers", "-"], '{"self_rub": true}', "self_rub"),
    ],
)
def test_bad_input_exits_2_naming_it(args: list[str], stdin: str | None, named: str) -> None:
    result = runner.invoke(app, args, input=stdin)
    assert result.exit_code == 2
    assert named in result.output
    assert "Traceback" not in result.output


SLANSS_YES = '{"dysaesthesia": true, "autonomic": false, "evoked_pain": false, ' \
    '"paroxysmal": true, "thermal": true, "self_allodynia": true, "self_pinprick": false}'
PAINDETECT = {
    "burning": "strongly", "tingling": "moderately", "light_touch": "slightly",
    "pain_attacks": "moderately", "temperature": "hardly", "numbness": "strongly",
    "pressure": "never", "course_pattern": "attacks_with_pain_between", "radiating": True,
}


def test_score_s_lanss_gives_a_total_and_a_reading() -> None:
    # 5 + 2 + 1 + 5 (rubbing self-test) = 13: 12 or more (Bennett 2005).
    result = runner.invoke(app, ["score", "s-lanss", "--answers", "-"], input=SLANSS_YES)
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    assert (scored["total"], scored["positive"]) == (13, True)
    assert "12 or more" in scored["interpretation"]


def test_score_paindetect_gives_a_total_and_a_reading() -> None:
    # 4+3+2+3+1+4+0 = 17 sensory, +1 course, +2 radiating = 20: 19 or more (Freynhagen 2006).
    result = runner.invoke(app, ["score", "paindetect", "--answers", "-"],
                           input=json.dumps(PAINDETECT))
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    assert (scored["total"], scored["positive"]) == (20, True)
    assert "19 or more" in scored["interpretation"]


def test_classify_prints_grade_type_reasons_sources() -> None:
    result = runner.invoke(app, ["classify", "--case", "-"], input=json.dumps(CASE))
    assert result.exit_code == 0, result.output
    classified = json.loads(result.stdout)
    assert set(classified) == {"neupsig_grade", "pain_type", "reasons", "sources"}
    assert (classified["neupsig_grade"], classified["pain_type"]) == ("probable", "neuropathic")
    assert "finnerup2016" in classified["sources"]


def test_classify_refuses_an_invalid_case_naming_the_field() -> None:
    bad = {**CASE, "finding": {}}
    result = runner.invoke(app, ["classify", "--case", "-"], input=json.dumps(bad))
    assert result.exit_code == 2
    assert "finding" in result.output


def test_classify_refuses_a_bad_screening_answer_naming_the_item() -> None:
    bad = {**CASE, "screening": {"dn4": {"burnign": True}}}
    result = runner.invoke(app, ["classify", "--case", "-"], input=json.dumps(bad))
    assert result.exit_code == 2
    assert "screening.dn4.burnign" in result.output
