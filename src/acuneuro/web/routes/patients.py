"""Patient pages: the list with search, the new-patient form and the patient page.

Each route parses the form, calls one service function and renders; clinic scope, role
checks and the audit trail are the services'. Searches are POSTed so names stay out of URLs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from acuneuro.services import Conflict, PatientCreate
from acuneuro.services import patients as service
from acuneuro.web.deps import ContextDep, WebActorDep, check_csrf, render
from acuneuro.web.sections import PATIENT_SECTIONS

__all__ = ["router"]

router = APIRouter(prefix="/patients", include_in_schema=False)

_FORM_FIELDS = ("given_name", "family_name", "date_of_birth", "sex", "phone", "email",
                "record_number", "condition_kind", "icd10", "onset")


@router.get("")
def patient_list(request: Request, ctx: ContextDep, actor: WebActorDep) -> Response:
    """Every patient of the clinic (first 100, by family name)."""
    found = service.list_patients(ctx, actor)
    return render(request, "patients.html", {"patients": found, "q": ""}, ctx=ctx, actor=actor)


@router.post("/search")
def patient_search(
    request: Request,
    ctx: ContextDep,
    actor: WebActorDep,
    csrf: Annotated[str, Form()] = "",
    q: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The list filtered by name, record number or id (HTMX swaps just the table)."""
    check_csrf(request, csrf)
    found = service.list_patients(ctx, actor, q)
    return render(request, "patients.html", {"patients": found, "q": q}, ctx=ctx, actor=actor)


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
    try:
        data = PatientCreate.model_validate(_to_model(values))
        patient = service.create_patient(ctx, actor, data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(p) for p in error["loc"]]
            field = "condition_kind" if loc[:2] == ["condition", "kind"] else loc[-1]
            errors[field] = error["msg"]
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
