"""One bibliography for every fact in ``knowledge/``.

Each file under ``knowledge/sources/`` holds a list of references; a fact elsewhere in
``knowledge/`` cites them by ``id`` under its ``sources:`` key. The files are split by topic
only so that each part of the knowledge base owns its own list; ids are unique across all.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Source", "bibliography", "check_cited", "knowledge_text"]


class Source(BaseModel):
    """A publication or guideline that a fact comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    citation: str
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    # How the fact was checked, as in shared/reference: P primary, S secondary.
    evidence: Literal["P", "S"] = "S"
    note: str | None = None


def knowledge_text(relative_path: str) -> str:
    """Text of a data file below ``acuneuro/knowledge``."""
    return resources.files("acuneuro.knowledge").joinpath(relative_path).read_text("utf-8")


@cache
def bibliography() -> dict[str, Source]:
    """Every source, by id; a duplicate id across files is an error."""
    found: dict[str, Source] = {}
    folder = resources.files("acuneuro.knowledge").joinpath("sources")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        for raw in yaml.safe_load(entry.read_text("utf-8")) or []:
            source = Source.model_validate(raw)
            if source.id in found:
                raise ValueError(f"source id {source.id!r} is defined twice ({entry.name})")
            found[source.id] = source
    return found


def check_cited(source_ids: list[str], where: str) -> list[str]:
    """Return ``source_ids`` after checking each is in the bibliography and there is one."""
    if not source_ids:
        raise ValueError(f"{where}: a fact needs at least one source")
    known = bibliography()
    missing = [s for s in source_ids if s not in known]
    if missing:
        raise ValueError(f"{where}: unknown source id(s) {', '.join(missing)}")
    return source_ids
