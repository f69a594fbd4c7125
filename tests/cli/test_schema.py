"""``acuneuro schema case`` publishes the JSON Schema of the clinical case."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from acuneuro.cli import app

runner = CliRunner()


def test_schema_case_prints_the_case_json_schema() -> None:
    result = runner.invoke(app, ["schema", "case"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["title"] == "ClinicalCase"
    assert "patient" in schema["properties"]


def test_schema_without_a_name_exits_2_with_a_message() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 2
    assert "name a schema" in result.output


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "schema" in result.stdout


def test_a_command_refuses_in_the_language_it_was_asked_in() -> None:
    result = runner.invoke(app, ["--lang", "it", "schema"])
    assert result.exit_code == 2
    assert "errore: indicare uno schema: case" in result.output
