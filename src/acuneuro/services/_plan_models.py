"""The acupuncture plan as the interfaces send and receive it: edits in, stored plans out.

An edit names points by their key (the WHO code, ``EX-B2@T5`` for a Jiaji point at one
level). Requests forbid unknown fields, so a misspelt key is refused with the field named.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.planner import Plan
from acuneuro.clinical.safety_model import PlanPoint, PointRole, PointSide

__all__ = [
    "Acceptance",
    "CourseChange",
    "PlanEdit",
    "PlanStatus",
    "PlanSummary",
    "PlanView",
    "PointAddition",
    "ScheduledVisit",
    "point_key",
]

PlanStatus = Literal["proposed", "accepted", "superseded"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
SourceRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
_JIAJI = "EX-B2"


def point_key(point: PlanPoint) -> str:
    """The key an edit names a planned point by: its code, plus the level of a Jiaji point."""
    if point.code == _JIAJI and " at " in point.name:
        return f"{point.code}@{point.name.rsplit(' at ', 1)[1]}"
    return point.code


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PointAddition(_Request):
    """A point the clinician adds from the atlas, with why and on what authority.

    A point in an anatomical danger zone (medulla, spinal cord, pleura, viscera, major vessel,
    eye: ``knowledge/atlas/danger_zones.yaml``) is accepted only with ``danger_acknowledged``
    and a needling limit (``max_depth_mm`` and ``angle``); a never-needled point never is.
    """

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
    side: PointSide
    role: PointRole = "local"
    rationale: Text
    sources: list[SourceRef] = Field(min_length=1, max_length=10)
    danger_acknowledged: bool = False
    max_depth_mm: float | None = Field(default=None, gt=0, le=100)
    angle: Literal["perpendicular", "oblique", "transverse"] | None = None
    direction: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = (
        None
    )


class CourseChange(_Request):
    """The course the clinician sets (required where the protocol's sources give none)."""

    sessions_per_week: int = Field(ge=1, le=7)
    weeks: int = Field(ge=1, le=52)


class PlanEdit(_Request):
    """What the clinician changes in a proposed plan; everything absent stays as it was."""

    remove: list[str] = Field(default_factory=list, max_length=100)
    sides: dict[str, PointSide] = Field(default_factory=dict, max_length=100)
    add: list[PointAddition] = Field(default_factory=list, max_length=50)
    course: CourseChange | None = None


class Acceptance(_Request):
    """The day the first session of the accepted plan is due."""

    start_on: date


class ScheduledVisit(BaseModel):
    """One visit of an accepted plan: a treatment session or a follow-up re-assessment."""

    number: int
    due_on: date
    kind: Literal["session", "follow-up"]
    reassessment: bool
    instruments_due: list[str]


class PlanSummary(BaseModel):
    """A stored plan in a list."""

    id: int
    status: PlanStatus
    condition: str
    safety_status: Literal["go", "caution", "stop"]
    points: int
    created_at: datetime
    accepted_at: datetime | None
    start_on: date | None


class PlanView(BaseModel):
    """A stored plan with the case it was built from and, once accepted, its schedule."""

    id: int
    patient: str = Field(description="pseudonymous patient id")
    status: PlanStatus
    case: ClinicalCase
    plan: Plan
    created_at: datetime
    created_by: str | None
    accepted_at: datetime | None
    accepted_by: str | None
    start_on: date | None
    schedule: list[ScheduledVisit]
