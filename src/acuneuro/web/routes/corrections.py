"""Corrections on the web: the "Records and corrections" section and one page per record.

The section lists every clinical record of the patient by kind, entered-in-error ones struck
through, each with a "History" disclosure (who, when, why, what changed). The record page shows
the current values in a form: "Save the correction" amends, "Mark as entered in error" keeps the
record but leaves it out of every count, "Withdraw this proposal" retires a plan never accepted.
A reason is required; a refused value is shown on its field with what was typed, and nothing
is written. Scope, roles and audit are the services'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse

from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.services import Actor, Conflict, Context, PatientView
from acuneuro.services import corrections as service
from acuneuro.services import patients as patients_service
from acuneuro.services.corrections import FieldRefused, RecordEntry
from acuneuro.web.deps import ContextDep, WebActorDep, check_csrf, render
from acuneuro.web.sections import Section, add_section

__all__ = ["router"]

router = APIRouter(prefix="/patients/{patient_id}/records", include_in_schema=False)

def _headings() -> tuple[tuple[str, str], ...]:
    """The kinds in the section's order, with their headings in the request's language."""
    return (("patient", _("Patient details")), ("episode", _("Episodes of care")),
            ("score", _("Scores")), ("session", _("Sessions")),
            ("adverse-event", _("Adverse events")), ("medicine", _("Medicines")),
            ("plan", _("Plans")))


def _records_section(ctx: Context, actor: Actor, patient: PatientView) -> Mapping[str, object]:
    entries = service.patient_records(ctx, actor, patient.id)
    groups = [(heading, [e for e in entries if e.kind == kind]) for kind, heading in _headings()]
    return {"groups": [(h, found) for h, found in groups if found]}


add_section(Section("records", N_("Records and corrections"), "sections/records.html", order=90,
                    load=_records_section))


def _page(request: Request, ctx: Context, actor: Actor, patient_id: str, entry: RecordEntry, *,
          values: Mapping[str, Any] | None = None, errors: Mapping[str, str] | None = None,
          reason: str = "", saved: bool = False, status_code: int = 200) -> Response:
    patient = patients_service.get_patient(ctx, actor, patient_id)
    shown = {k: ("" if v is None else str(v)) for k, v in entry.values.items()}
    context = {"patient": patient, "entry": entry, "values": {**shown, **(values or {})},
               "errors": dict(errors or {}), "reason": reason, "saved": saved}
    return render(request, "record.html", context, ctx=ctx, actor=actor,
                  status_code=status_code)


@router.get("/{kind}/{ref}")
def record_page(request: Request, ctx: ContextDep, actor: WebActorDep, patient_id: str,
                kind: str, ref: str, saved: str = "") -> Response:
    """One record: its values in a correction form, and its history."""
    entry = service.record_entry(ctx, actor, patient_id, kind, ref)
    return _page(request, ctx, actor, patient_id, entry, saved=saved == "1")


@router.post("/{kind}/{ref}")
async def correct_record(request: Request, ctx: ContextDep, actor: WebActorDep,
                         patient_id: str, kind: str, ref: str) -> Response:
    """Amend, mark entered in error or withdraw; a refusal is shown on its field."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    action = str(form.get("action", ""))
    reason = str(form.get("reason", "")).strip()
    version = str(form.get("version", ""))
    body: dict[str, Any] = {"reason": reason}
    if version.isdigit() and len(version) < 10:
        body["version"] = int(version)
    entry = service.record_entry(ctx, actor, patient_id, kind, ref)
    typed = {f.name: str(form.get(f.name, "")).strip() for f in entry.fields}
    try:
        if action == "error":
            service.mark_entered_in_error(ctx, actor, patient_id, kind, ref, body)
        elif action == "withdraw" and kind == "plan" and ref.isascii() and ref.isdigit() \
                and len(ref) < 10:
            service.withdraw_plan(ctx, actor, patient_id, int(ref), body)
        else:
            current = {k: ("" if v is None else str(v)) for k, v in entry.values.items()}
            body["changes"] = {k: (v or None) for k, v in typed.items() if v != current.get(k)}
            service.amend_record(ctx, actor, patient_id, kind, ref, body)
    except FieldRefused as exc:
        return _page(request, ctx, actor, patient_id, entry, values=typed, reason=reason,
                     errors={exc.field: str(exc)},
                     status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    except Conflict as exc:
        return _page(request, ctx, actor, patient_id, entry, values=typed, reason=reason,
                     errors={"reason": str(exc)}, status_code=status.HTTP_409_CONFLICT)
    return RedirectResponse(f"/patients/{patient_id}/records/{kind}/{ref}?saved=1",
                            status.HTTP_303_SEE_OTHER)
