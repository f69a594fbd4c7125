"""How long a fact recorded before a session stays usable (``knowledge/fact_windows.yaml``).

A window is data, never a constant in code: each entry names the case fields it covers, the
label the session page shows, the window in days (``None``: carried until changed), and for
blood counts the chemotherapy rule whose ``max_age_days`` applies while chemotherapy is active
or recent. Windows that no source gives for acupuncture carry ``design_choice: true`` and their
``basis`` (clinical sign-off needed).
"""

from __future__ import annotations

from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from acuneuro.knowledge._bibliography import check_cited, knowledge_text
from acuneuro.knowledge._safety_rules import ChemotherapyCountRule, safety_rules

__all__ = ["FactWindow", "fact_windows"]


class FactWindow(BaseModel):
    """One fact of the case and how long it stays usable for the day's screen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    # Case fields covered: a part ("skin") or one field of a part ("labs.inr").
    facts: list[str] = Field(min_length=1)
    together: bool = False
    label: str = Field(min_length=1)
    unit: str | None = None
    max_age_days: int | None = Field(ge=0)
    chemotherapy_rule: str | None = None
    design_choice: bool
    basis: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)

    def covers(self, path: str) -> bool:
        """True when ``path`` ("labs.inr", "skin", "chemotherapy.active") is one of its facts."""
        return any(path == f or path.startswith(f + ".") for f in self.facts)


_WINDOWS = TypeAdapter(list[FactWindow])


@cache
def fact_windows() -> tuple[FactWindow, ...]:
    """Every fact window, validated and cited; ids and covered fields are unique."""
    found = tuple(_WINDOWS.validate_python(yaml.safe_load(knowledge_text("fact_windows.yaml"))))
    rules = {r.id: r for r in safety_rules()}
    seen: set[str] = set()
    for window in found:
        where = f"fact_windows.yaml {window.id}"
        check_cited(window.sources, where)
        if window.chemotherapy_rule is not None and not isinstance(
                rules.get(window.chemotherapy_rule), ChemotherapyCountRule):
            raise ValueError(f"{where}: {window.chemotherapy_rule!r} is no chemotherapy rule")
        if window.id in seen or seen & set(window.facts):
            raise ValueError(f"{where}: id or fact listed twice")
        seen |= {window.id, *window.facts}
    return found
