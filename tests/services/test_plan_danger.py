"""Anatomical danger zones through the services: a never-needled point is refused naming it and
nothing is written; a danger-zone point needs an acknowledgement and a needling limit, which the
plan stores and the screen shows; a session record is held to the same rules."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from acuneuro.services import Context
from acuneuro.services import planning as service
from acuneuro.services import sessions as sessions_service
from acuneuro.services.planning import PlanEdit, PlanRefused, PointRefused
from acuneuro.services.sessions import CourseRefused
from acuneuro.store import TreatmentSession

from ._course import PLAN_POINTS, accepted_patient, point, session
from .test_planning import TODAY, assessed_case, audit, new_patient

GB20 = {"code": "GB20", "side": "both", "rationale": "occipital neuralgia", "sources": ["x"]}


@pytest.fixture
def alice(actors: Any) -> Any:
    return actors["alice"].actor


def _proposed(ctx: Context, alice: Any) -> tuple[str, int]:
    pid = new_patient(ctx, alice)
    return pid, service.propose_plan(ctx, alice, pid, assessed_case(), today=TODAY).id


@pytest.mark.parametrize(("code", "named"), [("ST17", "ST17 Ruzhong"), ("cv 8", "CV8 Shenque")])
def test_it_refuses_a_never_needled_point_naming_it_and_writes_nothing(
    ctx: Context, alice: Any, code: str, named: str
) -> None:
    pid, plan_id = _proposed(ctx, alice)
    before = service.get_plan(ctx, alice, pid, plan_id).plan
    add = {"code": code, "side": "midline" if "8" in code else "left", "rationale": "r",
           "sources": ["s"], "danger_acknowledged": True, "max_depth_mm": 5, "angle": "oblique"}
    with pytest.raises(PointRefused, match=rf"add\[0\]\.code: {named} is never needled") as exc:
        service.edit_plan(ctx, alice, pid, plan_id, {"add": [add]})
    assert exc.value.loc == ("add", 0, "code")
    assert service.get_plan(ctx, alice, pid, plan_id).plan == before
    assert ("alice@example.org", "update", "plan", "failure") in audit(ctx)


@pytest.mark.parametrize(("extra", "field"), [
    ({}, "danger_acknowledged"),
    ({"danger_acknowledged": True}, "max_depth_mm"),
    ({"danger_acknowledged": True, "max_depth_mm": 20}, "angle"),
])  # fmt: skip
def test_it_refuses_gb20_without_acknowledgement_and_limit_naming_the_field(
    ctx: Context, alice: Any, extra: dict[str, Any], field: str
) -> None:
    pid, plan_id = _proposed(ctx, alice)
    before = service.get_plan(ctx, alice, pid, plan_id).plan
    with pytest.raises(PointRefused, match=rf"add\[0\]\.{field}: GB20 Fengchi lies over the "
                                           "medulla") as exc:
        service.edit_plan(ctx, alice, pid, plan_id, {"add": [{**GB20, **extra}]})
    assert exc.value.loc == ("add", 0, field)
    assert service.get_plan(ctx, alice, pid, plan_id).plan == before


def test_gb20_with_acknowledgement_and_limit_is_stored_and_the_screen_names_it(
    ctx: Context, alice: Any
) -> None:
    pid, plan_id = _proposed(ctx, alice)
    add = {**GB20, "danger_acknowledged": True, "max_depth_mm": 20, "angle": "oblique",
           "direction": "towards the tip of the nose"}
    edited = service.edit_plan(ctx, alice, pid, plan_id, PlanEdit.model_validate({"add": [add]}))
    stored = service.get_plan(ctx, alice, pid, plan_id).plan
    gb20 = next(p for p in stored.points if p.code == "GB20")
    assert gb20.limit is not None and gb20.limit.max_depth_mm == 20
    assert gb20.limit.acknowledged == ["medulla"]
    caution = next(f for f in edited.plan.safety.findings if f.rule == "anatomical-limit")
    assert caution.severity == "caution" and edited.plan.safety.status == "caution"
    assert "GB20 Fengchi" in caution.message
    assert "at most 20 mm, oblique towards the tip of the nose" in caution.message


def _needled(ctx: Context) -> int:
    with ctx.db.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(TreatmentSession)) or 0


def test_a_session_with_a_never_needled_point_is_refused_and_nothing_written(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    doc = session(points=[*PLAN_POINTS, ("CV8", "midline")], deviation="added the umbilicus")
    with pytest.raises(ValidationError, match="CV8 Shenque is never needled") as exc:
        sessions_service.record_session(ctx, alice, pid, doc)
    assert exc.value.errors()[0]["loc"] == ("points", len(PLAN_POINTS))
    assert _needled(ctx) == 0


def test_a_session_danger_point_needs_a_limit_and_is_held_to_its_depth(
    ctx: Context, alice: Any
) -> None:
    pid = accepted_patient(ctx, alice)
    doc = session(points=[*PLAN_POINTS, ("GB20", "both")], deviation="occipital pain today")
    with pytest.raises(CourseRefused, match="GB20 Fengchi lies over the medulla"):
        sessions_service.record_session(ctx, alice, pid, doc)
    limited = point("GB20") | {"depth_mm": 25, "limit": {
        "angle": "oblique", "max_depth_mm": 15, "basis": "thin neck",
        "acknowledged": ["medulla"]}}
    doc["points"] = [*doc["points"][:-1], limited]
    with pytest.raises(CourseRefused, match="25 mm deep, beyond its limit of 15 mm"):
        sessions_service.record_session(ctx, alice, pid, doc)
    assert _needled(ctx) == 0
    limited["depth_mm"] = 12
    view = sessions_service.record_session(ctx, alice, pid, doc)
    assert view.record.points[-1].limit is not None and _needled(ctx) == 1


def test_plan_refusals_are_plan_refusals_for_callers_that_catch_those(
    ctx: Context, alice: Any
) -> None:
    pid, plan_id = _proposed(ctx, alice)
    with pytest.raises(PlanRefused):
        service.edit_plan(ctx, alice, pid, plan_id, {"add": [GB20]})


def test_a_thoracic_jiaji_session_must_acknowledge_its_limit(ctx: Context, alice: Any) -> None:
    pid = new_patient(ctx, alice, kind="phn")
    doc = assessed_case(pain={"dermatomes": [{"dermatome": "T5", "side": "left"}], "nrs": 6})
    plan = service.propose_plan(ctx, alice, pid, doc, today=TODAY)
    service.accept_plan(ctx, alice, pid, plan.id, TODAY)
    planned: list[tuple[str, str]] = [(p.code, p.side) for p in plan.plan.points]
    assert ("EX-B2", "left") in planned
    with pytest.raises(CourseRefused, match="anatomical-limit is not acknowledged"):
        sessions_service.record_session(ctx, alice, pid, session(TODAY, points=planned))
    assert _needled(ctx) == 0
    view = sessions_service.record_session(ctx, alice, pid, session(
        TODAY, points=planned, acknowledged=["anatomical-limit"]))
    assert view.acknowledged == ["anatomical-limit"] and _needled(ctx) == 1
