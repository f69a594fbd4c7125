"""``acuneuro plan --case`` and ``acuneuro points``: JSON out; bad input exits 2 naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from acuneuro.cli import app

runner = CliRunner()
EXAMPLE = Path(__file__).parents[1] / "data" / "case-example.json"


def test_plan_of_the_example_case_is_go_with_local_and_distal_points() -> None:
    result = runner.invoke(app, ["plan", "--case", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["safety"]["status"] == "go"
    assert {"local", "distal"} <= {p["role"] for p in plan["points"]}
    for point in plan["points"]:
        assert point["rationale"] and point["sources"]
    assert set(plan) >= {
        "condition",
        "safety",
        "points",
        "stimulation",
        "course",
        "omitted",
        "sources",
    }


def test_plan_reads_the_case_from_stdin() -> None:
    result = runner.invoke(app, ["plan", "--case", "-"], input=EXAMPLE.read_text("utf-8"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["condition"] == "cipn"


def test_a_misspelt_field_exits_2_naming_it() -> None:
    case = json.loads(EXAMPLE.read_text("utf-8"))
    case["labs"]["platelet"] = 100
    result = runner.invoke(app, ["plan", "--case", "-"], input=json.dumps(case))
    assert result.exit_code == 2
    assert '"platelet"' in result.output and "Traceback" not in result.output


def test_an_out_of_range_value_exits_2_naming_the_field() -> None:
    case = json.loads(EXAMPLE.read_text("utf-8"))
    case["pain"]["dermatomes"] = [{"dermatome": "T13", "side": "left"}]
    result = runner.invoke(app, ["plan", "--case", "-"], input=json.dumps(case))
    assert result.exit_code == 2
    # A sentence on the field's label, with an example; never the location path or the regex.
    assert "Dermatome 1 is not in the expected form (for example T5)" in result.output
    assert "dermatomes.0" not in result.output and "^" not in result.output


def test_a_case_that_is_not_an_object_or_not_json_exits_2() -> None:
    assert runner.invoke(app, ["plan", "--case", "-"], input="[1, 2]").exit_code == 2
    result = runner.invoke(app, ["plan", "--case", "-"], input="{not json")
    assert result.exit_code == 2 and "not valid JSON" in result.output


def test_points_filters_by_meridian_and_region() -> None:
    result = runner.invoke(app, ["points", "--meridian", "LR", "--region", "foot"])
    assert result.exit_code == 0, result.output
    assert [p["code"] for p in json.loads(result.stdout)] == ["LR1", "LR2", "LR3", "LR4"]
    everything = json.loads(runner.invoke(app, ["points"]).stdout)
    assert sum(1 for p in everything if p["meridian"]) == 361


def test_points_with_an_unknown_meridian_exits_2() -> None:
    result = runner.invoke(app, ["points", "--meridian", "XX"])
    assert result.exit_code == 2 and "meridian" in result.output


# --- medicines as clinicians type them; floors and ceilings that stop (issue 12) ------------


def _plan(**changes: object) -> tuple[int, str]:
    case = json.loads(EXAMPLE.read_text("utf-8"))
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            case[section][field] = value
        else:
            case[section] = value
    result = runner.invoke(app, ["plan", "--case", "-"], input=json.dumps(case))
    return result.exit_code, result.output


def test_a_brand_name_gives_a_caution_naming_the_inn() -> None:
    code, output = _plan(medications=["Eliquis"])
    assert code == 0, output
    safety = json.loads(output)["safety"]
    assert safety["status"] == "caution"
    assert any(f["rule"] == "anticoagulation" and "apixaban" in f["message"]
               for f in safety["findings"])


def test_an_unknown_medicine_gives_a_not_assessed_caution_naming_it() -> None:
    code, output = _plan(medications=["Zzzyxol 10 mg"])
    assert code == 0, output
    safety = json.loads(output)["safety"]
    (found,) = [f for f in safety["findings"] if f["rule"] == "medicine-unrecognised"]
    assert safety["status"] == "caution" and found["not_assessed"]
    assert "Zzzyxol 10 mg" in found["message"]


def test_platelets_9000_and_inr_6_2_on_warfarin_stop_with_no_points() -> None:
    code, output = _plan(medications=[{"name": "warfarin sodium", "daily_dose": 5, "unit": "mg"}],
                         labs__platelets_per_ul=9000, labs__inr=6.2)
    assert code == 0, output
    plan = json.loads(output)
    assert plan["safety"]["status"] == "stop" and plan["points"] == []
    stops = {f["rule"] for f in plan["safety"]["findings"] if f["severity"] == "stop"}
    assert stops == {"thrombocytopenia-severe", "inr-ceiling"}


@pytest.mark.parametrize(("change", "field"), [
    ({"labs__platelets_per_ul": -1}, "Platelet count cannot be negative."),
    ({"labs__anc_per_ul": -500}, "Neutrophil count cannot be negative."),
    ({"labs__inr": -1.0}, "INR must be more than 0."),
    ({"medications": [{"name": "warfarin", "daily_dose": -5}]},
     "Daily dose of medicine 1 cannot be negative."),
    ({"medications": [{"name": "  "}]}, "Name of medicine 1"),
    ({"condition__kind": "migraine"}, "Condition must be one of: painful diabetic"),
])
def test_bad_counts_doses_and_enums_exit_2_naming_the_field(change: dict[str, object],
                                                            field: str) -> None:
    code, output = _plan(**change)
    assert code == 2 and field in output and "Traceback" not in output


def _bad_case(**sections: dict[str, object]) -> str:
    case = json.loads(EXAMPLE.read_text("utf-8"))
    for name, values in sections.items():
        case[name] = {**case.get(name, {}), **values}
    return json.dumps(case)


def test_bad_clinical_input_exits_2_naming_the_field_for_plan_and_classify() -> None:
    bad = {
        "Heart valve": _bad_case(risk_factors={"heart_valve": "maybe"}),
        "Platelet count": _bad_case(labs={"platelets_per_ul": -5}),
        "Date the blood was taken": _bad_case(labs={"taken": "2026-11-30"}),
        "Date of the last chemotherapy dose": _bad_case(
            chemotherapy={"last_dose": "2026-12-24"}),
        "Spinal cord injury level": _bad_case(condition={"kind": "sci", "sci_level": "T13"}),
    }
    for field, document in bad.items():
        for command in ("plan", "classify"):
            result = runner.invoke(app, [command, "--case", "-"], input=document)
            assert result.exit_code == 2, (command, field, result.output)
            assert field in result.output and "Traceback" not in result.output
    assert "after the assessment date" in runner.invoke(
        app, ["plan", "--case", "-"], input=bad["Date the blood was taken"]).output


def test_the_published_case_schema_names_every_risk_fact() -> None:
    result = runner.invoke(app, ["schema", "case"])
    schema = json.loads(result.stdout)
    risks = schema["$defs"]["RiskFactors"]["properties"]
    assert set(risks) == {"immunosuppressed", "systemic_infection", "heart_valve", "epilepsy",
                          "peripheral_arterial_disease", "prosthetic_joints", "tumour_sites",
                          "node_dissection", "spinal_hardware"}
    assert "risk_factors" in schema["properties"]
    assert "sci_level" in schema["$defs"]["Condition"]["properties"]
