"""A pydantic record as a complex FHIR extension and back, field by field (nothing as JSON text).

Each field becomes a sub-extension named after it, typed by its value: ``valueString``,
``valueInteger``, ``valueDecimal``, ``valueBoolean``, ``valueDate``; a nested record is a nested
complex extension and a list repeats the sub-extension. ``None`` and empty lists are left out, so
reading back with the model's defaults gives the same record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["from_extension", "to_extension"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueDecimal": value}
    if isinstance(value, str) and _DATE.match(value):
        return {"valueDate": value}
    return {"valueString": str(value)}


def _parts(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, value in data.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item is None:
                continue
            if isinstance(item, Mapping):
                out.append({"url": key, "extension": _parts(item)})
            else:
                out.append({"url": key, **_value(item)})
    return out


def to_extension(url: str, data: Mapping[str, Any], lists: frozenset[str]) -> dict[str, Any]:
    """The complex extension ``url`` of ``data`` (a ``model_dump(mode="json")``).

    ``lists`` names the fields (at any depth) that are lists, so one element reads back as a list.
    """
    del lists  # part of the contract for from_extension; the writer does not need it
    return {"url": url, "extension": _parts(data)}


def _read(parts: list[Mapping[str, Any]], lists: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        key = str(part["url"])
        if "extension" in part:
            value: Any = _read(part["extension"], lists)
        else:
            value = next(v for k, v in part.items() if k.startswith("value"))
        if key in lists:
            out.setdefault(key, []).append(value)
        else:
            out[key] = value
    return out


def from_extension(extension: Mapping[str, Any], lists: frozenset[str]) -> dict[str, Any]:
    """The record written by :func:`to_extension`, as a dict for ``model_validate``."""
    return _read(list(extension.get("extension", [])), lists)
