"""``/api/v1/meta`` and ``/api/v1/evidence``: meta-analysis and the evidence library.

Evidence is published literature, not patient data, so any logged-in user (every role) may
read it and no audit row is written; it still needs a bearer token, like every route of the
API except ``/health``, so the service is not an open statistics server and the library is
read by people the clinic knows. ``POST /meta`` answers the same JSON as ``acuneuro meta``;
a bad table is 422 with the row and column in the message (``evidence.tabular``).

Limits (docs/security.md, "Resource limits"): the body is at most ``MAX_TABLE_BYTES``
(refused with 413 by ``api.BodyLimit`` while it streams in, before it is read or the token is
checked), a table has at most ``MAX_STUDIES`` rows and ``MAX_COLUMNS`` columns (422 naming the
limit). The engine's memory is linear in the number of studies (``evidence._algebra``), so the
largest table allowed costs a few tens of MB (``tests/api/test_meta_limits.py``).
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from starlette.datastructures import UploadFile

from acuneuro.api.deps import ActorDep, ContextDep, rate_limited
from acuneuro.evidence.bias import egger_test
from acuneuro.evidence.meta import METHODS, TESTS, meta_analysis
from acuneuro.evidence.pages import condition_document, conditions, forest_figure
from acuneuro.evidence.tabular import TableError, read_table
from acuneuro.knowledge import EVIDENCE_CONDITIONS
from acuneuro.services.evidence_library import library
from acuneuro.services.throttle import Work

__all__ = ["MAX_COLUMNS", "MAX_STUDIES", "MAX_TABLE_BYTES", "meta_json", "router"]

router = APIRouter(tags=["evidence"])

MAX_TABLE_BYTES = 1_000_000
# The largest published meta-analyses pool a few thousand studies; 10,000 leaves room and keeps
# one request to well under a second and ~50 MB (design choice, measured in the test above).
MAX_STUDIES = 10_000
MAX_COLUMNS = 32  # the widest layout has 7 columns; extra ones are allowed but not unbounded
_MEASURES = ("MD", "SMD", "RR", "OR", "RD", "GEN")
_OPTIONS = {k: {"type": "string"} for k in ("measure", "method", "test")}
_META_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    "application/json": {"schema": {
        "type": "object", "required": ["rows"],
        "properties": {"rows": {"type": "array", "items": {"type": "object"}}, **_OPTIONS}}},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}, **_OPTIONS}}},
}}}


def _image(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}


def _invalid(where: list[str | int], msg: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"loc": where, "msg": msg, "type": "value_error"}],
    )


def _option(value: Any, name: str, allowed: tuple[str, ...]) -> str | None:
    if value is None or value == "":
        return None
    text = str(value)
    for choice in allowed:
        if text.upper() == choice.upper():
            return choice
    raise _invalid(["query", name], f"{name}: {text} is not one of {'|'.join(allowed)}")


def _rows_from_json(body: Any) -> tuple[list[str], list[list[str]], dict[str, Any]]:
    options: dict[str, Any] = {}
    rows = body
    if isinstance(body, dict):
        options = {k: body.get(k) for k in ("measure", "method", "test")}
        rows = body.get("rows")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise _invalid(["body", "rows"], "rows: expected a list of objects, one per study")
    _check_size(len(rows), ["body", "rows"])
    names: dict[str, None] = {}
    for row in rows:
        names.update((str(k), None) for k in row)
        if len(names) > MAX_COLUMNS:
            raise _invalid(["body", "rows"],
                           f"rows: the studies use more than {MAX_COLUMNS} different columns")
    header = list(names)
    cells = [["" if r.get(h) is None else str(r.get(h)) for h in header] for r in rows]
    return header, cells, options


def _check_size(studies: int, where: list[str | int]) -> None:
    if studies > MAX_STUDIES:
        raise _invalid(where, f"{where[-1]}: {studies:,} studies; at most {MAX_STUDIES:,} "
                              "can be pooled in one request")


async def _table(request: Request) -> tuple[list[str], list[list[str]], dict[str, Any]]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        async with request.form() as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise _invalid(["body", "file"], "file: upload the CSV study table as 'file'")
            raw = await upload.read(MAX_TABLE_BYTES + 1)
            options = {k: form.get(k) for k in ("measure", "method", "test")}
    else:
        raw = await request.body()
        options = {}
    if len(raw) > MAX_TABLE_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"the study table is over {MAX_TABLE_BYTES:,} bytes")
    if kind == "application/json":
        try:
            return _rows_from_json(json.loads(raw))
        except ValueError:
            raise _invalid(["body"], "body: not valid JSON") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _invalid(["body"], "body: the CSV is not UTF-8 text") from None
    # newline="": csv then splits on \r, \n and \r\n itself (a lone \r otherwise raised a 500).
    try:
        reader = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _invalid(["body"], f"body: not a CSV table: {exc}") from None
    header, rows = (reader[0], reader[1:]) if reader else ([], [])
    _check_size(len(rows), ["body"])
    if len(header) > MAX_COLUMNS:
        raise _invalid(["body"], f"body: the header has {len(header)} columns; at most "
                                 f"{MAX_COLUMNS} are read")
    return header, rows, options


@router.post("/meta", openapi_extra=_META_BODY,
             dependencies=[Depends(rate_limited(Work.META))])
async def meta(
    request: Request,
    actor: ActorDep,
    measure: str | None = None,
    method: str | None = None,
    test: str | None = None,
) -> dict[str, Any]:
    """Pool a study table (CSV body, a multipart ``file``, or JSON ``{"rows": [...]}``).

    Layouts and defaults as ``acuneuro meta``: REML, z test, SMD for arms with means, RR for
    events, GEN for ``yi,vi``/``yi,sei``. Options come from the query or, for JSON and
    multipart bodies, from the body.
    """
    header, rows, options = await _table(request)
    return meta_json(header, rows, measure or options.get("measure"),
                     method or options.get("method"), test or options.get("test"))


def _finite(value: Any) -> Any:
    # JSON has no NaN or infinity: an undefined statistic (e.g. Q's p with k = 1) is null.
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def meta_json(
    header: list[str], rows: list[list[str]], measure: Any, method: Any, test: Any
) -> dict[str, Any]:
    """The ``acuneuro meta`` JSON for a study table; ``HTTPException(422)`` naming what is wrong.

    Non-finite numbers are ``null`` (the CLI prints them as NaN).
    """
    measure_u = _option(measure, "measure", _MEASURES)
    method_u = _option(method, "method", METHODS) or "REML"
    test_u = _option(test, "test", TESTS) or "z"
    try:
        table = read_table(header, rows, measure_u)
    except TableError as exc:
        raise _invalid(["body"], str(exc)) from None
    if len(table.yi) < 2:
        raise _invalid(["body"], f"k = {len(table.yi)}; a meta-analysis needs at least 2 studies")
    try:
        res = meta_analysis(table.yi, table.vi, method=method_u, test=test_u,
                            measure=table.measure, labels=table.labels)
        out: dict[str, Any] = res.summary()
        if res.k >= 3:
            egger = egger_test(res.yi, res.vi, method=method_u, test=test_u)
            out["egger"] = {"stat": egger.stat, "p": egger.p,
                            "underpowered": egger.underpowered}
    except (ValueError, ArithmeticError) as exc:
        raise _invalid(["body"], f"the studies cannot be pooled: {exc}") from None
    out["studies"] = [
        {"study": s, "yi": y, "vi": v, "weight": w}
        for s, y, v, w in zip(res.labels, res.yi, res.vi, res.weights, strict=True)
    ]
    if "egger" in out:
        out["egger"] = out.pop("egger")  # after "studies", the CLI's key order
    return dict(_finite(out))


def _known(condition: str) -> str:
    if condition not in EVIDENCE_CONDITIONS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no evidence page for {condition!r}; conditions: {', '.join(EVIDENCE_CONDITIONS)}",
        )
    return condition


@router.get("/evidence")
def evidence_index(ctx: ContextDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Conditions with an evidence library: title, trials listed, trials in the pain plot."""
    return conditions(library=library(ctx, actor))


@router.get("/evidence/{condition}")
def evidence(ctx: ContextDep, actor: ActorDep, condition: str) -> dict[str, Any]:
    """Trials, one pooled pain difference per comparator class (mixed only as a labelled
    sensitivity analysis), GRADE summary of findings, RoB 2 and guideline statements; the
    clinic's verified library entries included."""
    return condition_document(_known(condition), library=library(ctx, actor))


@router.get("/evidence/{condition}/forest.svg", response_class=Response,
            responses=_image("image/svg+xml"))
def forest_svg(ctx: ContextDep, actor: ActorDep, condition: str) -> Response:
    """The forest plot of the condition's first comparison as SVG."""
    figure = forest_figure(_known(condition), "svg", library=library(ctx, actor))
    return Response(figure, media_type="image/svg+xml")


@router.get("/evidence/{condition}/forest.png", response_class=Response,
            responses=_image("image/png"))
def forest_png(ctx: ContextDep, actor: ActorDep, condition: str) -> Response:
    """The forest plot of the condition's first comparison as PNG (150 dpi)."""
    figure = forest_figure(_known(condition), "png", library=library(ctx, actor))
    return Response(figure, media_type="image/png")
