"""The clinic's living trial library: enter or correct a trial, import CSV, verify, history.

Thin over ``services.evidence_library`` (which checks the role, audits and refuses self-
verification): a refused entry is shown again with what was typed and a sentence on each field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from acuneuro.evidence.curation import COLUMNS, CurationError
from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.services import ServiceError
from acuneuro.services import evidence_library as lib
from acuneuro.web.deps import ContextDep, WebActorDep, check_csrf, render

__all__ = ["router"]

router = APIRouter(prefix="/evidence", include_in_schema=False)

_DONE = {"added": N_("The entry was saved. It waits for a second person to verify it before "
                     "it enters any pooled estimate."),
         "imported": N_("The file was imported. Each row waits for a second person to verify it."),
         "verified": N_("The entry was verified: the evidence pages now use these numbers."),
         "rejected": N_("The entry was rejected: it will not be used.")}


def _page(request: Request, ctx: ContextDep, actor: WebActorDep, *, form: dict[str, str],
          errors: dict[str, str], general: list[str], done: str | None,
          status_code: int = 200) -> Response:
    to_read = [t for t in lib.library(ctx, actor) if t.data is None and t.to_read]
    context = {"pending": lib.pending(ctx, actor), "columns": COLUMNS, "form": form,
               "to_read": to_read,
               "errors": errors, "general": general,
               "done": _(_DONE[done]) if done in _DONE else None}
    return render(request, "evidence_library.html", context, ctx=ctx, actor=actor,
                  status_code=status_code)


@router.get("/library")
def library_page(request: Request, ctx: ContextDep, actor: WebActorDep,
                 done: str | None = None) -> Response:
    """Entries waiting for verification, the entry form and the CSV import."""
    return _page(request, ctx, actor, form={}, errors={}, general=[], done=done)


@router.post("/library")
async def add_entry(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """Save one entry (pending); on a refusal, show the form again with each field's problem."""
    data = await request.form()
    check_csrf(request, str(data.get("csrf", "")))
    form = {c: str(data.get(c, ""))[:500] for c in (*COLUMNS, "reason")}
    try:
        lib.propose(ctx, actor, form)
    except CurationError as exc:
        errors = {p.column: p.message for p in exc.problems}
        return _page(request, ctx, actor, form=form, errors=errors, general=[], done=None,
                     status_code=status.HTTP_400_BAD_REQUEST)
    return RedirectResponse("/evidence/library?done=added", status.HTTP_303_SEE_OTHER)


@router.post("/library/import")
async def import_entries(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """Import a CSV of entries: all rows or none, each problem named by row and column."""
    # The form is read by hand so its CSRF token is checked before anything else of it: a
    # forged post without a file is refused as forged, not answered with a validation error.
    async with request.form() as data:  # closes the uploaded file's spool when done
        check_csrf(request, str(data.get("csrf", "")))
        file = data.get("file")
        raw = await file.read(1_000_001) if isinstance(file, UploadFile) else None
    if raw is None:
        return _page(request, ctx, actor, form={}, errors={}, done=None,
                     general=[_("Choose the CSV file to import.")],
                     status_code=status.HTTP_400_BAD_REQUEST)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _page(request, ctx, actor, form={}, errors={}, done=None,
                     general=[_("The file is not UTF-8 text: save it as CSV UTF-8.")],
                     status_code=status.HTTP_400_BAD_REQUEST)
    try:
        lib.import_csv(ctx, actor, text)
    except CurationError as exc:
        return _page(request, ctx, actor, form={}, errors={}, done=None,
                     general=[_("Nothing was imported.")] + [str(p) for p in exc.problems],
                     status_code=status.HTTP_400_BAD_REQUEST)
    return RedirectResponse("/evidence/library?done=imported", status.HTTP_303_SEE_OTHER)


@router.post("/library/{entry_id}/verify")
def verify_entry(
    request: Request, ctx: ContextDep, actor: WebActorDep, entry_id: int,
    decision: Annotated[str, Form()] = "verify", csrf: Annotated[str, Form()] = "",
) -> Response:
    """Verify (or reject) another person's entry."""
    check_csrf(request, csrf)
    accept = decision != "reject"
    try:
        lib.verify(ctx, actor, entry_id, accept=accept)
    except lib.CurationRefused as exc:
        return _page(request, ctx, actor, form={}, errors={}, general=[str(exc)], done=None,
                     status_code=status.HTTP_409_CONFLICT)
    except ServiceError:
        raise
    done = "verified" if accept else "rejected"
    return RedirectResponse(f"/evidence/library?done={done}", status.HTTP_303_SEE_OTHER)


@router.get("/trials/{trial_id}/history")
def trial_history(request: Request, ctx: ContextDep, actor: WebActorDep,
                  trial_id: str) -> Response:
    """Every revision of a trial's numbers with who entered and verified it, and when."""
    rows = lib.history(ctx, actor, trial_id[:64])
    return render(request, "evidence_history.html", {"trial_id": trial_id[:64], "rows": rows},
                  ctx=ctx, actor=actor, status_code=200 if rows else 404)
