"""The FHIR logical id of each exported row, stored in an indexed column when the row is written.

A read or search at ``/fhir/{type}/{id}`` then finds its row with one indexed lookup instead of
building every patient's resources to compare ids. The id is the name-based UUID (RFC 4122
version 5) of the clinic, the table and the primary key, exactly as
``acuneuro.interop.fhir_ids.logical_id`` makes it (a test holds the two to the same value; the
layers keep store and interop apart, so the three lines live in both). A score also stores the
id of its QuestionnaireResponse (``part`` "response").

The primary key is known only after the INSERT, so the id is written by an UPDATE in the same
flush (``after_insert``); migration 0024 fills the rows written before it.

References
----------
HL7 FHIR R4 (4.0.1) resource.html#id; RFC 4122 section 4.3 (name-based UUID, SHA-1).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy import String, event, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

__all__ = ["FhirIdentified", "row_fhir_id"]

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://acuneuro.org/fhir")


def row_fhir_id(clinic_id: int, table: str, pk: int, part: str = "") -> str:
    """The logical id of row ``pk`` of ``table`` in ``clinic_id`` (``part``: a sub-resource)."""
    name = f"{clinic_id}|{table}|{pk}" + (f"|{part}" if part else "")
    return str(uuid.uuid5(_NAMESPACE, name))


class FhirIdentified:
    """A row exported as a FHIR resource: its logical id, indexed (set on insert)."""

    # Sub-resources whose ids are stored too: column name -> ``part``.
    fhir_parts: ClassVar[dict[str, str]] = {}

    fhir_id: Mapped[str | None] = mapped_column(String(36), index=True, unique=True)


def _ids(target: Any) -> dict[str, str]:
    table = target.__tablename__
    out = {"fhir_id": row_fhir_id(target.clinic_id, table, target.id)}
    for column, part in target.fhir_parts.items():
        out[column] = row_fhir_id(target.clinic_id, table, target.id, part)
    return out


@event.listens_for(FhirIdentified, "after_insert", propagate=True)
def _write_ids(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    values = _ids(target)
    model = type(target)
    connection.execute(update(model).where(model.id == target.id).values(**values))
    for column, value in values.items():
        set_committed_value(target, column, value)
