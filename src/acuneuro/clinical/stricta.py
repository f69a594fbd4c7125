"""One acupuncture session as STRICTA 2010 asks it to be reported, and the check before saving.

STRICTA (MacPherson et al., PLoS Med 2010;7(6):e1000261, Table 1) asks for the style and
rationale (item 1), the needling details (item 2: points and side, depth, response sought,
stimulation, retention, needle type), the regimen (item 3), co-interventions and setting
(item 4) and the practitioner's background (item 5). ``SessionRecord`` holds all of them, plus
attendance and any deviation from the plan.

``check_session`` is the gate between the day's safety screen and the record: it refuses a
session that needled what the screen excluded, skipped an acknowledgement, or took place at all
on a ``stop``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.clinical.case import Region
from acuneuro.clinical.safety_model import (
    NeedlingLimit,
    PlanPoint,
    PointSide,
    SafetyScreen,
    Severity,
)

__all__ = [
    "Adherence",
    "Attendance",
    "Needle",
    "NeedledPoint",
    "PointSite",
    "PointSiteLookup",
    "Practitioner",
    "SessionRecord",
    "Stimulation",
    "adherence",
    "check_session",
    "next_session",
    "next_unrecorded",
    "plan_deviations",
]

Attendance = Literal["attended", "cancelled", "missed"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Needle(_Frozen):
    """STRICTA 2g: needle diameter, length, manufacturer or material."""

    diameter_mm: float = Field(gt=0, le=1.0)
    length_mm: float = Field(gt=0, le=200)
    manufacturer: str | None = None
    material: str | None = None


class Stimulation(_Frozen):
    """STRICTA 2e: none, manual or electrical (with frequency and intensity)."""

    kind: Literal["none", "manual", "electrical"]
    frequency_hz: float | None = Field(default=None, gt=0, le=200)
    intensity: str | None = None  # e.g. "2 mA" or "strong but comfortable"
    waveform: str | None = None
    device: str | None = None

    @model_validator(mode="after")
    def _electrical_needs_frequency(self) -> Stimulation:
        if self.kind == "electrical" and (self.frequency_hz is None or not self.intensity):
            raise ValueError("stimulation: electrical stimulation needs frequency_hz and intensity")
        if self.kind != "electrical" and self.frequency_hz is not None:
            raise ValueError("stimulation: frequency_hz is only for electrical stimulation")
        return self


class NeedledPoint(_Frozen):
    """STRICTA 2b-2g for one point."""

    # WHO code where one exists ("ST36", "EX-LE10"), else the point's name, as STRICTA 2b allows
    # (e.g. the auricular "Shenmen").
    code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9 '-]*[A-Za-z0-9]$")
    side: PointSide
    needle: Needle
    depth_mm: float | None = Field(default=None, gt=0, le=150)
    depth_cun: float | None = Field(default=None, gt=0, le=5)
    tissue_level: str | None = None
    response_sought: Literal["de_qi", "muscle_twitch", "none", "other"]
    response_obtained: bool | None = None
    stimulation: Stimulation
    retention_min: float = Field(ge=0, le=120)
    # A point in an anatomical danger zone that the plan does not carry with a limit needs its
    # own (clinical/anatomy.py): acknowledged zones, maximum depth in mm and angle.
    limit: NeedlingLimit | None = None

    @model_validator(mode="after")
    def _depth_given(self) -> NeedledPoint:
        if self.depth_mm is None and self.depth_cun is None and not self.tissue_level:
            raise ValueError(f"point {self.code}: give depth_mm, depth_cun or tissue_level")
        return self

    @property
    def insertions(self) -> int:
        return 2 if self.side == "both" else 1


class Practitioner(_Frozen):
    """STRICTA 5: qualification or affiliation and years in acupuncture practice."""

    name: str = Field(min_length=1)
    qualification: str = Field(min_length=1)
    years_in_practice: int | None = Field(default=None, ge=0, le=70)
    other_experience: str | None = None


class SessionRecord(_Frozen):
    """What happened at one planned session."""

    session_number: int = Field(ge=1)
    on: date
    attendance: Attendance
    style: str | None = None  # STRICTA 1a, e.g. "Western medical", "TCM"
    rationale: str | None = None  # STRICTA 1b
    individualisation: Literal["fixed", "semi_standardised", "individualised"] | None = None
    points: list[NeedledPoint] = Field(default_factory=list)
    practitioner: Practitioner | None = None
    setting: str | None = None  # STRICTA 4b
    patient_information: str | None = None
    co_interventions: list[str] = Field(default_factory=list)  # STRICTA 4a
    session_minutes: int | None = Field(default=None, ge=1, le=240)
    deviation: str | None = None  # how the session departed from the plan, and why
    reason_not_attended: str | None = None

    @model_validator(mode="after")
    def _coherent(self) -> SessionRecord:
        if self.attendance != "attended":
            if self.points:
                raise ValueError("session: points are recorded but the patient did not attend")
            if not self.reason_not_attended:
                raise ValueError("session.reason_not_attended: say why the session did not happen")
        else:
            if self.practitioner is None:
                raise ValueError("session.practitioner: STRICTA item 5 needs the practitioner")
            if not self.points and not self.deviation:
                raise ValueError("session.deviation: no point was needled; say why")
        codes = [(p.code.upper(), p.side) for p in self.points]
        if len(set(codes)) != len(codes):
            raise ValueError("session.points: the same point and side is listed twice")
        return self

    @property
    def needle_count(self) -> int:
        """STRICTA 2a: number of needle insertions."""
        return sum(p.insertions for p in self.points)

    @property
    def techniques(self) -> set[str]:
        used: set[str] = set()
        if self.points:
            used.add("needling")
        if any(p.stimulation.kind == "electrical" for p in self.points):
            used.add("electroacupuncture")
        if any("moxibustion" in c.lower() for c in self.co_interventions):
            used.add("moxibustion")
        return used


class PointSite(_Frozen):
    """Where a point lies, as the atlas knows it."""

    region: Region | None
    dermatomes: list[str] = Field(default_factory=list)


PointSiteLookup = Callable[[str], PointSite | None]


def _sides_meet(point_side: str, excluded_side: str) -> bool:
    # A bilateral or midline point touches both sides, so it meets any excluded side.
    if point_side in ("both", "midline") or excluded_side == "both":
        return True
    return point_side == excluded_side


def _region_problems(
    record: SessionRecord, screen: SafetyScreen, point_site: PointSiteLookup
) -> Iterable[str]:
    findings = [f for f in screen.findings if f.excluded_regions or f.excluded_dermatomes]
    if not findings:
        return
    for point in record.points:
        site = point_site(point.code)
        if site is None or (site.region is None and not site.dermatomes):
            # Fail closed: a point we cannot place cannot be shown to be outside an exclusion.
            yield f"{point.code}: its region is unknown, so it cannot be checked against the screen"
            continue
        for f in findings:
            for r in f.excluded_regions:
                if site.region == r.region and _sides_meet(point.side, r.side.value):
                    yield (
                        f"{point.code} ({point.side}) lies in {r.region.value} ({r.side.value}),"
                        f" excluded today by {f.rule}: {f.message}"
                    )
            hit = sorted(set(site.dermatomes) & set(f.excluded_dermatomes))
            if hit:
                yield (
                    f"{point.code} lies in dermatome {', '.join(hit)}, excluded today by"
                    f" {f.rule}: {f.message}"
                )


def plan_deviations(record: SessionRecord, plan: list[PlanPoint]) -> list[str]:
    """How the needled points differ from the plan's points (STRICTA 1c: extent of variation)."""
    planned = {p.code.upper(): p.side for p in plan}
    given = {p.code.upper(): p.side for p in record.points}
    found = [f"{c} planned but not needled" for c in sorted(planned.keys() - given.keys())]
    found += [f"{c} needled but not in the plan" for c in sorted(given.keys() - planned.keys())]
    found += [
        f"{c} needled {given[c]}, planned {planned[c]}"
        for c in sorted(planned.keys() & given.keys())
        if given[c] != planned[c]
    ]
    return found


def check_session(
    record: SessionRecord,
    screen: SafetyScreen,
    acknowledged_rules: set[str],
    point_region: PointSiteLookup,
    plan: list[PlanPoint] | None = None,
) -> list[str]:
    """Problems that forbid recording ``record`` against the day's ``screen`` (empty = may record).

    Refuses: any attended session when the screen says ``stop``; a point the screen excluded by
    code, by region and side, or by dermatome (the point's site comes from ``point_region``, the
    atlas lookup, and an unplaceable point is refused when any region exclusion exists); a
    technique the screen excluded; and every ``caution`` whose rule id is not in
    ``acknowledged_rules``. When ``plan`` is given, a departure from its points must be
    explained in ``record.deviation``. A session that did not take place is a record of absence
    and is always accepted.
    """
    if record.attendance != "attended":
        return []
    problems: list[str] = []
    if screen.status == "stop" or any(f.severity is Severity.stop for f in screen.findings):
        stops = [f"{f.rule}: {f.message}" for f in screen.findings if f.severity is Severity.stop]
        problems.append(
            "today's safety screen says stop; no session may be given ("
            + "; ".join(stops or ["status stop"])
            + ")"
        )
    excluded = {c.upper() for c in screen.excluded_points}
    for point in record.points:
        if point.code.upper() in excluded:
            rules = [
                f.rule
                for f in screen.findings
                if point.code.upper() in {c.upper() for c in f.excluded_points}
            ]
            problems.append(f"{point.code} was excluded by today's screen ({', '.join(rules)})")
    problems.extend(_region_problems(record, screen, point_region))
    for technique in sorted(record.techniques & screen.excluded_techniques):
        problems.append(f"{technique} was excluded by today's screen")
    for caution in screen.cautions:
        if caution.rule not in acknowledged_rules:
            problems.append(f"caution {caution.rule} is not acknowledged: {caution.message}")
    if plan is not None and not record.deviation:
        changes = plan_deviations(record, plan)
        if changes:
            problems.append("deviation from the plan is not explained: " + "; ".join(changes))
    return problems


class Adherence(_Frozen):
    """Attendance against the course sessions due so far; the one count every page prints."""

    planned: int  # course sessions due so far: their date has come, or they are recorded
    attended: int
    cancelled: int
    missed: int
    not_recorded: int = 0  # due so far with nothing recorded yet
    beyond_course: int = 0  # records for a session number the course does not have
    # attended / planned; None when nothing is due yet. Never above 1.
    rate: float | None


def adherence(records: Sequence[SessionRecord], course: Sequence[tuple[int, date]],
              today: date) -> Adherence:
    """Sessions attended, cancelled, missed and not recorded among the course sessions due.

    ``course`` lists the course's sessions as (number, date due). A session is due so far when
    its date is on or before ``today`` or when it has a record (a session brought forward
    counts once it happened), so attended can never exceed due and the rate never exceeds
    100%. Each session number counts once, by its latest record dated on or before ``today``;
    records for numbers outside the course are reported apart, not in the rate.
    Participant disposition (adherence) is an IMMPACT core domain (Turk et al., Pain 2003).
    """
    numbers = {number for number, _ in course}
    latest: dict[int, SessionRecord] = {}
    for record in sorted(records, key=lambda r: r.on):
        if record.on <= today:
            latest[record.session_number] = record
    counted = {n: r.attendance for n, r in latest.items() if n in numbers}
    due = {number for number, on in course if on <= today} | set(counted)
    tally = {a: sum(v == a for v in counted.values()) for a in ("attended", "cancelled", "missed")}
    return Adherence(
        planned=len(due),
        attended=tally["attended"],
        cancelled=tally["cancelled"],
        missed=tally["missed"],
        not_recorded=len(due - set(counted)),
        beyond_course=sum(n not in numbers for n in latest),
        rate=tally["attended"] / len(due) if due else None,
    )


def next_session(records: Sequence[SessionRecord], course: Sequence[tuple[int, date]]
                 ) -> tuple[int, date] | None:
    """The course session to record next: the first, in course order, with no record."""
    return next_unrecorded({r.session_number for r in records}, course)


def next_unrecorded(numbers: AbstractSet[int], course: Sequence[tuple[int, date]]
                    ) -> tuple[int, date] | None:
    """``next_session`` from the session numbers recorded alone (today's list reads no more)."""
    return next(((n, on) for n, on in sorted(course) if n not in numbers), None)
