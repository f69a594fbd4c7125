"""The patient as the interfaces send and receive it: one model per direction.

Requests forbid unknown fields, so a typo or a smuggled ``clinic_id`` is refused with the
field named, never silently dropped (security-reliability.md A2 lesson 3).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from acuneuro.clinical.case import ConditionKind
from acuneuro.i18n import format_date
from acuneuro.i18n import gettext as _

__all__ = ["EpisodeIn", "EpisodeView", "PatientCreate", "PatientUpdate", "PatientView", "Sex"]

Sex = Literal["female", "male", "other", "unknown"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=50, pattern=r"^\+?[0-9 ()./-]{3,50}$")
]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
]
RecordNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# The clinical case contract's ICD-10 pattern (clinical/case.py ``Condition.icd10``).
Icd10 = Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?\*?$")]


def _plausible_birth(value: date | None) -> date | None:
    if value is not None and not date(1900, 1, 1) <= value <= date.today():
        raise ValueError(_("must be between %(first)s and today") % {
            "first": format_date(date(1900, 1, 1))})
    return value


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EpisodeIn(_Request):
    """The condition that brings the patient, opening an episode of care."""

    kind: ConditionKind
    icd10: Icd10 | None = None
    onset: date | None = None


class PatientCreate(_Request):
    """A new patient: identity, and optionally the first episode of care."""

    given_name: Name
    family_name: Name
    date_of_birth: date
    sex: Sex | None = None
    phone: Phone | None = None
    email: Email | None = None
    record_number: RecordNumber | None = None
    condition: EpisodeIn | None = None
    # Set after the user has seen the probable duplicates and still wants a new patient.
    confirm_duplicate: bool = False

    _birth = field_validator("date_of_birth")(_plausible_birth)


class PatientUpdate(_Request):
    """A change to a patient: only the fields given are changed; required ones cannot be null."""

    given_name: Name | None = None
    family_name: Name | None = None
    date_of_birth: date | None = None
    sex: Sex | None = None
    phone: Phone | None = None
    email: Email | None = None
    record_number: RecordNumber | None = None

    _birth = field_validator("date_of_birth")(_plausible_birth)

    @field_validator("given_name", "family_name", "date_of_birth", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError(_("may be changed but not removed"))
        return value


class EpisodeView(BaseModel):
    """An episode of care."""

    kind: ConditionKind
    icd10: str | None
    onset: date | None
    closed_on: date | None


class PatientView(BaseModel):
    """A patient as shown to the care team; ``id`` is the pseudonymous id."""

    id: str = Field(description="pseudonymous patient id")
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str | None
    phone: str | None
    email: str | None
    record_number: str | None
    episodes: list[EpisodeView]
    created_at: datetime
    updated_at: datetime
