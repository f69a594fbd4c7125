"""docs/operations.md lists every setting and every exit code the code knows."""

from __future__ import annotations

import re
from pathlib import Path

from acuneuro.cli._common import EXIT_CODES
from acuneuro.settings import Settings

DOC = (Path(__file__).resolve().parents[1] / "docs" / "operations.md").read_text("utf-8")
SRC = Path(__file__).resolve().parents[1] / "src" / "acuneuro"


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"ACUNEURO_{name.upper()}" in DOC, name


def test_every_environment_variable_the_code_reads_is_documented() -> None:
    names = set()
    for path in SRC.rglob("*.py"):
        names |= set(re.findall(r"ACUNEURO_[A-Z_]+[A-Z]", path.read_text("utf-8")))
    missing = sorted(name for name in names if name not in DOC)
    assert not missing


def test_every_exit_code_is_documented() -> None:
    table = re.findall(r"^\| (\d+) \|", DOC, flags=re.MULTILINE)
    assert sorted(int(code) for code in table) == sorted(EXIT_CODES)


def test_every_variable_the_fhir_server_check_reads_is_documented() -> None:
    check = SRC.parents[1] / "tests" / "interop" / "test_fhir_server_load.py"
    names = set(re.findall(r"ACUNEURO_[A-Z_]+[A-Z]", check.read_text("utf-8")))
    assert "ACUNEURO_FHIR_SERVER" in names
    assert sorted(name for name in names if name not in DOC) == []
