"""Every demo patient's Bundle passes an R4 validator with 0 errors.

HAPI's Java validator is not reachable here (Maven Central is blocked), so, as issue 16 allows,
two independent checks run: Medplum's ``validateResource`` (structure, cardinality, types,
required bindings, Medplum's own invariant evaluation) through ``scripts/fhir_validate.cjs``,
and every ``constraint.expression`` of the R4 StructureDefinitions evaluated with fhirpathpy
(``_fhir_invariants``). ``make services`` installs the npm packages
(``scripts/ensure-fhir-validator.sh``).
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from acuneuro.interop.fhir_bundle import conditional_transaction

from . import _fhir_invariants as invariants
from ._demo_bundles import export_demo_bundles

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group("fhir-validator")


def _validator_ready() -> None:
    if shutil.which("node") is None or not invariants.DEFINITIONS.is_dir():
        pytest.fail("the FHIR validator is not installed: run `make services` "
                    "(scripts/ensure-fhir-validator.sh)")


@pytest.fixture(scope="module")
def demo_bundles(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The 30 demo patients' transaction Bundles, written to files."""
    return export_demo_bundles(tmp_path_factory.mktemp("fhir"))


def _medplum(files: list[Path]) -> dict[str, dict[str, Any]]:
    _validator_ready()
    answer = subprocess.run(
        ["node", str(ROOT / "scripts" / "fhir_validate.cjs"), str(invariants.CACHE),
         *map(str, files)], capture_output=True, text=True, check=True, timeout=600)
    return {(line := json.loads(row))["file"]: line for row in answer.stdout.splitlines()}


def test_every_demo_bundle_passes_medplum_validation(demo_bundles: list[Path]) -> None:
    assert len(demo_bundles) == 30
    results = _medplum(demo_bundles)
    assert {f: r["errors"] for f, r in results.items() if r["errors"]} == {}
    assert len(results) == len(demo_bundles)


def test_every_demo_bundle_meets_every_r4_invariant(demo_bundles: list[Path]) -> None:
    _validator_ready()
    errors: dict[str, list[str]] = {}
    checked = 0
    for path in demo_bundles:
        report = invariants.check(json.loads(path.read_text("utf-8")))
        assert report.not_evaluated == set(), path.name
        checked += report.checked
        if report.errors:
            errors[path.name] = report.errors
    assert errors == {}
    assert checked > 30 * 500  # the walk reached the resources, not just the Bundle


def test_both_validators_catch_a_broken_bundle(demo_bundles: list[Path], tmp_path: Path
                                               ) -> None:
    bundle = json.loads(demo_bundles[0].read_text("utf-8"))
    broken = copy.deepcopy(bundle)
    broken["entry"].append(copy.deepcopy(broken["entry"][0]))  # bdl-7: same fullUrl twice
    observation = next(e["resource"] for e in broken["entry"]
                       if e["resource"]["resourceType"] == "Observation")
    del observation["status"]  # Observation.status is 1..1
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), "utf-8")
    assert any("status" in e for e in _medplum([path])[str(path)]["errors"])
    assert any("bdl-7" in e for e in invariants.check(broken).errors)


def test_the_shipped_structure_definitions_validate() -> None:
    folder = ROOT / "src" / "acuneuro" / "interop" / "definitions"
    files = sorted(folder.glob("*.json"))
    assert files
    assert {f: r["errors"] for f, r in _medplum(files).items() if r["errors"]} == {}
    for path in files:
        report = invariants.check(json.loads(path.read_text("utf-8")))
        assert (report.errors, report.not_evaluated) == ([], set()), path.name


def test_the_bundles_for_servers_that_assign_ids_validate_too(demo_bundles: list[Path],
                                                               tmp_path: Path) -> None:
    """The POST / urn:uuid / ifNoneExist form (``--requests conditional``) of 5 patients."""
    files = []
    for path in demo_bundles[:5]:
        bundle = conditional_transaction(json.loads(path.read_text("utf-8")))
        report = invariants.check(bundle)
        assert (report.errors, report.not_evaluated) == ([], set()), path.name
        files.append(tmp_path / path.name)
        files[-1].write_text(json.dumps(bundle), "utf-8")
    assert {f: r["errors"] for f, r in _medplum(files).items() if r["errors"]} == {}
