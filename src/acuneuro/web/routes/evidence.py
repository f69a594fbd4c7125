"""Evidence pages: per condition the forest plot, trials, pooled estimate and guidelines;
the trials behind a protocol; and printable patient information.

Evidence is published literature, not patient data: every logged-in user may read it and
nothing is audited; the pages still need a session like every other page. Figures are served
as SVG files shown with ``<img>``, so the pages carry no inline script or style.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from acuneuro.evidence.pages import (
    condition_document,
    conditions,
    evidence_links,
    forest_figure,
    patient_information,
    responder_figure,
    sources_of,
)
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import EVIDENCE_CONDITIONS, protocols
from acuneuro.web.deps import ContextDep, WebActorDep, render

__all__ = ["router"]

router = APIRouter(prefix="/evidence", include_in_schema=False)

_SVG_HEADERS = {"Cache-Control": "private, max-age=300"}


def _known(condition: str) -> str:
    if condition not in EVIDENCE_CONDITIONS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No evidence page for {condition!r}.")
    return condition


@router.get("")
def evidence_index(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """Conditions with an evidence library."""
    return render(request, "evidence_index.html", {"conditions": conditions()},
                  ctx=ctx, actor=actor)


@router.get("/protocols/{protocol_id}")
def protocol_evidence(
    request: Request, ctx: ContextDep, actor: WebActorDep, protocol_id: str
) -> Response:
    """The trials behind one protocol (those it cites first), each linking to its row."""
    proto = protocols().get(protocol_id)
    if proto is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No protocol {protocol_id!r}.")
    context = {"protocol_id": protocol_id, "protocol": proto,
               "links": evidence_links(protocol_id),
               "protocol_sources": sources_of(list(proto.sources)),
               "has_page": protocol_id in EVIDENCE_CONDITIONS}
    return render(request, "evidence_protocol.html", context, ctx=ctx, actor=actor)


@router.get("/{condition}")
def evidence_page(
    request: Request, ctx: ContextDep, actor: WebActorDep, condition: str
) -> Response:
    """Forest plot, trials table, pooled estimate in words, guidelines and corrections."""
    doc = condition_document(_known(condition))
    has_responders = any(t["effect"] and t["effect"]["measure"] == "RR" for t in doc["trials"])
    return render(request, "evidence.html", {"doc": doc, "has_responders": has_responders},
                  ctx=ctx, actor=actor)


@router.get("/{condition}/forest.svg")
def forest_svg(ctx: ContextDep, actor: WebActorDep, condition: str) -> Response:
    """The pain forest plot (SVG)."""
    return Response(forest_figure(_known(condition), "svg"), media_type="image/svg+xml",
                    headers=_SVG_HEADERS)


@router.get("/{condition}/forest.png")
def forest_png(ctx: ContextDep, actor: WebActorDep, condition: str) -> Response:
    """The pain forest plot (PNG, 150 dpi), for slides and letters."""
    return Response(forest_figure(_known(condition), "png"), media_type="image/png",
                    headers=_SVG_HEADERS)


@router.get("/{condition}/responders.svg")
def responders_svg(ctx: ContextDep, actor: WebActorDep, condition: str) -> Response:
    """Responder counts per trial (SVG), when a trial reports them."""
    figure = responder_figure(_known(condition), "svg")
    if figure is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, _("No responder data for this condition."))
    return Response(figure, media_type="image/svg+xml", headers=_SVG_HEADERS)


@router.get("/{condition}/patient")
def patient_page(
    request: Request, ctx: ContextDep, actor: WebActorDep, condition: str
) -> Response:
    """Patient information, plain language, printable (print stylesheet)."""
    info = patient_information(_known(condition))
    return render(request, "patient_info.html", {"info": info}, ctx=ctx, actor=actor)
