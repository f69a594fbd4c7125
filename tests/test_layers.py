"""The import contracts of ``pyproject.toml`` catch what they promise to (``lint-imports``).

``make test`` runs ``lint-imports`` on acuneuro itself, where every contract is kept; these tests
run the same contract on a tiny throwaway package to show that it fails when it should.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contract(kind: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (found,) = [c for c in contracts if c["type"] == kind]
    return dict(found)


def _lint(tmp_path: Path, modules: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Write ``modules`` (dotted name -> source) under ``probe`` and lint them with the contract."""
    for name, source in modules.items():
        path = tmp_path.joinpath(*name.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        for package in [path.parent, *path.parent.parents]:
            if package == tmp_path:
                break
            (package / "__init__.py").touch()
        path.write_text(source, "utf-8")
    contract = _contract("private_modules")
    contract.pop("ignore_imports", None)
    contract["packages_with_private_modules"] = ["probe"]
    lines = ['[tool.importlinter]', 'root_package = "probe"', "",
             "[[tool.importlinter.contracts]]"]
    lines += [f"{key} = {_toml(value)}" for key, value in contract.items()]
    config = tmp_path / "contract.toml"
    config.write_text("\n".join(lines) + "\n", "utf-8")
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
        env={"PYTHONPATH": str(tmp_path), "PATH": str(LINT_IMPORTS.parent)},
    )


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_importing_another_packages_private_module_breaks_the_contract(tmp_path: Path) -> None:
    result = _lint(tmp_path, {
        "probe.knowledge._atlas": "POINTS = ()\n",
        "probe.web.page": "from probe.knowledge._atlas import POINTS\n",
    })  # fmt: skip
    assert result.returncode != 0, result.stdout
    assert "probe.web.page -> probe.knowledge._atlas" in result.stdout


def test_a_package_and_its_subpackages_may_import_its_private_modules(tmp_path: Path) -> None:
    result = _lint(tmp_path, {
        "probe.knowledge._atlas": "POINTS = ()\n",
        "probe.knowledge.course": "from probe.knowledge._atlas import POINTS\n",
        "probe.knowledge.deep.loader": "from probe.knowledge._atlas import POINTS\n",
        "probe.web.page": "from probe.knowledge import course\n",
    })  # fmt: skip
    assert result.returncode == 0, result.stdout
