"""The sections of the patient page: later features add theirs with ``add_section``.

A section is a template under ``web/templates/`` and an optional function that loads what
the template needs through the services (so it is scoped and audited like everything else).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from acuneuro.i18n import N_
from acuneuro.services import Actor, Context, PatientView

__all__ = ["PATIENT_SECTIONS", "Section", "SectionLoader", "add_section"]

SectionLoader = Callable[[Context, Actor, PatientView], Mapping[str, object]]


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the patient page, shown in ``order`` (smaller first)."""

    id: str
    title: str
    template: str
    order: int = 100
    load: SectionLoader | None = None


PATIENT_SECTIONS: list[Section] = [
    Section("identity", N_("Patient"), "sections/identity.html", order=10),
    Section("episodes", N_("Episodes of care"), "sections/episodes.html", order=20),
]


def add_section(section: Section) -> None:
    """Add (or replace, by id) a section of the patient page."""
    PATIENT_SECTIONS[:] = [s for s in PATIENT_SECTIONS if s.id != section.id] + [section]
    PATIENT_SECTIONS.sort(key=lambda s: (s.order, s.id))
