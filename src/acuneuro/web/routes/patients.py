"""Patient pages: the list with search, the new-patient form and the patient page.

Each route parses the form, calls one service function and renders; clinic scope, role
checks and the audit trail are the services'. Searches are POSTed so names stay out of URLs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from acuneuro.services import Actor, Conflict, Context, PatientCreate
from acuneuro.services import patients as service
from acuneuro.services.corrections import FieldRefused
from acuneuro.services.messages import sentence_of
from acuneuro.services.patients import PatientSort, ProbableDuplicate
from acuneuro.web.deps import ContextDep, WebActorDep, check_csrf, render
from acuneuro.web.sections import PATIENT_SECTIONS

__all__ = ["router"]

router = APIRouter(prefix="/patients", include_in_schema=False)

_FORM_FIELDS = ("given_name", "family_name", "date_of_birth", "sex", "phone", "email",
                "record_number", "condition_kind", "icd10", "onset")


_PAGE = 100
# Beyond any clinic's size; keeps OFFSET inside the databases' 64-bit range.
_MAX_OFFSET = 10**9


@router.get("")
def patient_list(
    request: Request,
    ctx: ContextDep,
    actor: WebActorDep,
    offset: Annotated[int, Query(ge=0, le=_MAX_OFFSET)] = 0,
    sort: PatientSort = PatientSort.NAME,
) -> Response:
    """The clinic's patients, a page of 100 at a time, in the order chosen."""
    return _list_page(request, ctx, actor, "", sort, offset)


@router.post("/search")
def patient_search(
    request: Request,
    ctx: ContextDep,
    actor: WebActorDep,
    csrf: Annotated[str, Form()] = "",
    q: Annotated[str, Form(max_length=200)] = "",
    sort: Annotated[PatientSort, Form()] = PatientSort.NAME,
    offset: Annotated[int, Form(ge=0, le=_MAX_OFFSET)] = 0,
) -> Response:
    """The list filtered by name, birth date, record number or id (HTMX swaps the results).

    Paging through a search posts again (the terms stay out of URLs and server logs).
    """
    check_csrf(request, csrf)
    return _list_page(request, ctx, actor, q, sort, offset)


def _list_page(
    request: Request, ctx: Context, actor: Actor, q: str, sort: PatientSort, offset: int
) -> Response:
    page = service.search_patients(ctx, actor, q, sort=sort, limit=_PAGE, offset=offset)
    shown_to = min(page.offset + len(page.items), page.total)
    context = {
        "page": page, "patients": page.items, "q": q, "sort": sort, "sorts": list(PatientSort),
        "first": page.offset + 1 if page.items else 0, "last": shown_to,
        "previous": max(0, page.offset - _PAGE) if page.offset > 0 else None,
        "next": page.offset + _PAGE if page.offset + _PAGE < page.total else None,
    }
    return render(request, "patients.html", context, ctx=ctx, actor=actor)


@router.get("/new")
def new_patient_form(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """The empty new-patient form."""
    return render(request, "patient_new.html", {"values": {}, "errors": {}}, ctx=ctx, actor=actor)


@router.post("/new")
async def create_patient(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """Create the patient and show their page, or show the form again with what was wrong."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    values = {name: str(form.get(name, "")).strip() for name in _FORM_FIELDS}
    errors: dict[str, str] = {}
    confirmed = form.get("confirm_duplicate") == "yes"
    try:
        data = PatientCreate.model_validate(
            {**_to_model(values), "confirm_duplicate": confirmed})
        patient = service.create_patient(ctx, actor, data)
    except ProbableDuplicate as exc:
        # Nothing was written: show who already exists, with the form as typed and a
        # "create anyway" button that sends it again with the confirmation.
        return render(request, "patient_new.html",
                      {"values": values, "errors": {}, "duplicates": exc.candidates},
                      ctx=ctx, actor=actor, status_code=status.HTTP_409_CONFLICT)
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(p) for p in error["loc"]]
            field = "condition_kind" if loc[:2] == ["condition", "kind"] else loc[-1]
            errors.setdefault(field, sentence_of(error).sentence)
    except FieldRefused as exc:
        errors[exc.field] = str(exc)
    except Conflict as exc:
        errors["record_number"] = str(exc).split(": ", 1)[-1]
    if errors:
        return render(request, "patient_new.html", {"values": values, "errors": errors}, ctx=ctx,
                      actor=actor, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return RedirectResponse(f"/patients/{patient.id}", status.HTTP_303_SEE_OTHER)


@router.get("/{patient_id}")
def patient_page(
    request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str
) -> Response:
    """The patient page: one block per registered section."""
    patient = service.get_patient(ctx, actor, patient_id)
    sections = [
        (section, dict(section.load(ctx, actor, patient)) if section.load else {})
        for section in PATIENT_SECTIONS
    ]
    return render(request, "patient.html", {"patient": patient, "sections": sections},
                  ctx=ctx, actor=actor)


def _to_model(values: dict[str, str]) -> dict[str, object]:
    """Form strings to the API's shape: empty means not given."""
    data: dict[str, object] = {
        k: v for k, v in values.items()
        if v and k not in {"condition_kind", "icd10", "onset"}
    }
    if values["condition_kind"]:
        condition = {"kind": values["condition_kind"], "icd10": values["icd10"] or None,
                     "onset": values["onset"] or None}
        data["condition"] = {k: v for k, v in condition.items() if v is not None}
    return data
