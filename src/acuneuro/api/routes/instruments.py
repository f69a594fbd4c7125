"""``/api/v1/instruments``, ``/score/{id}`` and ``/classify``: assessment without patient data.

These calls store nothing: they score answers or classify a case document with the clinical
core and answer its public JSON (the same as ``acuneuro score`` and ``acuneuro classify``).
They still need a token, because answers and case documents are health data. Bad answers
are 422 with the item named in ``loc``, the shape FastAPI uses for its own validation.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from acuneuro.api.deps import ActorDep
from acuneuro.clinical.case import ClinicalCase
from acuneuro.clinical.scoring import (
    AnswerError,
    ScoreResult,
    UnknownInstrumentError,
    describe_instrument,
    list_instruments,
    score,
)
from acuneuro.services.assessment import classify_case

__all__ = ["answer_error", "router"]

router = APIRouter(tags=["assessment"])


def answer_error(exc: AnswerError, *where: str) -> HTTPException:
    """422 naming the item, in FastAPI's validation error shape."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"loc": ["body", *where, exc.item], "msg": f"{exc.instrument}: {exc.problem}",
          "type": "value_error"}],
    )


def _unknown(exc: UnknownInstrumentError) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))


@router.get("/instruments")
def instruments(actor: ActorDep) -> list[dict[str, str]]:
    """Every instrument: id, name and version."""
    return list_instruments()


@router.get("/instruments/{instrument_id}")
def instrument(actor: ActorDep, instrument_id: str) -> dict[str, Any]:
    """One instrument: items in published order, options, cut-offs and sources."""
    try:
        return describe_instrument(instrument_id)
    except UnknownInstrumentError as exc:
        raise _unknown(exc) from None


@router.post("/score/{instrument_id}")
def score_answers(actor: ActorDep, instrument_id: str, answers: dict[str, Any]) -> ScoreResult:
    """Score ``{item id: answer}``: total, subscales, cut-off reading, interpretation, sources."""
    try:
        return score(instrument_id, answers)
    except UnknownInstrumentError as exc:
        raise _unknown(exc) from None
    except AnswerError as exc:
        raise answer_error(exc) from None


@router.post("/classify")
def classify(actor: ActorDep, case: ClinicalCase) -> dict[str, object]:
    """NeuPSIG grade and pain type of a case document, with reasons and sources."""
    try:
        return classify_case(case).as_json()
    except UnknownInstrumentError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["body", "screening", exc.instrument_id], "msg": str(exc),
              "type": "value_error"}],
        ) from None
    except AnswerError as exc:
        raise answer_error(exc, "screening", exc.instrument) from None
