"""The one place FHIR logical ids are made: stable, and never derived from a resource's values.

A resource's id is a name-based UUID (RFC 4122 version 5) of the clinic, the table and the
row's primary key (``logical_id``), so the same row has the same id in every Bundle, at its
REST URL and after a correction (which bumps ``meta.versionId`` instead, :func:`meta`). Two equal
scores on one day are two rows, so two ids. The Patient's id is its pseudonymous id, which is
already random and stable. A row that belongs to another resource (the QuestionnaireResponse of a
score) adds a ``part``.

References
----------
HL7 FHIR R4 (4.0.1) resource.html#id ("logical id ... never changes"), datatypes.html#id
(``[A-Za-z0-9\\-\\.]{1,64}``), bundle.html#bundle-unique (bdl-7: fullUrl unique); RFC 4122 4.3.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = [
    "BASE",
    "NAMESPACE",
    "full_url",
    "logical_id",
    "meta",
    "reference",
    "row_status",
    "row_version",
]

BASE = "https://acuneuro.org/fhir"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)


def logical_id(clinic_id: int, table: str, pk: int, part: str = "") -> str:
    """The logical id of row ``pk`` of ``table`` in ``clinic_id`` (``part`` for a sub-resource)."""
    name = f"{clinic_id}|{table}|{pk}" + (f"|{part}" if part else "")
    return str(uuid.uuid5(NAMESPACE, name))


def reference(resource_type: str, resource_id: str) -> str:
    """A literal relative reference, ``Type/id``, resolvable in a Bundle and on a server."""
    return f"{resource_type}/{resource_id}"


def full_url(resource_type: str, resource_id: str) -> str:
    """The Bundle ``fullUrl``: the resource's absolute URL under acuneuro's canonical base.

    Relative references (``Patient/P...``) inside a Bundle resolve against it (R4
    bundle.html#references), and a transaction PUTs ``Type/id``, so a server keeps the ids.
    """
    return f"{BASE}/{resource_type}/{resource_id}"


def row_version(row: object) -> int:
    """The row's version (1 until corrections add the column and a correction bumps it)."""
    version = getattr(row, "version", 1)
    return version if isinstance(version, int) and version >= 1 else 1


def row_status(row: object) -> str:
    """``active`` or ``entered-in-error`` (before the corrections column exists: active)."""
    status = getattr(row, "status", "active")
    return status if status == "entered-in-error" else "active"


def meta(row: object, profiles: list[str] | None = None) -> dict[str, Any]:
    """``meta`` with the row's version as ``versionId`` and any profile the resource meets."""
    out: dict[str, Any] = {"versionId": str(row_version(row))}
    if profiles:
        out["profile"] = list(profiles)
    return out
