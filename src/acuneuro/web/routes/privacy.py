"""The privacy page: the rules the clinic works under (GDPR and the Italian privacy code beside
HIPAA) and what acuneuro does for each, with sources; readable before logging in."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from acuneuro.knowledge import bibliography, privacy_notice
from acuneuro.web.deps import ContextDep, LoginRequired, render, web_actor

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/privacy")
def privacy_page(request: Request, ctx: ContextDep) -> Response:
    """Each framework's statements in the reader's language, each with its sources."""
    try:
        actor = web_actor(request, ctx)
    except LoginRequired:  # the kiosk's too: nothing of a patient is on this page
        actor = None
    sources = bibliography()
    frameworks = [{"label": f.label, "statements": [
        {"text": s.statement, "sources": [sources[i] for i in s.sources]} for s in f.statements]}
        for f in privacy_notice()]
    return render(request, "privacy.html", {"frameworks": frameworks}, ctx=ctx, actor=actor)
