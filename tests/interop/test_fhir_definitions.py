"""The shipped StructureDefinitions declare every extension acuneuro writes, as written."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from acuneuro.interop.fhir_definitions import structure_definitions
from acuneuro.interop.fhir_ids import BASE

from .test_fhir_course import course
from .test_fhir_course import resources as course_resources


def _shipped() -> dict[str, dict[str, Any]]:
    folder = resources.files("acuneuro.interop").joinpath("definitions")
    return {f.name: json.loads(f.read_text("utf-8")) for f in folder.iterdir()
            if f.name.endswith(".json")}


def test_the_shipped_files_are_the_generated_definitions() -> None:
    generated = {f"StructureDefinition-{sd['id']}.json": sd for sd in structure_definitions()}
    assert _shipped() == generated


def _urls(node: Any, path: str = "") -> set[str]:
    """Extension url paths in a resource, as ``url`` or ``url.sub.sub`` for nested ones."""
    found: set[str] = set()
    if isinstance(node, dict):
        for ext in node.get("extension", []):
            here = f"{path}.{ext['url']}" if path else ext["url"]
            found.add(here)
            found |= _urls(ext, here)
        for key, value in node.items():
            if key != "extension":
                found |= _urls(value, path)
    elif isinstance(node, list):
        for item in node:
            found |= _urls(item, path)
    return found


def _declared() -> set[str]:
    out: set[str] = set()
    for sd in structure_definitions():
        out.add(sd["url"])
        for element in sd["differential"]["element"]:
            if "sliceName" in element:
                slices = [p.split(":")[1] for p in element["id"].split(".") if ":" in p]
                out.add(".".join([sd["url"], *slices]))
    return out


def test_every_extension_written_for_a_course_is_declared() -> None:
    written = {u for r in course_resources(course()) for u in _urls(r)}
    ours = {u for u in written if u.startswith(BASE)}
    assert ours and ours <= _declared()
    assert any(u.endswith(".points.needle.diameter_mm") for u in ours)
