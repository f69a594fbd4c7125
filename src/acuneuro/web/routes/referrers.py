"""The directory of referring doctors: list and add (``/referrers``), edit (``/referrers/N``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from acuneuro.i18n import gettext as _
from acuneuro.services import Actor, Conflict, Context
from acuneuro.services import referrers as service
from acuneuro.services.messages import field_errors
from acuneuro.web.deps import ContextDep, WebActorDep, check_csrf, render

__all__ = ["router"]

router = APIRouter(prefix="/referrers", include_in_schema=False)
_FIELDS = ("name", "practice", "address")


def _page(request: Request, ctx: Context, actor: Actor, *, editing: service.ReferrerView | None,
          values: dict[str, str], errors: dict[str, str], saved: str | None = None,
          status_code: int = 200) -> Response:
    return render(request, "referrers.html", {
        "referrers": service.list_referrers(ctx, actor), "editing": editing, "values": values,
        "errors": errors, "saved": saved}, ctx=ctx, actor=actor, status_code=status_code)


@router.get("")
def directory(request: Request, ctx: ContextDep, actor: WebActorDep, saved: str = ""
              ) -> Response:
    """The clinic's referrers and the form to add one."""
    message = _("Saved: %(name)s.") % {"name": saved} if saved else None
    return _page(request, ctx, actor, editing=None, values={}, errors={}, saved=message)


@router.get("/{referrer_id}")
def edit_page(request: Request, ctx: ContextDep, actor: WebActorDep, referrer_id: int
              ) -> Response:
    """The form to change one referrer."""
    found = service.get_referrer(ctx, actor, referrer_id)
    values = {"name": found.name, "practice": found.practice, "address": found.address,
              "active": "yes" if found.active else ""}
    return _page(request, ctx, actor, editing=found, values=values, errors={})


async def _save(request: Request, ctx: Context, actor: Actor, referrer_id: int | None
                ) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    values = {k: str(form.get(k, "")) for k in _FIELDS}
    values["active"] = "yes" if form.get("active") == "yes" or referrer_id is None else ""
    data = {**{k: values[k] for k in _FIELDS}, "active": values["active"] == "yes"}
    editing = None if referrer_id is None else service.get_referrer(ctx, actor, referrer_id)
    errors: dict[str, str] = {}
    try:
        saved = (service.add_referrer(ctx, actor, data) if referrer_id is None
                 else service.update_referrer(ctx, actor, referrer_id, data))
    except ValidationError as exc:
        for error in field_errors(exc):
            errors.setdefault(error.field or "name", error.sentence)
    except Conflict as exc:
        errors["name"] = str(exc)[:1].upper() + str(exc)[1:] + "."
    if errors:  # nothing was written; the form keeps what was typed
        return _page(request, ctx, actor, editing=editing, values=values, errors=errors,
                     status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return RedirectResponse(f"/referrers?saved={saved.name}", status.HTTP_303_SEE_OTHER)


@router.post("")
async def add(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """Add a referrer; the directory again with a confirmation."""
    return await _save(request, ctx, actor, None)


@router.post("/{referrer_id}")
async def update(request: Request, ctx: ContextDep, actor: WebActorDep, referrer_id: int
                 ) -> Response:
    """Save the changes to one referrer."""
    return await _save(request, ctx, actor, referrer_id)
