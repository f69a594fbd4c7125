"""``acuneuro instruments``, ``score`` and ``classify``: the assessment commands.

Thin shell over :mod:`acuneuro.clinical.scoring` and :mod:`acuneuro.clinical.pain_type`:
JSON in, JSON out, and exit status 2 with a message naming the item on bad input.
"""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from acuneuro.cli._common import _, emit_json, fail, read_json, validation_message
from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.pain_type import classify as classify_case
from acuneuro.clinical.scoring import (
    AnswerError,
    UnknownInstrumentError,
    describe_instrument,
    list_instruments,
    score,
)

__all__ = ["register"]


def instruments(
    instrument_id: Annotated[
        str | None, typer.Argument(metavar="ID", help="Describe one instrument.")
    ] = None,
) -> None:
    """List the validated instruments, or describe one (items in published order)."""
    if instrument_id is None:
        emit_json(list_instruments())
        return
    try:
        emit_json(describe_instrument(instrument_id))
    except UnknownInstrumentError as exc:
        fail(str(exc))


def score_command(
    instrument_id: Annotated[str, typer.Argument(metavar="ID", help="Instrument id.")],
    answers: Annotated[
        str, typer.Option("--answers", help="JSON object item id -> answer; '-' reads stdin.")
    ],
) -> None:
    """Score one instrument: total, subscales, published cut-off, interpretation, sources."""
    try:
        describe_instrument(instrument_id)
    except UnknownInstrumentError as exc:
        fail(str(exc))
    payload = read_json(answers, "answers")
    try:
        result = score(instrument_id, payload)
    except AnswerError as exc:
        fail(str(exc))
    emit_json(result)


def classify_command(
    case: Annotated[str, typer.Option("--case", help="Clinical case JSON; '-' reads stdin.")],
) -> None:
    """NeuPSIG grade and pain type of a clinical case, with reasons and sources."""
    payload = read_json(case, "case")
    try:
        clinical_case = ClinicalCase.model_validate(payload)
    except ValidationError as exc:
        fail(_("case: %(problem)s") % {"problem": validation_message(exc)})
    try:
        result = classify_case(clinical_case)
    except UnknownInstrumentError as exc:
        fail(f"case.screening: {exc}")
    except AnswerError as exc:
        fail(f"case.screening.{exc.instrument}.{exc.item}: {exc.problem}")
    emit_json(result.as_json())


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
    app.command("instruments")(instruments)
    app.command("score")(score_command)
    app.command("classify")(classify_command)
