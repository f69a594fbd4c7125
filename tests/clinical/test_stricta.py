from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from acuneuro.clinical.case import Region, RegionSite, Side
from acuneuro.clinical.safety_model import SafetyFinding, SafetyScreen, Severity
from acuneuro.clinical.stricta import (
    Needle,
    NeedledPoint,
    PointSite,
    Practitioner,
    SessionRecord,
    Stimulation,
    adherence,
    check_session,
    next_session,
)

DAY = date(2026, 12, 1)
ATLAS = {
    "ST36": PointSite(region=Region.leg, dermatomes=["L5"]),
    "LI4": PointSite(region=Region.hand, dermatomes=["C6"]),
    "SP6": PointSite(region=Region.leg, dermatomes=["L4"]),
    "EX-LE10": PointSite(region=Region.foot, dermatomes=["L5"]),
}


def site(code: str) -> PointSite | None:
    return ATLAS.get(code)


def point(code: str, side: str = "both", electrical: bool = False) -> NeedledPoint:
    stim = (
        Stimulation(kind="electrical", frequency_hz=2, intensity="2 mA")
        if electrical
        else Stimulation(kind="manual")
    )
    return NeedledPoint(
        code=code,
        side=side,
        needle=Needle(diameter_mm=0.25, length_mm=40),
        depth_mm=15,
        response_sought="de_qi",
        stimulation=stim,
        retention_min=20,
    )


def session(*points: NeedledPoint, co: list[str] | None = None) -> SessionRecord:
    return SessionRecord(
        session_number=1,
        on=DAY,
        attendance="attended",
        points=list(points),
        practitioner=Practitioner(
            name="Dr A", qualification="physician, BMAS", years_in_practice=8
        ),
        co_interventions=co or [],
    )


def screen(*findings: SafetyFinding) -> SafetyScreen:
    return SafetyScreen(status=SafetyScreen.verdict(list(findings)), findings=list(findings))


def finding(rule: str, severity: Severity, **kw: object) -> SafetyFinding:
    return SafetyFinding(
        rule=rule, severity=severity, message=f"{rule} applies", sources=["s"], **kw
    )


def test_it_accepts_a_clean_session_on_a_go_screen() -> None:
    assert check_session(session(point("ST36"), point("LI4")), screen(), set(), site) == []


def test_it_refuses_a_point_the_screen_excluded() -> None:
    s = screen(finding("pregnancy-points", Severity.exclude, excluded_points=["LI4"]))
    problems = check_session(session(point("ST36"), point("li4")), s, set(), site)
    assert len(problems) == 1 and "LI4" in problems[0].upper() and "pregnancy-points" in problems[0]


def test_it_refuses_an_unacknowledged_caution_and_accepts_it_once_acknowledged() -> None:
    s = screen(finding("anticoagulant", Severity.caution))
    rec = session(point("ST36"))
    assert any("anticoagulant" in p for p in check_session(rec, s, set(), site))
    assert check_session(rec, s, {"anticoagulant"}, site) == []


def test_it_refuses_any_session_on_a_stop() -> None:
    s = screen(finding("neutropenia", Severity.stop))
    assert any("stop" in p for p in check_session(session(point("ST36")), s, set(), site))


def test_it_accepts_a_cancelled_session_record_on_a_stop() -> None:
    rec = SessionRecord(
        session_number=2, on=DAY, attendance="cancelled", reason_not_attended="screen said stop"
    )
    assert check_session(rec, screen(finding("neutropenia", Severity.stop)), set(), site) == []


def test_it_refuses_a_point_in_an_excluded_region_on_the_same_side() -> None:
    ex = RegionSite(region=Region.foot, side=Side.left)
    s = screen(finding("ulcer", Severity.exclude, excluded_regions=[ex]))
    assert check_session(session(point("EX-LE10", "left")), s, set(), site)
    assert check_session(session(point("EX-LE10", "both")), s, set(), site)
    assert check_session(session(point("EX-LE10", "right")), s, set(), site) == []


def test_it_refuses_a_point_in_an_excluded_dermatome() -> None:
    s = screen(finding("vesicles", Severity.exclude, excluded_dermatomes=["L5"]))
    problems = check_session(session(point("ST36"), point("SP6")), s, set(), site)
    assert len(problems) == 1 and "ST36" in problems[0] and "L5" in problems[0]


def test_it_fails_closed_on_a_point_the_atlas_cannot_place() -> None:
    ex = RegionSite(region=Region.foot, side=Side.both)
    s = screen(finding("ulcer", Severity.exclude, excluded_regions=[ex]))
    problems = check_session(session(point("KI1")), s, set(), site)
    assert problems and "unknown" in problems[0]


def test_it_refuses_an_excluded_technique() -> None:
    s = screen(finding("pacemaker", Severity.exclude, excluded_techniques=["electroacupuncture"]))
    assert check_session(session(point("ST36", electrical=True)), s, set(), site)
    assert check_session(session(point("ST36")), s, set(), site) == []
    moxa = screen(finding("insensate", Severity.exclude, excluded_techniques=["moxibustion"]))
    assert check_session(session(point("ST36"), co=["moxibustion at ST36"]), moxa, set(), site)


def test_it_counts_needle_insertions_per_stricta_2a() -> None:
    assert session(point("ST36", "both"), point("LI4", "left")).needle_count == 3


def test_it_needs_frequency_and_intensity_for_electrical_stimulation() -> None:
    with pytest.raises(ValidationError, match="frequency_hz and intensity"):
        Stimulation(kind="electrical")


def test_it_needs_a_depth_for_each_point() -> None:
    with pytest.raises(ValidationError, match="depth"):
        NeedledPoint(
            code="ST36",
            side="left",
            needle=Needle(diameter_mm=0.25, length_mm=40),
            response_sought="de_qi",
            stimulation=Stimulation(kind="manual"),
            retention_min=20,
        )


def test_it_refuses_points_for_a_session_not_attended() -> None:
    with pytest.raises(ValidationError, match="did not attend"):
        SessionRecord(
            session_number=1,
            on=DAY,
            attendance="missed",
            reason_not_attended="ill",
            points=[point("ST36")],
        )


def test_it_needs_a_reason_for_a_session_without_points() -> None:
    with pytest.raises(ValidationError, match="deviation"):
        SessionRecord(
            session_number=1,
            on=DAY,
            attendance="attended",
            practitioner=Practitioner(name="A", qualification="B"),
        )


COURSE = [(n, date(2026, 12, 1 + 3 * (n - 1))) for n in range(1, 9)]  # 8 sessions, every 3 days


def record(number: int, on: date, attendance: str = "attended") -> SessionRecord:
    if attendance == "attended":
        return session(point("ST36")).model_copy(update={"session_number": number, "on": on})
    return SessionRecord(session_number=number, on=on, attendance=attendance,
                         reason_not_attended="unwell")


def test_adherence_counts_attendance_against_the_sessions_due() -> None:
    records = [record(1, DAY), record(2, date(2026, 12, 4), "missed"),
               record(3, date(2026, 12, 7), "cancelled")]
    a = adherence(records, COURSE, date(2026, 12, 10))  # sessions 1-4 due
    assert (a.planned, a.attended, a.missed, a.cancelled, a.not_recorded) == (4, 1, 1, 1, 1)
    assert a.rate == 1 / 4
    assert adherence([], COURSE, date(2026, 11, 30)).rate is None  # nothing due yet


def test_a_session_brought_forward_counts_as_due_so_the_rate_never_passes_100() -> None:
    # Reported: "3 attended, 1 missed ... 100% attended" and "9 of 8 due: 112%".
    records = [record(n, DAY) for n in (1, 2, 3)] + [record(4, DAY, "missed")]
    a = adherence(records, COURSE, DAY)
    assert (a.planned, a.attended, a.missed, a.rate) == (4, 3, 1, 3 / 4)
    nine = [record(n, date(2026, 12, 20)) for n in range(1, 10)]
    a = adherence(nine, COURSE, date(2027, 1, 31))
    assert (a.planned, a.attended, a.beyond_course, a.rate) == (8, 8, 1, 1.0)


def test_a_record_dated_after_today_is_not_counted_yet() -> None:
    a = adherence([record(1, date(2026, 12, 2))], COURSE, DAY)
    assert (a.planned, a.attended, a.not_recorded) == (1, 0, 1)


def test_the_next_session_is_the_first_course_session_without_a_record() -> None:
    records = [record(1, DAY), record(3, DAY, "missed")]
    assert next_session(records, COURSE) == COURSE[1]
    assert next_session([record(n, DAY) for n in range(1, 9)], COURSE) is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 12), st.integers(0, 40),
                       st.sampled_from(["attended", "missed", "cancelled"])), max_size=20),
    st.integers(0, 40),
)
def test_adherence_is_a_share_of_the_sessions_due_and_next_is_unrecorded(
    given_records: list[tuple[int, int, str]], today_offset: int
) -> None:
    from datetime import timedelta

    records = [record(n, DAY + timedelta(days=d), a) for n, d, a in given_records]
    today = DAY + timedelta(days=today_offset)
    a = adherence(records, COURSE, today)
    assert 0 <= a.attended + a.missed + a.cancelled + a.not_recorded == a.planned <= len(COURSE)
    if a.planned == 0:
        assert a.rate is None
    else:
        assert a.rate is not None and 0.0 <= a.rate <= 1.0
    assert a.planned >= sum(1 for _, on in COURSE if on <= today)
    upcoming = next_session(records, COURSE)
    recorded = {r.session_number for r in records}
    if upcoming is None:
        assert {n for n, _ in COURSE} <= recorded
    else:
        assert upcoming[0] not in recorded
        assert all(n in recorded for n, _ in COURSE if n < upcoming[0])


def test_it_works_with_a_lookup_built_on_the_knowledge_atlas() -> None:
    from acuneuro.knowledge import atlas_point, dermatomes

    def atlas_site(code: str) -> PointSite | None:
        try:
            entry = atlas_point(code)
        except (KeyError, ValueError):
            return None
        segs = [d.segment for d in dermatomes().values() if entry.code in d.points]
        return PointSite(region=Region(entry.region), dermatomes=segs)

    ex = RegionSite(region=Region.foot, side=Side.left)
    s = screen(finding("ulcer", Severity.exclude, excluded_regions=[ex]))
    assert check_session(session(point("EX-LE10", "left")), s, set(), atlas_site)
    assert check_session(session(point("ST36", "left")), s, set(), atlas_site) == []


def test_it_asks_why_a_session_departed_from_the_plan() -> None:
    from acuneuro.clinical.safety_model import PlanPoint

    plan = [
        PlanPoint(
            code="ST36", name="Zusanli", role="distal", side="both", rationale="r", sources=["s"]
        ),
        PlanPoint(
            code="LI4", name="Hegu", role="distal", side="both", rationale="r", sources=["s"]
        ),
    ]
    rec = session(point("ST36", "left"))
    problems = check_session(rec, screen(), set(), site, plan=plan)
    assert (
        problems
        and "LI4 planned but not needled" in problems[0]
        and "ST36 needled left" in problems[0]
    )
    explained = rec.model_copy(update={"deviation": "LI4 skipped: bruise on the hand"})
    assert check_session(explained, screen(), set(), site, plan=plan) == []
    assert (
        check_session(session(point("ST36"), point("LI4")), screen(), set(), site, plan=plan) == []
    )


def test_it_refuses_a_frequency_for_manual_stimulation() -> None:
    with pytest.raises(ValidationError, match="only for electrical"):
        Stimulation(kind="manual", frequency_hz=2)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"attendance": "missed"}, "reason_not_attended"),
        ({"attendance": "attended", "deviation": "no needles"}, "practitioner"),
    ],
)
def test_it_needs_the_stricta_context_for_each_kind_of_session(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        SessionRecord.model_validate({"session_number": 1, "on": DAY, **fields})


def test_it_refuses_the_same_point_and_side_twice() -> None:
    with pytest.raises(ValidationError, match="listed twice"):
        session(point("ST36"), point("st36"))


def test_moxibustion_alone_is_a_technique_of_the_session() -> None:
    rec = SessionRecord(
        session_number=1,
        on=DAY,
        attendance="attended",
        practitioner=Practitioner(name="A", qualification="B"),
        co_interventions=["Moxibustion over ST36"],
        deviation="moxibustion only today",
    )
    assert rec.techniques == {"moxibustion"} and rec.needle_count == 0


def test_a_point_without_a_who_code_is_recorded_by_name() -> None:
    rec = session(point("Shenmen", "left"))
    assert rec.points[0].code == "Shenmen"
    with pytest.raises(ValidationError):
        point("ST36; drop table", "left")
