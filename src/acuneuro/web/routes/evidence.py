"""Evidence pages: per condition the forest plot, trials, pooled estimate and guidelines;
the trials behind a protocol; and printable patient information.

Evidence is published literature, not patient data: every logged-in user may read it and
nothing is audited; the pages still need a session like every other page. Figures are served
as SVG files shown with ``<img>``, so the pages carry no inline script or style.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Request, Response, status

from acuneuro.evidence.export import (
    REVMAN_COLUMNS,
    STUDY_COLUMNS,
    result_rows,
    revman_rows,
    study_rows,
    to_csv,
    to_xlsx,
)
from acuneuro.evidence.library import condition_evidence
from acuneuro.evidence.pages import (
    condition_document,
    conditions,
    evidence_links,
    forest_figure,
    funnel_figure,
    patient_information,
    responder_figure,
    sources_of,
)
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import EVIDENCE_CONDITIONS, Trial, protocols
from acuneuro.services.evidence_library import library
from acuneuro.web.deps import ContextDep, WebActorDep, render

__all__ = ["router"]

router = APIRouter(prefix="/evidence", include_in_schema=False)

_SVG_HEADERS = {"Cache-Control": "private, max-age=300"}


def _known(condition: str) -> str:
    if condition not in EVIDENCE_CONDITIONS:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            _("No evidence page for “%(condition)s”.") % {"condition": condition})
    return condition


@router.get("")
def evidence_index(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """Conditions with an evidence library."""
    return render(request, "evidence_index.html",
                  {"conditions": conditions(library=library(ctx, actor))},
                  ctx=ctx, actor=actor)


@router.get("/protocols/{protocol_id}")
def protocol_evidence(
    request: Request, ctx: ContextDep, actor: WebActorDep, protocol_id: str
) -> Response:
    """The trials behind one protocol (those it cites first), each linking to its row."""
    proto = protocols().get(protocol_id)
    if proto is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            _("No protocol “%(protocol)s”.") % {"protocol": protocol_id})
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
    doc = condition_document(_known(condition), library=library(ctx, actor))
    has_responders = any(t["effect"] and t["effect"]["measure"] == "RR" for t in doc["trials"])
    return render(request, "evidence.html", {"doc": doc, "has_responders": has_responders},
                  ctx=ctx, actor=actor)


_MEDIA = {"svg": "image/svg+xml", "png": "image/png"}


@router.get("/{condition}/forest.svg")
def forest_svg(ctx: ContextDep, actor: WebActorDep, condition: str) -> Response:
    """The forest plot of the condition's first comparison (SVG)."""
    figure = forest_figure(_known(condition), "svg", library=library(ctx, actor))
    return Response(figure, media_type="image/svg+xml", headers=_SVG_HEADERS)


@router.get("/{condition}/forest.png")
def forest_png(ctx: ContextDep, actor: WebActorDep, condition: str) -> Response:
    """The forest plot of the condition's first comparison (PNG, 150 dpi)."""
    figure = forest_figure(_known(condition), "png", library=library(ctx, actor))
    return Response(figure, media_type="image/png", headers=_SVG_HEADERS)


def _figure_format(ext: str) -> Literal["svg", "png"]:
    if ext == "svg":
        return "svg"
    if ext == "png":
        return "png"
    raise HTTPException(status.HTTP_404_NOT_FOUND, _("Figures are available as SVG or PNG."))


@router.get("/{condition}/forest/{comparison}.{ext}")
def comparison_forest(
    ctx: ContextDep, actor: WebActorDep, condition: str, comparison: str, ext: str
) -> Response:
    """Forest plot of one comparison (comparator class, or ``mixed`` sensitivity analysis)."""
    fmt = _figure_format(ext)
    try:
        figure = forest_figure(_known(condition), fmt, comparison=comparison,
                               library=library(ctx, actor))
    except KeyError:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            _("No such comparison for this condition.")) from None
    return Response(figure, media_type=_MEDIA[fmt], headers=_SVG_HEADERS)


@router.get("/{condition}/funnel/{comparison}.{ext}")
def comparison_funnel(
    ctx: ContextDep, actor: WebActorDep, condition: str, comparison: str, ext: str
) -> Response:
    """Funnel plot of one pooled comparison, with Egger's test or why it is not shown."""
    fmt = _figure_format(ext)
    figure = funnel_figure(_known(condition), fmt, comparison=comparison,
                           library=library(ctx, actor))
    if figure is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            _("This comparison has no pooled estimate to draw a funnel for."))
    return Response(figure, media_type=_MEDIA[fmt], headers=_SVG_HEADERS)


def _download(body: str | bytes, media_type: str, name: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _exports(condition: str, trials_: tuple[Trial, ...]) -> tuple[list[dict[str, object]], ...]:
    ev = condition_evidence(condition, library=trials_)
    pooled = [(c.label, c.result) for c in ev.comparisons if c.result is not None]
    if ev.sensitivity is not None and ev.sensitivity.result is not None:
        pooled.append((ev.sensitivity.label, ev.sensitivity.result))
    return study_rows(ev, sensitivity=True), result_rows(pooled), revman_rows(ev)


@router.get("/{condition}/export.csv")
def export_csv(ctx: ContextDep, actor: WebActorDep, condition: str) -> Response:
    """Study data of every comparison (sensitivity analysis included) as CSV."""
    studies, _results, _revman = _exports(_known(condition), library(ctx, actor))
    return _download(to_csv(STUDY_COLUMNS, studies), "text/csv; charset=utf-8",
                     f"{condition}-studies.csv")


@router.get("/{condition}/revman.csv")
def export_revman(ctx: ContextDep, actor: WebActorDep, condition: str) -> Response:
    """A RevMan-compatible study table (arm data or estimate and SE per trial)."""
    _studies, _results, revman = _exports(_known(condition), library(ctx, actor))
    return _download(to_csv(REVMAN_COLUMNS, revman), "text/csv; charset=utf-8",
                     f"{condition}-revman.csv")


@router.get("/{condition}/export.xlsx")
def export_xlsx(ctx: ContextDep, actor: WebActorDep, condition: str) -> Response:
    """Studies, pooled results and the RevMan table as one Excel workbook."""
    studies, results, revman = _exports(_known(condition), library(ctx, actor))
    body = to_xlsx([(_("Studies"), STUDY_COLUMNS, studies),
                    (_("Results"), tuple(results[0]) if results else ("analysis",), results),
                    ("RevMan", REVMAN_COLUMNS, revman)])
    return _download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"{condition}-evidence.xlsx")


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
