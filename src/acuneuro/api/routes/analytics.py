"""``/api/v1/analytics/cohort``: the cohort figures of the caller's clinic, as on the dashboard.

The route calls one service function; clinic scope, small-cell suppression for researchers and
the aggregate-read audit row are the service's (``acuneuro.services.analytics``).
"""

from __future__ import annotations

from fastapi import APIRouter

from acuneuro.api.deps import ActorDep, ContextDep
from acuneuro.services import analytics as service
from acuneuro.services.analytics import Dashboard

__all__ = ["router"]

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get("/cohort")
def cohort(ctx: ContextDep, actor: ActorDep) -> Dashboard:
    """Per condition: patients, adherence, NRS change and responder rates with 95% intervals,
    MME change (CDC 2022 table), adverse events per 1,000 attended sessions."""
    return service.clinic_dashboard(ctx, actor)
