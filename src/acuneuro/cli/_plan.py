"""``acuneuro plan`` and ``acuneuro points``: the acupuncture plan for a case, and the atlas."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from acuneuro.cli._common import _, emit_json, fail, read_json, validation_message
from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.planner import build_plan
from acuneuro.knowledge import points as atlas_points

__all__ = ["register"]


def plan(
    case: Annotated[str, typer.Option("--case", help="Clinical case JSON file, or - for stdin.")],
) -> None:
    """Screen the case for safety and plan points, stimulation and course, with sources."""
    raw = read_json(case, "case")
    if not isinstance(raw, dict):
        fail(_("case: the document must be a JSON object"))
    try:
        clinical_case = ClinicalCase.model_validate(raw)
    except ValidationError as exc:
        fail(_("case: %(problem)s") % {"problem": validation_message(exc)})
    emit_json(build_plan(clinical_case))


def points(
    meridian: Annotated[str | None, typer.Option(help="Meridian code, e.g. ST or LR.")] = None,
    region: Annotated[str | None, typer.Option(help="Body region, e.g. foot.")] = None,
) -> None:
    """List atlas points (WHO 2008 meridian points and the extra points used), as JSON."""
    try:
        found = atlas_points(meridian=meridian, region=region)
    except ValueError as exc:
        fail(str(exc))
    emit_json([p.model_dump(mode="json") for p in found])


def register(app: typer.Typer) -> None:
    """Add ``plan`` and ``points`` to the main application."""
    app.command("plan")(plan)
    app.command("points")(points)
