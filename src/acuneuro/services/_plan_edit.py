"""Changing a proposed plan, and the schedule of an accepted one; no database here.

Every point the clinician adds, or whose side they change, goes through the planner's own
exclusion step against a fresh safety screen of the plan's case, so an edit can never bring
back what a finding excluded; the screen (point cautions included) is then re-run over the
edited points. A point in an anatomical danger zone (``clinical/anatomy.py``) is refused when
never needled (ST17, CV8) and otherwise enters only with the danger acknowledged and a depth and
angle limit, stored on the plan point (``PointRefused`` names the request field). Re-assessment
weeks become visits: week ``w`` is the first session after
``w`` weeks of treatment, the last session when ``w`` is the end of the course, and a
follow-up visit when ``w`` falls after it (Molassiotis 2019 and Bao 2020 re-assessed after
the course; see each protocol's ``reassessment`` sources).
"""

from __future__ import annotations

from datetime import date, timedelta

from acuneuro.clinical.anatomy import danger_zones_of, limit_findings, refusal
from acuneuro.clinical.calendar import ClinicCalendar, default_calendar, place_visits
from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.course import CourseDefinition
from acuneuro.clinical.course import Reassessment as SessionReassessment
from acuneuro.clinical.course import schedule as dated_sessions
from acuneuro.clinical.planner import Candidate, Course, Omitted, Plan, apply_exclusions
from acuneuro.clinical.safety import screen_case, screen_points
from acuneuro.clinical.safety_model import (
    NeedlingLimit,
    PlanPoint,
    PointSide,
    SafetyFinding,
    SafetyScreen,
)
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import atlas_point, bibliography
from acuneuro.services._errors import ServiceError
from acuneuro.services._plan_models import (
    CourseChange,
    PlanEdit,
    PointAddition,
    ScheduledVisit,
    point_key,
)

__all__ = ["PlanRefused", "PointRefused", "apply_edit", "refuse_stop", "schedule_visits"]

_SIDES: dict[str, set[str]] = {"left": {"left"}, "right": {"right"}, "both": {"left", "right"}}
_CLINICIAN = "clinician"


class PlanRefused(ServiceError):
    """The plan cannot be changed or accepted as asked; the message says why."""


class PointRefused(PlanRefused):
    """A point the request names may not be needled as asked; ``loc`` is the request field."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        self.loc = loc
        self.reason = message
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        super().__init__(f"{path}: {message}")


def _danger_limit(item: PointAddition, code: str, index: int) -> NeedlingLimit | None:
    """The limit a hand-added point needs (``None`` outside a danger zone), or ``PointRefused``
    naming the point and the missing field; a never-needled point is refused outright."""
    refused = refusal(code)
    if refused is not None:
        raise PointRefused(("add", index, "code"), refused)
    zones = danger_zones_of(code)
    if not zones:
        return None
    labels = [z.label for z in zones]
    over = labels[0] if len(labels) == 1 else _("%(first)s and %(last)s") % {
        "first": ", ".join(labels[:-1]), "last": labels[-1]}
    where = _("%(code)s %(name)s lies over %(zones)s") % {
        "code": code, "name": atlas_point(code).pinyin, "zones": over}
    if not item.danger_acknowledged:
        raise PointRefused(("add", index, "danger_acknowledged"),
                           _("%(where)s; acknowledge the danger to add it by hand") % {
                               "where": where})
    if item.max_depth_mm is None:
        raise PointRefused(("add", index, "max_depth_mm"),
                           _("%(where)s; record the maximum depth in mm for this patient") % {
                               "where": where})
    if item.angle is None:
        raise PointRefused(("add", index, "angle"),
                           _("%(where)s; record the needle angle (perpendicular, oblique or "
                             "transverse)") % {"where": where})
    return NeedlingLimit(angle=item.angle, max_depth_mm=item.max_depth_mm,
                         direction=item.direction or None,
                         basis=f"Set by the clinician: {item.rationale}",
                         acknowledged=[z.tag for z in zones])


def refuse_stop(plan: Plan, doing: str) -> None:
    """Refuse ``doing`` on a plan whose safety screen says stop, naming the reasons."""
    if plan.safety.status == "stop":
        reasons = "; ".join(f.message for f in plan.safety.findings if f.severity == "stop")
        text = (_("The safety screen stopped this plan, so it cannot be accepted: %(reasons)s")
                if doing == "accept" else
                _("The safety screen stopped this plan, so it cannot be changed: %(reasons)s"))
        raise PlanRefused(text % {"reasons": reasons})


def _level(key: str) -> str | None:
    return key.split("@", 1)[1] if "@" in key else None


def _check_allowed(point: PlanPoint, key: str, findings: list[SafetyFinding]) -> None:
    """Run the planner's exclusion step on one point; refuse with the finding's message."""
    if any("needling" in f.excluded_techniques for f in findings):
        raise PlanRefused(_("%(code)s: the safety screen excludes needling today.") % {
            "code": point.code})
    midline = point.side == "midline"
    candidate = Candidate(
        point.code,
        point.role,
        set() if midline else set(_SIDES[point.side]),
        point.rationale,
        list(point.sources),
        level=_level(key),
        midline=midline,
    )
    _kept, omitted = apply_exclusions([candidate], findings)
    if omitted:
        first = omitted[0]
        raise PlanRefused(_("%(what)s is excluded: %(reason)s") % {
            "what": first.what, "reason": first.reason})


def _checked_side(code: str, side: PointSide) -> None:
    midline = atlas_point(code).laterality == "midline"
    if midline != (side == "midline"):
        text = (_("%(code)s is a midline point: its side must be midline.") if midline
                else _("%(code)s is a paired point: its side must be left, right or both."))
        raise PlanRefused(text % {"code": code})


def _added(edit: PlanEdit, present: set[str], findings: list[SafetyFinding]) -> list[PlanPoint]:
    points: list[PlanPoint] = []
    for index, item in enumerate(edit.add):
        try:
            entry = atlas_point(item.code)
        except (KeyError, ValueError):
            raise PlanRefused(_("%(code)s is not a point of the atlas.") % {
                "code": item.code}) from None
        if entry.code in present:
            raise PlanRefused(_("%(code)s is already in the plan.") % {"code": entry.code})
        limit = _danger_limit(item, entry.code, index)
        _checked_side(entry.code, item.side)
        point = PlanPoint(code=entry.code, name=entry.pinyin, role=item.role, side=item.side,
                          rationale=f"Added by the clinician: {item.rationale}",
                          sources=list(item.sources), limit=limit)
        _check_allowed(point, entry.code, findings)
        present.add(entry.code)
        points.append(point)
    return points


def _course(course: Course, change: CourseChange) -> Course:
    sessions = change.sessions_per_week * change.weeks
    return course.model_copy(update={
        "sessions_per_week": change.sessions_per_week,
        "weeks": change.weeks,
        "sessions": sessions,
        "note": f"Set by the clinician: {change.sessions_per_week} a week for {change.weeks} "
                f"weeks ({sessions} sessions). Protocol: {course.note}",
    })  # fmt: skip


def _pairs(plan: Plan, points: list[PlanPoint], omitted: list[Omitted]) -> Plan:
    """Drop electrode pairs whose two points no longer share a side after the edit."""
    stim = plan.stimulation
    if stim is None or not stim.pairs:
        return plan
    sides = {p.code: _SIDES.get(p.side, set()) for p in points}
    kept = [(a, b) for a, b in stim.pairs if sides.get(a, set()) & sides.get(b, set())]
    for a, b in stim.pairs:
        if (a, b) not in kept:
            omitted.append(Omitted(what=f"electrode pair {a}-{b}",
                                   reason="a point of the pair was removed by the clinician",
                                   rule=_CLINICIAN))
    return plan.model_copy(update={"stimulation": stim.model_copy(update={"pairs": kept})})


def apply_edit(plan: Plan, case: ClinicalCase, edit: PlanEdit) -> Plan:
    """The plan after ``edit``, re-screened; ``PlanRefused`` names the first thing refused."""
    refuse_stop(plan, "edit")
    findings = screen_case(case)
    by_key = {point_key(p): p for p in plan.points}
    omitted = list(plan.omitted)
    for key in edit.remove:
        point = by_key.pop(key, None)
        if point is None:
            raise PlanRefused(_("%(code)s is not in the plan.") % {"code": key})
        omitted.append(Omitted(what=f"{point.code} {point.name}",
                               reason="removed by the clinician", rule=_CLINICIAN))
    for key, side in edit.sides.items():
        point = by_key.get(key)
        if point is None:
            raise PlanRefused(_("%(code)s is not in the plan.") % {"code": key})
        _checked_side(point.code, side)
        changed = point.model_copy(update={"side": side})
        _check_allowed(changed, key, findings)
        by_key[key] = changed
    points = list(by_key.values()) + _added(edit, {p.code for p in by_key.values()}, findings)
    edited = _pairs(plan, points, omitted)
    course = edited.course
    if edit.course is not None and course is not None:
        course = _course(course, edit.course)
    findings = findings + screen_points(p.code for p in points) + limit_findings(points)
    known = bibliography()
    sources = set(plan.sources) | {s for f in findings for s in f.sources}
    sources |= {s for p in points for s in p.sources if s in known}
    return edited.model_copy(update={
        "points": points,
        "omitted": omitted,
        "course": course,
        "safety": SafetyScreen(status=SafetyScreen.verdict(findings), findings=findings),
        "sources": sorted(sources),
    })  # fmt: skip


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def schedule_visits(course: Course | None, start: date,
                    calendar: ClinicCalendar | None = None) -> list[ScheduledVisit]:
    """Dated sessions and re-assessment visits of ``course`` from ``start`` (session 1), each
    on a day the clinic is open (``calendar``; the default calendar when None)."""
    if course is None or course.sessions_per_week is None or (
        course.weeks is None and course.sessions is None
    ):
        raise PlanRefused(_("The protocol's sources give no course: set sessions per week and "
                            "weeks before accepting."))
    spw = course.sessions_per_week
    total = course.sessions if course.sessions is not None else spw * (course.weeks or 0)
    weeks = -(-total // spw)
    at_session: dict[int, list[str]] = {}
    follow_up: dict[int, list[str]] = {}
    for item in course.reassessment:
        number = spw * item.week + 1
        if number > total:
            number = total if item.week <= weeks else 0
        target, slot = (at_session, number) if number else (follow_up, item.week)
        target[slot] = _unique(target.get(slot, []) + list(item.instruments))
    definition = CourseDefinition(
        sessions_per_week=spw,
        total_sessions=total,
        reassessments=[SessionReassessment(session=n, instruments=i)
                       for n, i in sorted(at_session.items())],
    )
    visits = [
        ScheduledVisit(number=s.number, due_on=s.on, kind="session",
                       reassessment=s.reassessment, instruments_due=list(s.instruments_due))
        for s in dated_sessions(definition, start, calendar)
    ]
    later = sorted(follow_up.items())
    days = place_visits([max(start + timedelta(weeks=week),
                             visits[-1].due_on + timedelta(days=1))
                         for week, _instruments in later], calendar or default_calendar())
    for offset, ((_week, instruments), on) in enumerate(zip(later, days, strict=True), start=1):
        visits.append(ScheduledVisit(number=total + offset, due_on=on, kind="follow-up",
                                     reassessment=True, instruments_due=instruments))
    return visits
