"""``/api/v1/patients/{id}/scores``: record and list a patient's instrument scores.

The routes parse, call one service function and render; clinic scope (404 for another
clinic's patient, checked before the body so the answer reveals nothing), role checks and
the audit trail are the services' (:mod:`acuneuro.services.assessment`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, status
from pydantic import BaseModel, ValidationError

from acuneuro.api.deps import ActorDep, ContextDep
from acuneuro.api.routes.instruments import answer_error
from acuneuro.clinical.scoring import AnswerError, UnknownInstrumentError
from acuneuro.services import assessment as service
from acuneuro.services.assessment import ScoreIn, ScoreView

__all__ = ["ScoreList", "router"]

router = APIRouter(prefix="/patients/{patient_id}/scores", tags=["assessment"])


class ScoreList(BaseModel):
    """A patient's scores, newest first."""

    items: list[ScoreView]
    count: int


_BODY_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": ScoreIn.model_json_schema()}},
    }
}


@router.post("", status_code=status.HTTP_201_CREATED, openapi_extra=_BODY_SCHEMA)
def record_score(
    ctx: ContextDep,
    actor: ActorDep,
    patient_id: str,
    body: Annotated[Any, Body(include_in_schema=False)],
) -> ScoreView:
    """Score the answers with the current definition and store them with its version.

    The body is a ``ScoreIn``: ``instrument``, ``answers`` (item id -> answer),
    ``taken_on`` (default today) and ``completed_by`` (``patient`` accepts self-report items
    only). 422 names the field or the item.
    """
    try:
        return service.record_score(ctx, actor, patient_id, body)
    except ValidationError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
             for e in exc.errors(include_url=False, include_context=False)],
        ) from None
    except (UnknownInstrumentError, service.NotStorable, service.NotSelfReport) as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["body", "instrument"], "msg": str(exc), "type": "value_error"}],
        ) from None
    except AnswerError as exc:
        raise answer_error(exc, "answers") from None


@router.get("")
def list_scores(
    ctx: ContextDep,
    actor: ActorDep,
    patient_id: str,
    instrument: Annotated[str | None, Query(max_length=32)] = None,
) -> ScoreList:
    """The patient's stored scores (as scored: never re-scored), newest first."""
    items = service.list_scores(ctx, actor, patient_id, instrument_id=instrument)
    return ScoreList(items=items, count=len(items))
