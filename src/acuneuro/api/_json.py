"""Answers built once: a response model serialised by pydantic-core and sent as it is.

A route that returns a model lets FastAPI dump it to a dict, validate that dict into the model
again and dump it once more; for the hot reads (a patient, the list, the plans, the outcomes)
that was a sizeable part of the time spent outside the database. Those routes declare their
model as ``response_model`` (so the OpenAPI schema is unchanged) and return ``as_json(model)``:
the same JSON, made once.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel

__all__ = ["as_json"]


def as_json(model: BaseModel) -> Response:
    """``model`` as an ``application/json`` answer, serialised once."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")
