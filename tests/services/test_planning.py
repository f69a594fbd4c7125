"""Planning use cases: propose from the case, edit within the safety screen, accept, schedule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from acuneuro.clinical.calendar import default_calendar, place_visits
from acuneuro.clinical.case import RiskFactors
from acuneuro.services import Context, NotFound, PatientCreate, PermissionDenied
from acuneuro.services import patients as patients_service
from acuneuro.services import planning as service
from acuneuro.services.planning import PlanEdit, PlanRefused
from acuneuro.store import AuditEvent, PlannedSession, PlanRecord

TODAY = date(2026, 11, 24)


def assessed_case(**changes: Any) -> dict[str, Any]:
    """A CIPN case with every safety fact assessed (shared/design/case-example.json, trimmed)."""
    case: dict[str, Any] = {
        "pain": {"regions": [{"region": "foot", "side": "both"}], "nrs": 6},
        "chemotherapy": {"agents": ["oxaliplatin"], "active": False, "last_dose": "2026-06-10"},
        "labs": {"taken": "2026-11-18", "platelets_per_ul": 162000, "anc_per_ul": 2400},
        "medications": [], "devices": [], "skin": [], "lymphoedema": [],
        "bleeding_disorder": False, "fainting_with_needles": False,
        "risk_factors": RiskFactors.none_present().model_dump(mode="json"),
        "findings": {"protective_sensation_lost": False},
        "assessed_on": TODAY.isoformat(),
    }  # fmt: skip
    case.update(changes)
    return case


def new_patient(ctx: Context, actor: Any, kind: str | None = "cipn", **extra: Any) -> str:
    data: dict[str, Any] = {
        "given_name": "Ada",
        "family_name": "Planned",
        "date_of_birth": "1968-03-02",
        "sex": "male",
        "confirm_duplicate": True,  # several patients of one test are the same person on purpose
        **extra,
    }
    if kind is not None:
        data["condition"] = {"kind": kind, "icd10": "G62.0", "onset": "2026-05-01"}
    return patients_service.create_patient(ctx, actor, PatientCreate.model_validate(data)).id


def audit(ctx: Context) -> list[tuple[str | None, str, str, str]]:
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
        return [(e.actor, e.action, e.resource, e.outcome) for e in rows]


@pytest.fixture
def alice(actors: Any) -> Any:
    return actors["alice"].actor


def test_it_fills_age_sex_and_condition_from_the_record(ctx: Context, alice: Any) -> None:
    pid = new_patient(ctx, alice)
    view = service.propose_plan(ctx, alice, pid, assessed_case(), today=TODAY)
    assert view.status == "proposed"
    assert (view.case.patient.age, view.case.patient.sex) == (58, "male")
    assert view.case.condition.kind.value == "cipn" and view.case.condition.icd10 == "G62.0"
    assert view.plan.safety.status == "go" and view.plan.points
    assert view.created_by == "alice@example.org" and view.schedule == []
    assert audit(ctx)[-1] == ("alice@example.org", "create", "plan", "success")


def test_the_clinicians_facts_override_the_record(ctx: Context, alice: Any) -> None:
    pid = new_patient(ctx, alice)
    doc = assessed_case(
        patient={"age": 40, "sex": "male"}, condition={"kind": "dpn", "icd10": "E11.4"}
    )
    view = service.propose_plan(ctx, alice, pid, doc, today=TODAY)
    assert view.case.patient.age == 40 and view.case.condition.kind.value == "dpn"


def test_a_bad_case_is_refused_naming_the_field_and_nothing_is_stored(
    ctx: Context, alice: Any
) -> None:
    pid = new_patient(ctx, alice)
    with pytest.raises(ValidationError) as caught:
        service.propose_plan(
            ctx, alice, pid, assessed_case(labs={"taken": "yesterday"}), today=TODAY
        )
    assert ("labs", "taken") in [e["loc"] for e in caught.value.errors()]
    with pytest.raises(ValidationError, match="condition"):
        service.propose_plan(
            ctx, alice, new_patient(ctx, alice, kind=None), assessed_case(), today=TODAY
        )
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PlanRecord)) == 0


def test_another_clinics_patient_and_plan_are_not_found(ctx: Context, actors: Any) -> None:
    alice, charlie = actors["alice"].actor, actors["charlie"].actor
    pid = new_patient(ctx, alice)
    plan = service.propose_plan(ctx, alice, pid, assessed_case(), today=TODAY)
    for call in (
        lambda: service.propose_plan(ctx, charlie, pid, assessed_case(), today=TODAY),
        lambda: service.list_plans(ctx, charlie, pid),
        lambda: service.get_plan(ctx, charlie, pid, plan.id),
        lambda: service.current_plan(ctx, charlie, pid),
        lambda: service.edit_plan(ctx, charlie, pid, plan.id, PlanEdit(remove=["LR3"])),
        lambda: service.accept_plan(ctx, charlie, pid, plan.id, TODAY),
    ):
        with pytest.raises(NotFound):
            call()
    outsider = [row for row in audit(ctx) if row[0] == "charlie@example.org"]
    assert len(outsider) == 6 and {row[3] for row in outsider} == {"not_found"}
    assert service.get_plan(ctx, alice, pid, plan.id).status == "proposed"


def test_a_plan_id_of_another_patient_is_not_found(ctx: Context, alice: Any) -> None:
    first, second = new_patient(ctx, alice), new_patient(ctx, alice)
    plan = service.propose_plan(ctx, alice, first, assessed_case(), today=TODAY)
    with pytest.raises(NotFound):
        service.get_plan(ctx, alice, second, plan.id)


def test_researchers_have_no_access_and_admins_may_only_read(ctx: Context, actors: Any) -> None:
    pid = new_patient(ctx, actors["alice"].actor)
    plan = service.propose_plan(ctx, actors["alice"].actor, pid, assessed_case(), today=TODAY)
    with pytest.raises(PermissionDenied):
        service.list_plans(ctx, actors["dana"].actor, pid)
    erin = actors["erin"].actor
    assert service.get_plan(ctx, erin, pid, plan.id).id == plan.id
    with pytest.raises(PermissionDenied):
        service.accept_plan(ctx, erin, pid, plan.id, TODAY)
    assert audit(ctx)[-1] == ("erin@example.org", "update", "plan", "denied")


def test_an_excluded_point_cannot_be_added(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    pid = new_patient(ctx, alice, sex="female")
    doc = assessed_case(patient={"age": 34, "sex": "female", "pregnant": True, "trimester": 2})
    plan = service.propose_plan(ctx, alice, pid, doc, today=TODAY)
    assert "LI4" not in {p.code for p in plan.plan.points}
    edit = PlanEdit.model_validate(
        {"add": [{"code": "li 4", "side": "both", "rationale": "analgesia", "sources": ["x"]}]}
    )
    with pytest.raises(PlanRefused,
                       match=r"^LI4 .*excluded: Pregnant: the traditionally forbidden points"):
        service.edit_plan(ctx, alice, pid, plan.id, edit)
    assert service.get_plan(ctx, alice, pid, plan.id).plan == plan.plan
    assert ("alice@example.org", "update", "plan", "failure") in audit(ctx)


def test_a_side_cannot_be_widened_onto_an_excluded_region(ctx: Context, alice: Any) -> None:
    pid = new_patient(ctx, alice)
    skin = [{"finding": "ulcer", "region": "foot", "side": "left"}]
    plan = service.propose_plan(ctx, alice, pid, assessed_case(skin=skin), today=TODAY)
    sides = {p.code: p.side for p in plan.plan.points}
    assert sides["LR3"] == "right"
    with pytest.raises(PlanRefused,
                       match=r"^LR3 .*excluded: Ulcer at foot \(left\): no needles there"):
        service.edit_plan(ctx, alice, pid, plan.id, PlanEdit(sides={"LR3": "both"}))
    add_left = PlanEdit.model_validate(
        {"add": [{"code": "KI1", "side": "left", "rationale": "r", "sources": ["s"]}]}
    )
    with pytest.raises(PlanRefused, match="excluded"):
        service.edit_plan(ctx, alice, pid, plan.id, add_left)


def test_edits_remove_change_and_add_points_and_rescreen(ctx: Context, alice: Any) -> None:
    pid = new_patient(ctx, alice)
    plan = service.propose_plan(ctx, alice, pid, assessed_case(), today=TODAY)
    edit = PlanEdit.model_validate({
        "remove": ["LR3"], "sides": {"ST36": "left"},
        "add": [{"code": "GB21", "side": "right", "rationale": "shoulder tension",
                 "sources": ["acu-who2008"], "danger_acknowledged": True,
                 "max_depth_mm": 10, "angle": "oblique"}],
    })  # fmt: skip
    edited = service.edit_plan(ctx, alice, pid, plan.id, edit).plan
    points = {p.code: p for p in edited.points}
    assert "LR3" not in points and points["ST36"].side == "left"
    assert points["GB21"].rationale.startswith("Added by the clinician")
    assert ("LR3 Taichong", "clinician") in [(o.what, o.rule) for o in edited.omitted]
    # GB21 lies over the lung apex: the point caution is found again after the edit.
    assert edited.safety.status == "caution"
    assert "thoracic-depth" in {f.rule for f in edited.safety.findings}
    with pytest.raises(PlanRefused, match=r"LR3 is not in the plan"):
        service.edit_plan(ctx, alice, pid, plan.id, PlanEdit(remove=["LR3"]))
    with pytest.raises(PlanRefused, match="not a point of the atlas"):
        service.edit_plan(
            ctx,
            alice,
            pid,
            plan.id,
            PlanEdit.model_validate(
                {"add": [{"code": "ST99", "side": "both", "rationale": "r", "sources": ["s"]}]}
            ),
        )


def test_a_stop_plan_cannot_be_accepted_or_edited(ctx: Context, alice: Any) -> None:
    pid = new_patient(ctx, alice)
    labs = {"taken": "2026-11-23", "platelets_per_ul": 150000, "anc_per_ul": 300}
    plan = service.propose_plan(ctx, alice, pid, assessed_case(labs=labs), today=TODAY)
    assert plan.plan.safety.status == "stop" and plan.plan.points == []
    with pytest.raises(PlanRefused,
                       match="The safety screen stopped this plan, so it cannot be accepted"):
        service.accept_plan(ctx, alice, pid, plan.id, TODAY)
    with pytest.raises(PlanRefused, match="Absolute neutrophil count"):
        service.edit_plan(
            ctx,
            alice,
            pid,
            plan.id,
            PlanEdit.model_validate(
                {"add": [{"code": "ST36", "side": "both", "rationale": "r", "sources": ["s"]}]}
            ),
        )
    assert service.get_plan(ctx, alice, pid, plan.id).status == "proposed"
    assert service.current_plan(ctx, alice, pid) is None


def test_accepting_schedules_the_course_and_supersedes_the_earlier_plan(
    ctx: Context, actors: Any
) -> None:
    alice, bob = actors["alice"].actor, actors["bob"].actor
    pid = new_patient(ctx, alice)
    first = service.propose_plan(ctx, alice, pid, assessed_case(), today=TODAY)
    accepted = service.accept_plan(ctx, alice, pid, first.id, TODAY)
    assert accepted.status == "accepted" and accepted.accepted_by == "alice@example.org"
    course = accepted.plan.course
    assert course is not None and course.sessions == 16 and course.sessions_per_week == 2
    sessions = [v for v in accepted.schedule if v.kind == "session"]
    assert [v.number for v in sessions] == list(range(1, 17))
    assert sessions[0].due_on == TODAY and sessions[-1].due_on < TODAY + timedelta(weeks=8)
    # Twice a week (days 0 and 3), each moved past the days the clinic is closed: no
    # session on 25 December or 1 January (issue 14).
    assert [d.due_on for d in sessions] == place_visits(
        [TODAY + timedelta(days=7 * (n // 2) + 3 * (n % 2)) for n in range(16)],
        default_calendar())
    assert not {date(2026, 12, 25), date(2027, 1, 1)} & {d.due_on for d in sessions}
    due = {v.number: v.instruments_due for v in accepted.schedule if v.reassessment}
    week0 = next(r for r in course.reassessment if r.week == 0)
    assert due[1] == week0.instruments and due[9] == ["nrs"]  # week 4: after 8 sessions
    assert "pgic" in due[16]  # week 8 is the end of the course: its last session
    follow_up = [v for v in accepted.schedule if v.kind == "follow-up"]
    assert [(v.number, v.due_on) for v in follow_up] == [(17, TODAY + timedelta(weeks=12))]

    second = service.propose_plan(ctx, bob, pid, assessed_case(), today=TODAY)
    service.accept_plan(ctx, bob, pid, second.id, TODAY + timedelta(days=1))
    statuses = {s.id: s.status for s in service.list_plans(ctx, alice, pid)}
    assert statuses == {first.id: "superseded", second.id: "accepted"}
    current = service.current_plan(ctx, alice, pid)
    assert current is not None and current.id == second.id
    assert current.schedule[0].due_on == TODAY + timedelta(days=1)
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(PlannedSession.plan_id)).all()
    assert rows.count(first.id) == rows.count(second.id) == 17
    assert audit(ctx).count(("bob@example.org", "create", "schedule", "success")) == 1


def test_an_accepted_plan_can_neither_be_edited_nor_accepted_again(
    ctx: Context, alice: Any
) -> None:
    pid = new_patient(ctx, alice)
    plan = service.propose_plan(ctx, alice, pid, assessed_case(), today=TODAY)
    service.accept_plan(ctx, alice, pid, plan.id, TODAY)
    with pytest.raises(PlanRefused, match="only a proposed plan"):
        service.edit_plan(ctx, alice, pid, plan.id, PlanEdit(remove=["LR3"]))
    with pytest.raises(PlanRefused, match="already accepted"):
        service.accept_plan(ctx, alice, pid, plan.id, TODAY)


def test_a_course_the_sources_do_not_give_must_be_set_before_accepting(
    ctx: Context, alice: Any
) -> None:
    pid = new_patient(ctx, alice, kind="ms")
    pain = {"dermatomes": [{"dermatome": "L5", "side": "left"}]}
    doc = assessed_case(chemotherapy=None, pain=pain)
    doc["condition"] = {"kind": "ms"}
    plan = service.propose_plan(ctx, alice, pid, doc, today=TODAY)
    with pytest.raises(PlanRefused, match="set sessions per week"):
        service.accept_plan(ctx, alice, pid, plan.id, TODAY)
    service.edit_plan(
        ctx,
        alice,
        pid,
        plan.id,
        PlanEdit.model_validate({"course": {"sessions_per_week": 1, "weeks": 6}}),
    )
    accepted = service.accept_plan(ctx, alice, pid, plan.id, TODAY)
    assert [v.kind for v in accepted.schedule] == ["session"] * 6 + ["follow-up"]
    assert accepted.schedule[4].instruments_due == ["nrs"]  # week 4 = session 5
    assert accepted.schedule[-1].due_on == TODAY + timedelta(weeks=8)


def test_case_defaults_use_the_open_episode(ctx: Context, alice: Any) -> None:
    view = patients_service.get_patient(ctx, alice, new_patient(ctx, alice, kind="phn"))
    found = service.case_defaults(view, TODAY)
    assert found == {
        "patient": {"age": 58, "sex": "male"},
        "assessed_on": "2026-11-24",
        "condition": {"kind": "phn", "icd10": "G62.0", "onset": "2026-05-01"},
    }


def test_demo_patients_have_an_accepted_plan_with_its_schedule(ctx: Context) -> None:
    from acuneuro.services.accounts import operator
    from acuneuro.services.demo import DEMO_CLINIC, seed_demo

    seed_demo(ctx, patients=3, seed=5, today=TODAY)
    actor = operator(ctx, DEMO_CLINIC)
    for patient in patients_service.list_patients(ctx, actor):
        plan = service.current_plan(ctx, actor, patient.id)
        assert plan is not None and plan.status == "accepted", patient.episodes
        assert plan.plan.points and plan.plan.safety.status != "stop"
        assert plan.case.condition.kind == patient.episodes[0].kind
        assert plan.start_on is not None and TODAY - timedelta(days=35) <= plan.start_on <= TODAY
        assert plan.schedule[0].due_on == plan.start_on and plan.schedule[0].instruments_due


def test_an_injury_level_alone_takes_the_condition_from_the_open_episode(
    ctx: Context, alice: Any
) -> None:
    pid = new_patient(ctx, alice, kind="sci")
    view = service.propose_plan(ctx, alice, pid, assessed_case(condition={"sci_level": "T4"}),
                                today=TODAY)  # fmt: skip
    assert view.case.condition.kind.value == "sci" and view.case.condition.sci_level == "T4"
    assert any(f.rule == "autonomic-dysreflexia" for f in view.plan.safety.findings)
    assert view.plan.safety.status == "caution"
