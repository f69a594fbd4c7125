"""Probable duplicates: an existing patient of the clinic who is likely the one being created.

A registration is a probable duplicate of an existing patient of the same clinic born on the
same day whose folded name (``store._name_key``: no accents, any case) is the same, is the same
words in another order (given and family name swapped), or is one edit away (one letter
added, removed or changed: a typing slip). The threshold of one edit is a design choice
(Levenshtein distance; it catches "Quinn Maple" / "Quin Maple" without flagging most distinct
names of people born the same day). Creating the patient anyway needs an explicit confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from acuneuro.services._errors import Conflict
from acuneuro.services._patient_models import PatientView
from acuneuro.store import Patient, PatientIdentity, name_key

__all__ = ["ProbableDuplicate", "probable_duplicates", "within_one_edit"]

_MAX_EDITS = 1


class ProbableDuplicate(Conflict):
    """The new patient looks like an existing one; ``candidates`` are the existing patients."""

    def __init__(self, candidates: Sequence[PatientView]) -> None:
        super().__init__(
            "a patient with this name and date of birth already exists in this clinic; "
            "check the existing record, or confirm to create another patient"
        )
        self.candidates = list(candidates)


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one inserted, deleted or changed character."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > _MAX_EDITS:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    # After the common prefix, one change (same length) or one insertion (b is longer).
    return a[i + 1:] == b[i + 1:] if len(a) == len(b) else a[i:] == b[i + 1:]


def probable_duplicates(
    session: Session, clinic_id: int, given_name: str, family_name: str, born: date
) -> list[Patient]:
    """The clinic's patients born on ``born`` whose name is the same or nearly the same."""
    key = name_key(given_name, family_name)
    swapped = name_key(family_name, given_name)
    same_day = session.scalars(
        select(Patient)
        .join(PatientIdentity, PatientIdentity.patient_id == Patient.id)
        .where(Patient.clinic_id == clinic_id, PatientIdentity.clinic_id == clinic_id,
               PatientIdentity.date_of_birth == born)
        .order_by(Patient.id)
        .options(selectinload(Patient.identity), selectinload(Patient.episodes))
    )
    found = []
    for patient in same_day:
        other = name_key(patient.identity.given_name, patient.identity.family_name)
        if within_one_edit(key, other) or sorted(swapped.split()) == sorted(other.split()):
            found.append(patient)
    return found
