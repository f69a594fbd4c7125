"""``/api/v1/health``: is the service up and its database reachable."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import APIRouter
from pydantic import BaseModel

from acuneuro.api.deps import ContextDep
from acuneuro.services.health import check_database

__all__ = ["router"]

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The answer of the health check."""

    status: str
    version: str
    database: str


@router.get("/health")
def health(ctx: ContextDep) -> Health:
    """``ok`` when the database answers a trivial query."""
    return Health(status="ok", version=version("acuneuro"), database=check_database(ctx))
