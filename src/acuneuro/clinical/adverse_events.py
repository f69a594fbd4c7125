"""Adverse events after acupuncture: record, grade and count them.

Severity uses the CTCAE v5.0 general grade definitions (grade 1 mild to grade 5 death related
to the event; NCI, 27 Nov 2017); attribution uses the five-level NCI scale introduced with CTC
v2.0 (not related, unlikely, possible, probable, definite; Hillman et al., J Clin Oncol 2010).
Types follow the events reported in large acupuncture safety cohorts (Witt 2009; White 2001).
The vocabularies live in ``knowledge/adverse_events.yaml``.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.knowledge.course import Grade, adverse_event_knowledge

__all__ = ["AdverseEvent", "EventRate", "grade_definition", "is_related", "rate_per_1000"]


class AdverseEvent(BaseModel):
    """One adverse event; vocabularies are checked against the knowledge file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on: date
    session_number: int | None = Field(default=None, ge=1)
    type: str
    description: str | None = None
    grade: int = Field(ge=1, le=5)
    relatedness: str
    action: str
    outcome: str

    @model_validator(mode="after")
    def _known_words(self) -> AdverseEvent:
        k = adverse_event_knowledge()
        checks = {
            "type": (self.type, [t.id for t in k.types]),
            "relatedness": (self.relatedness, k.relatedness.levels),
            "action": (self.action, [a.id for a in k.actions]),
            "outcome": (self.outcome, k.outcomes),
        }
        for field, (value, allowed) in checks.items():
            if value not in allowed:
                raise ValueError(f"adverse_event.{field}: {value!r} is not one of {allowed}")
        if self.type == "other" and not self.description:
            raise ValueError("adverse_event.description: describe an event of type 'other'")
        if self.grade == 5 and self.outcome != "fatal":
            raise ValueError("adverse_event.outcome: grade 5 means death related to the event")
        return self


def grade_definition(grade: int) -> Grade:
    """The CTCAE v5.0 general definition of ``grade`` (1 to 5)."""
    for g in adverse_event_knowledge().grades.levels:
        if g.grade == grade:
            return g
    raise ValueError(f"CTCAE grade must be 1 to 5, not {grade}")


def is_related(event: AdverseEvent) -> bool:
    """Possible, probable or definite attribution counts as related (NCI convention)."""
    return event.relatedness in adverse_event_knowledge().relatedness.related


class EventRate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    events: int
    sessions: int
    # Events per 1,000 sessions attended; None when no session was attended.
    per_1000: float | None
    by_type: dict[str, int]


def rate_per_1000(
    events: list[AdverseEvent], sessions_attended: int, *, related_only: bool = False
) -> EventRate:
    """Adverse events per 1,000 attended sessions, as cohort studies report them per consultation.

    References: White et al., BMJ 2001;323:485 (events per consultation).
    """
    if sessions_attended < 0:
        raise ValueError("sessions_attended cannot be negative")
    chosen = [e for e in events if is_related(e)] if related_only else list(events)
    by_type: dict[str, int] = {}
    for e in chosen:
        by_type[e.type] = by_type.get(e.type, 0) + 1
    per = 1000 * len(chosen) / sessions_attended if sessions_attended else None
    return EventRate(events=len(chosen), sessions=sessions_attended, per_1000=per, by_type=by_type)
