"""Small readers of the clinical case shared by the safety rules (dates relative to assessed_on)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from acuneuro.clinical.case import ClinicalCase, ConditionKind
from acuneuro.i18n import N_

# A part of a message: a catalogue text, or a template with its parameters (acuneuro.i18n.prose).
Said = str | dict[str, Any]

__all__ = ["chemotherapy_status", "foot_affected", "lab_problem", "limb_regions"]


def chemotherapy_status(case: ClinicalCase, after_last_dose_days: int) -> Said | None:
    """Why blood counts are needed (``None`` when chemotherapy is neither active nor recent).

    Unknown status fails closed: chemotherapy listed without ``active`` and ``last_dose``, or a
    CIPN case without a chemotherapy record, counts as possibly active.
    """
    chemo = case.chemotherapy
    if chemo is None:
        if case.condition.kind is ConditionKind.cipn:
            return N_("not assessed in a CIPN case")
        return None
    if chemo.active:
        return N_("is active")
    if chemo.last_dose is not None:
        since = (case.assessed_on - chemo.last_dose).days
        if since > after_last_dose_days:
            return None
        return {"template": N_("last given {days} days ago"), "params": {"days": since}}
    return N_("ended on an unknown date") if chemo.active is False else N_("status not assessed")


def lab_problem(case: ClinicalCase, fields: Sequence[str], max_age_days: int) -> Said | None:
    """What is wrong with the blood count for a chemotherapy patient, or ``None`` if usable."""
    labs = case.labs
    if labs is None:
        return N_("no blood count")
    missing = [f for f in fields if getattr(labs, f) is None]
    if missing:
        return {"template": N_("not assessed: {fields}"), "params": {"fields": missing}}
    if labs.taken is None:
        return N_("date of the blood count not given")
    age = (case.assessed_on - labs.taken).days
    if age < 0:
        return N_("blood count dated after the assessment")
    if age > max_age_days:
        return {"template": N_("blood count is {days} days old"), "params": {"days": age}}
    return None


def foot_affected(case: ClinicalCase, regions: Sequence[str]) -> bool:
    """True when any affected pain region is one of ``regions``."""
    return any(site.region.value in regions for site in case.pain.regions)


def limb_regions(limbs: Mapping[str, Sequence[str]], region: str) -> tuple[str, list[str]]:
    """The limb holding ``region`` and all its regions; else the region alone."""
    for limb, regions in limbs.items():
        if region in regions:
            return limb, list(regions)
    return region, [region]
