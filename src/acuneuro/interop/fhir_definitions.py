"""The StructureDefinitions of acuneuro's FHIR extensions, built from the models they carry.

``structure_definitions()`` gives one R4 StructureDefinition per extension acuneuro writes. The
``stricta-session`` complex extension is derived field by field from ``SessionRecord`` (so the
definition cannot drift from what ``interop._fhir_ext`` writes); the shipped JSON files under
``interop/definitions/`` are these, written by ``scripts/write_fhir_definitions.py`` and
checked equal by the tests. ``docs/fhir.md`` lists them.

References
----------
HL7 FHIR R4 (4.0.1) extensibility.html (complex extensions), structuredefinition.html.
"""

from __future__ import annotations

import datetime
import types
import typing
from typing import Any

from pydantic import BaseModel

from acuneuro.clinical.stricta import SessionRecord
from acuneuro.interop.fhir_course import EXT_AE_ACTION, EXT_CTCAE, EXT_SESSION, EXT_STRICTA
from acuneuro.interop.fhir_ids import BASE

__all__ = ["EXT_PLAN", "structure_definitions"]

EXT_PLAN = f"{BASE}/StructureDefinition/accepted-plan"
_PRIMITIVES: dict[Any, str] = {bool: "boolean", int: "integer", float: "decimal", str: "string",
                               datetime.date: "date"}


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The field's item type and whether it is a list (``X | None`` and ``list[X]`` undone)."""
    is_list = typing.get_origin(annotation) is list
    if is_list:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Literal:
        annotation = str
    return annotation, is_list


def _elements(model: type[BaseModel], prefix_id: str, prefix_path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name, field in model.model_fields.items():
        kind, is_list = _unwrap(field.annotation)
        slice_id = f"{prefix_id}.extension:{name}"
        path = f"{prefix_path}.extension"
        out.append({"id": slice_id, "path": path, "sliceName": name,
                    "short": (field.description or name.replace("_", " ")),
                    "min": 1 if field.is_required() else 0, "max": "*" if is_list else "1"})
        out.append({"id": f"{slice_id}.url", "path": f"{path}.url", "fixedUri": name})
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            out.append({"id": f"{slice_id}.value[x]", "path": f"{path}.value[x]", "max": "0"})
            out += _elements(kind, slice_id, path)
        else:
            out.append({"id": f"{slice_id}.extension", "path": f"{path}.extension", "max": "0"})
            out.append({"id": f"{slice_id}.value[x]", "path": f"{path}.value[x]", "min": 1,
                        "type": [{"code": _PRIMITIVES.get(kind, "string")}]})
    return out


def _definition(url: str, title: str, description: str, context: list[str],
                value: str | None, model: type[BaseModel] | None = None) -> dict[str, Any]:
    name = "".join(part.title() for part in url.rsplit("/", 1)[-1].split("-"))
    elements: list[dict[str, Any]] = [
        {"id": "Extension", "path": "Extension", "short": title, "definition": description},
        {"id": "Extension.url", "path": "Extension.url", "fixedUri": url}]
    if model is None:
        elements += [{"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
                     {"id": "Extension.value[x]", "path": "Extension.value[x]", "min": 1,
                      "type": [{"code": value}]}]
    else:
        elements += [{"id": "Extension.extension", "path": "Extension.extension",
                      "slicing": {"discriminator": [{"type": "value", "path": "url"}],
                                  "rules": "closed"}},
                     *_elements(model, "Extension", "Extension"),
                     {"id": "Extension.value[x]", "path": "Extension.value[x]", "max": "0"}]
    return {
        "resourceType": "StructureDefinition", "id": url.rsplit("/", 1)[-1], "url": url,
        "version": "1.0.0", "name": name, "title": title, "status": "active",
        "publisher": "acuneuro", "description": description, "fhirVersion": "4.0.1",
        "kind": "complex-type", "abstract": False,
        "context": [{"type": "element", "expression": c} for c in context],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint", "differential": {"element": elements},
    }


def structure_definitions() -> list[dict[str, Any]]:
    """Every extension acuneuro writes, as an R4 StructureDefinition."""
    return [
        _definition(EXT_STRICTA, "STRICTA session record",
                    "The whole STRICTA record of one acupuncture session (MacPherson 2010), one "
                    "sub-extension per field; nested records are nested extensions.",
                    ["Procedure"], None, SessionRecord),
        _definition(EXT_SESSION, "Session number",
                    "The number of the session in the patient's course (1 = first).",
                    ["Procedure", "AdverseEvent"], "integer"),
        _definition(EXT_CTCAE, "CTCAE v5.0 grade",
                    "The adverse event's CTCAE v5.0 grade (1-5); AdverseEvent.severity has "
                    "only three levels, so this is the authoritative grade.",
                    ["AdverseEvent"], "integer"),
        _definition(EXT_AE_ACTION, "Action taken",
                    "What was done about the adverse event (acuneuro's adverse-event "
                    "vocabulary, knowledge/adverse_events.yaml).",
                    ["AdverseEvent"], "code"),
        _definition(EXT_PLAN, "Accepted acupuncture plan",
                    "The accepted plan's case and plan documents (JSON), so a receiving "
                    "acuneuro can rebuild the schedule; other systems may ignore it.",
                    ["CarePlan"], "string"),
    ]
