"""The expected outcome of every route of the application, and the helpers that try them.

``RULES`` maps "METHOD /path" (as the application declares it) to a ``Rule``. Who may call a
route comes from the services' policy (``services._policy.POLICY``) through the rule's use
case, so the test checks the policy as declared and the routes as built against each other.
A route without a rule is a failure (``uncovered``): adding a route means deciding who may
call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from uuid import uuid4

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from acuneuro.clinical.case import RiskFactors
from acuneuro.interop.fhir_questionnaire import questionnaire_response
from acuneuro.services._policy import UseCase, roles_for
from acuneuro.store import Role

from ._world import LIBRARY_ENTRY, next_open_day

__all__ = ["RULES", "Rule", "declared_routes", "uncovered"]

Kind = Literal["public", "api", "web", "static"]
Body = Callable[[dict[str, str]], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """Who may call a route and how to call it.

    ``use_case`` None means public (no login). ``scoped``: the path or body names an object of
    one clinic, so another clinic's caller must get 404. ``json``/``form``/``fhir`` build the
    body from the fixture ids (a body that would pass validation, so a refusal cannot hide
    behind a 422).
    """

    kind: Kind
    use_case: UseCase | None = None
    scoped: bool = False
    json: Body | None = None
    form: Body | None = None
    fhir: Body | None = None
    files: Body | None = None
    # Owner's answers that still count as "allowed" (e.g. a second accept of one plan is 400).
    owner_ok: frozenset[int] = field(default_factory=frozenset)
    # Logging out ends every session of the caller's account, so the matrix calls it last.
    ends_session: bool = False

    def roles(self) -> frozenset[Role]:
        """The roles the policy lets through; every role for a public route."""
        return frozenset(Role) if self.use_case is None else roles_for(self.use_case)


def _api(use_case: UseCase, *, scoped: bool = False, json: Body | None = None,
         fhir: Body | None = None) -> Rule:
    return Rule("api", use_case, scoped, json=json, fhir=fhir)


def _web(use_case: UseCase, *, scoped: bool = False, form: Body | None = None) -> Rule:
    return Rule("web", use_case, scoped, form=form)


def _case(ids: dict[str, str]) -> dict[str, Any]:
    today = date.today().isoformat()
    return {
        "pain": {"regions": [{"region": "foot", "side": "both"}], "nrs": 6},
        "chemotherapy": {"agents": ["oxaliplatin"], "active": False, "last_dose": "2026-06-10"},
        "labs": {"taken": today, "platelets_per_ul": 162000, "anc_per_ul": 2400},
        "medications": [], "devices": [], "skin": [], "lymphoedema": [],
        "bleeding_disorder": False, "fainting_with_needles": False,
        "risk_factors": RiskFactors.none_present().model_dump(mode="json"),
        "findings": {"protective_sensation_lost": False}, "assessed_on": today,
    }  # fmt: skip


def _new_patient(ids: dict[str, str]) -> dict[str, Any]:
    return {"given_name": "Created", "family_name": "Bymatrix", "date_of_birth": "1970-01-01"}


def _questionnaire_response(ids: dict[str, str]) -> dict[str, Any]:
    return questionnaire_response("nrs", {"pain": 4}, subject=f"Patient/{ids['patient_id']}",
                                  authored=date.today().isoformat())


_PATIENTS = UseCase.PATIENT_RECORD
_TOOLS = UseCase.CLINICAL_TOOLS
_BOOK = UseCase.APPOINTMENT_READ
_CURATE = UseCase.EVIDENCE_CURATE
_LIBRARY_CSV = (",".join(LIBRARY_ENTRY) + "\n"
                + ",".join(v.replace(",", "") for v in LIBRARY_ENTRY.values()) + "\n")

RULES: dict[str, Rule] = {
    # Public: no login, no patient data.
    "GET /api/v1/openapi.json": Rule("public"),
    "GET /api/v1/health": Rule("public"),
    "POST /api/v1/auth/token": Rule(
        "public", form=lambda ids: {"username": "nobody@example.org", "password": "wrong" * 4}),
    "MOUNT /static": Rule("static"),
    "GET /": Rule("public"),
    "POST /login": Rule("public", form=lambda ids: {"email": "nobody@example.org",
                                                     "password": "wrong" * 4}),
    "POST /logout": Rule("public", form=lambda ids: {}, ends_session=True),
    # The second step of a login: without the pending cookie of a right password, nothing.
    "GET /login/mfa": Rule("public"),
    "POST /login/mfa": Rule("public", form=lambda ids: {"code": "123456"}),
    "GET /account/mfa": _web(UseCase.OWN_ACCOUNT),
    "POST /account/mfa": _web(UseCase.OWN_ACCOUNT, form=lambda ids: {"code": "123456"}),
    # One-time links: the token in the path is the credential; an unknown one is a 404 page.
    "GET /enrol/{token}": Rule("public"),
    "POST /enrol/{token}": Rule("public", form=lambda ids: {"code": "123456"}),
    "GET /reset/{token}": Rule("public"),
    "POST /reset/{token}": Rule("public", form=lambda ids: {
        "new_password": "lantern orchard pebble", "repeated": "lantern orchard pebble"}),
    # One's own password: a wrong current password is a 400 that changes nothing.
    "GET /account/password": _web(UseCase.OWN_ACCOUNT),
    "GET /account": _web(UseCase.OWN_ACCOUNT),
    # One's own language: empty follows the browser (the matrix leaves every account as it was).
    "POST /account/language": _web(UseCase.OWN_ACCOUNT, form=lambda ids: {"locale": ""}),
    # The privacy rules of the clinic: no login, no patient data.
    "GET /privacy": Rule("public"),
    # The tablet kiosk: its own cookie is the credential; without one, the login page.
    "GET /kiosk": Rule("public"),
    "POST /kiosk": Rule("public", form=lambda ids: {"instrument": "nrs", "item-pain": "5"}),
    "GET /kiosk/unlock": Rule("public"),
    "POST /kiosk/unlock": Rule("public", form=lambda ids: {"password": "wrong" * 4}),
    "POST /account/password": _web(UseCase.OWN_ACCOUNT, form=lambda ids: {
        "current_password": "wrong" * 4, "new_password": "lantern orchard pebble",
        "repeated": "lantern orchard pebble"}),
    "POST /api/v1/auth/password": _api(UseCase.OWN_ACCOUNT, json=lambda ids: {
        "current_password": "wrong" * 4, "new_password": "lantern orchard pebble"}),
    # Administrators issue one-time links for accounts of their own clinic.
    "POST /api/v1/accounts/enrolment-links": _api(
        UseCase.ACCOUNT_ADMIN, json=lambda ids: {"email": "bob@example.org"}),
    "POST /api/v1/accounts/password-reset-links": _api(
        UseCase.ACCOUNT_ADMIN, json=lambda ids: {"email": "bob@example.org"}),
    # JSON API: identifying records.
    "POST /api/v1/patients": _api(_PATIENTS, json=_new_patient),
    "GET /api/v1/patients": _api(_PATIENTS),
    "POST /api/v1/patients/search": _api(_PATIENTS, json=lambda ids: {"q": ids["family_name"]}),
    "GET /api/v1/patients/{patient_id}": _api(_PATIENTS, scoped=True),
    "PATCH /api/v1/patients/{patient_id}": _api(_PATIENTS, scoped=True, json=lambda ids: {}),
    # JSON API: tools over documents the caller sends; nothing stored, no record read.
    "GET /api/v1/instruments": _api(_TOOLS),
    "GET /api/v1/instruments/{instrument_id}": _api(_TOOLS),
    "POST /api/v1/score/{instrument_id}": _api(_TOOLS, json=lambda ids: {"pain": 6}),
    "POST /api/v1/classify": _api(_TOOLS, json=_case),
    "POST /api/v1/plan": _api(_TOOLS, json=_case),
    "GET /api/v1/points": _api(_TOOLS),
    # JSON API: pseudonymous records of one patient.
    "POST /api/v1/patients/{patient_id}/scores": _api(
        UseCase.SCORE_WRITE, scoped=True,
        json=lambda ids: {"instrument": "nrs", "answers": {"pain": 5}}),
    "GET /api/v1/patients/{patient_id}/scores": _api(UseCase.SCORE_READ, scoped=True),
    "POST /api/v1/patients/{patient_id}/plans": _api(UseCase.PLAN_WRITE, scoped=True,
                                                     json=_case),
    "GET /api/v1/patients/{patient_id}/plans": _api(UseCase.PLAN_READ, scoped=True),
    "GET /api/v1/patients/{patient_id}/plans/{plan_id}": _api(UseCase.PLAN_READ, scoped=True),
    "PATCH /api/v1/patients/{patient_id}/plans/{plan_id}": _api(
        UseCase.PLAN_WRITE, scoped=True, json=lambda ids: {}),
    "POST /api/v1/patients/{patient_id}/plans/{plan_id}/accept": _api(
        UseCase.PLAN_WRITE, scoped=True,
        json=lambda ids: {"start_on": date.today().isoformat()}),
    # JSON API: the treatment course (services/sessions, medication, course, outcomes).
    # JSON API: corrections (services/corrections); the ids name the patient's score. The
    # bodies are refused only after the record is found (no change, a reason too short).
    "GET /api/v1/patients/{patient_id}/records": _api(UseCase.PATIENT_RECORD, scoped=True),
    "GET /api/v1/patients/{patient_id}/records/{kind}/{ref}": _api(
        UseCase.PATIENT_RECORD, scoped=True),
    "POST /api/v1/patients/{patient_id}/records/{kind}/{ref}/amend": _api(
        UseCase.SCORE_WRITE, scoped=True, json=lambda ids: {"reason": "check", "changes": {}}),
    "POST /api/v1/patients/{patient_id}/records/{kind}/{ref}/entered-in-error": _api(
        UseCase.SCORE_WRITE, scoped=True, json=lambda ids: {"reason": "x"}),
    "POST /api/v1/patients/{patient_id}/plans/{plan_id}/withdraw": _api(
        UseCase.PLAN_WRITE, scoped=True, json=lambda ids: {"reason": "x"}),
    "GET /api/v1/patients/{patient_id}/course": _api(UseCase.COURSE_READ, scoped=True),
    "GET /api/v1/patients/{patient_id}/sessions": _api(UseCase.COURSE_READ, scoped=True),
    # Alice's holding has no accepted plan: her session is refused (400), never written.
    "POST /api/v1/patients/{patient_id}/sessions": _api(
        UseCase.COURSE_WRITE, scoped=True, json=lambda ids: {
            "on": date.today().isoformat(), "attendance": "missed",
            "reason_not_attended": "matrix"}),
    "GET /api/v1/patients/{patient_id}/adverse-events": _api(UseCase.COURSE_READ, scoped=True),
    "POST /api/v1/patients/{patient_id}/adverse-events": _api(
        UseCase.COURSE_WRITE, scoped=True, json=lambda ids: {
            "on": date.today().isoformat(), "type": "haematoma", "grade": 1,
            "relatedness": "probable", "action": "none", "outcome": "resolved"}),
    "GET /api/v1/patients/{patient_id}/medications": _api(UseCase.COURSE_READ, scoped=True),
    "POST /api/v1/patients/{patient_id}/medications": _api(
        UseCase.COURSE_WRITE, scoped=True, json=lambda ids: {
            "drug": "pregabalin", "daily_dose": 150, "unit": "mg",
            "start_on": date.today().isoformat()}),
    # The statement id in the body is not alice's (none exists yet): 404 is her allowed answer.
    "POST /api/v1/patients/{patient_id}/medication-stops": Rule(
        "api", UseCase.COURSE_WRITE, True, owner_ok=frozenset({404}), json=lambda ids: {
            "statement_id": 999_999, "stop_on": date.today().isoformat()}),
    "POST /api/v1/patients/{patient_id}/dose-changes": Rule(
        "api", UseCase.COURSE_WRITE, True, owner_ok=frozenset({404}), json=lambda ids: {
            "statement_id": 999_999, "daily_dose": 75, "on": date.today().isoformat()}),
    "GET /api/v1/patients/{patient_id}/medication-summary": _api(UseCase.COURSE_READ,
                                                                 scoped=True),
    "GET /api/v1/patients/{patient_id}/outcomes": _api(UseCase.COURSE_READ, scoped=True),
    "GET /fhir/Patient/{patient_id}/$everything": _api(UseCase.COURSE_READ, scoped=True),
    # Web: the course pages (web/routes/course.py).
    "GET /patients/{patient_id}/sessions/new": _web(UseCase.COURSE_READ, scoped=True),
    "POST /patients/{patient_id}/sessions/new": _web(
        UseCase.COURSE_WRITE, scoped=True, form=lambda ids: {
            "action": "record", "on": date.today().isoformat(), "attendance": "missed",
            "reason_not_attended": "matrix"}),
    "GET /patients/{patient_id}/adverse-events/new": _web(UseCase.COURSE_READ, scoped=True),
    "GET /patients/{patient_id}/records/{kind}/{ref}": _web(UseCase.PATIENT_RECORD, scoped=True),
    "POST /patients/{patient_id}/records/{kind}/{ref}": _web(
        UseCase.SCORE_WRITE, scoped=True, form=lambda ids: {"action": "error", "reason": "x"}),
    "POST /patients/{patient_id}/adverse-events/new": _web(
        UseCase.COURSE_WRITE, scoped=True, form=lambda ids: {
            "on": date.today().isoformat(), "type": "haematoma", "grade": "1",
            "relatedness": "probable", "action": "none", "outcome": "resolved"}),
    "POST /patients/{patient_id}/medications/new": _web(
        UseCase.COURSE_WRITE, scoped=True, form=lambda ids: {
            "drug": "pregabalin", "daily_dose": "150", "unit": "mg",
            "start_on": date.today().isoformat()}),
    "POST /patients/{patient_id}/medications/stop": Rule(
        "web", UseCase.COURSE_WRITE, True, owner_ok=frozenset({404}), form=lambda ids: {
            "statement_id": "999999", "stop_on": date.today().isoformat()}),
    "POST /patients/{patient_id}/medications/dose": Rule(
        "web", UseCase.COURSE_WRITE, True, owner_ok=frozenset({404}), form=lambda ids: {
            "statement_id": "999999", "daily_dose": "75", "on": date.today().isoformat()}),
    "GET /patients/{patient_id}/report.pdf": _web(UseCase.COURSE_READ, scoped=True),
    # FHIR.
    "GET /fhir/Questionnaire": _api(_TOOLS),
    "GET /fhir/Questionnaire/{instrument_id}": _api(_TOOLS),
    "POST /fhir/QuestionnaireResponse": _api(UseCase.SCORE_WRITE, scoped=True,
                                             fhir=_questionnaire_response),
    # The FHIR REST face: read and search of the course records, Bulk Data, SMART.
    "GET /fhir/metadata": Rule("public"),
    "GET /fhir/.well-known/smart-configuration": Rule("public"),
    "POST /oauth/token": Rule("public"),
    "GET /fhir/{resource_type}": _api(UseCase.COURSE_READ),
    "GET /fhir/{resource_type}/{resource_id}": _api(UseCase.COURSE_READ, scoped=True),
    # Without "Prefer: respond-async" a kick-off is refused (400); the job ids are made up.
    "GET /fhir/$export": Rule("api", UseCase.COURSE_READ, owner_ok=frozenset({400})),
    "GET /fhir/Patient/$export": Rule("api", UseCase.COURSE_READ, owner_ok=frozenset({400})),
    "GET /fhir/$export-status/{job_id}": Rule("api", UseCase.COURSE_READ, True,
                                               owner_ok=frozenset({404})),
    "DELETE /fhir/$export-status/{job_id}": Rule("api", UseCase.COURSE_READ, True,
                                                  owner_ok=frozenset({404})),
    "GET /fhir/$export-file/{job_id}/{file_id}": Rule("api", UseCase.COURSE_READ, True,
                                                       owner_ok=frozenset({404})),
    # Evidence: published trials and pooled effects, no patient data.
    "GET /api/v1/evidence": _api(_TOOLS),
    "GET /api/v1/evidence/{condition}": _api(_TOOLS),
    "GET /api/v1/evidence/{condition}/forest.png": _api(_TOOLS),
    "GET /api/v1/evidence/{condition}/forest.svg": _api(_TOOLS),
    "POST /api/v1/meta": _api(_TOOLS, json=lambda ids: {"rows": [
        {"study": "A", "yi": 0.4, "vi": 0.04}, {"study": "B", "yi": 0.2, "vi": 0.05},
        {"study": "C", "yi": 0.3, "vi": 0.03}]}),
    "GET /evidence": _web(_TOOLS),
    "GET /evidence/protocols/{protocol_id}": _web(_TOOLS),
    "GET /evidence/{condition}": _web(_TOOLS),
    "GET /evidence/{condition}/forest.svg": _web(_TOOLS),
    "GET /evidence/{condition}/forest.png": _web(_TOOLS),
    "GET /evidence/{condition}/responders.svg": _web(_TOOLS),
    "GET /evidence/{condition}/forest/{comparison}.{ext}": _web(_TOOLS),
    "GET /evidence/{condition}/funnel/{comparison}.{ext}": _web(_TOOLS),
    "GET /evidence/{condition}/export.csv": _web(_TOOLS),
    "GET /evidence/{condition}/revman.csv": _web(_TOOLS),
    "GET /evidence/{condition}/export.xlsx": _web(_TOOLS),
    # A leaflet about the condition for patients: it names no one.
    "GET /evidence/{condition}/patient": _web(_TOOLS),
    # Who entered and verified each revision of a trial: linked from every evidence page.
    "GET /evidence/trials/{trial_id}/history": _web(_TOOLS),
    # The clinic's trial library (services/evidence_library): curators only, never the
    # administrator. Entries wait for a second person, so the owner's own entry is a 409.
    "GET /evidence/library": _web(_CURATE),
    "POST /evidence/library": _web(_CURATE, form=lambda ids: dict(LIBRARY_ENTRY)),
    "POST /evidence/library/import": Rule("web", _CURATE, files=lambda ids: {
        "file": ("trials.csv", _LIBRARY_CSV.encode(), "text/csv")}),
    "POST /evidence/library/{entry_id}/verify": _web(_CURATE, scoped=True,
                                                     form=lambda ids: {"decision": "verify"}),
    # Web pages of one patient's assessments and plan.
    "GET /patients/{patient_id}/assessments/new": _web(_PATIENTS, scoped=True),
    "POST /patients/{patient_id}/assessments": _web(
        UseCase.SCORE_WRITE, scoped=True,
        form=lambda ids: {"instrument": "nrs", "mode": "clinician", "item-pain": "5"}),
    # Handing the tablet over deletes this browser's session cookie: called with the last.
    "POST /patients/{patient_id}/assessments/kiosk": Rule(
        "web", UseCase.SCORE_WRITE, scoped=True, form=lambda ids: {"instrument": "nrs"},
        ends_session=True),
    "GET /patients/{patient_id}/assessments/{score_id}": _web(UseCase.SCORE_READ, scoped=True),
    "GET /patients/{patient_id}/assessments/{score_id}/done": _web(UseCase.SCORE_READ,
                                                                   scoped=True),
    "GET /patients/{patient_id}/plan": _web(UseCase.PLAN_READ, scoped=True),
    "POST /patients/{patient_id}/plan": _web(
        UseCase.PLAN_WRITE, scoped=True,
        form=lambda ids: {"condition_kind": "cipn", "region_foot": "both", "nrs": "6",
                          "assessed_on": date.today().isoformat()}),
    "POST /patients/{patient_id}/plan/{plan_id}/edit": _web(UseCase.PLAN_WRITE, scoped=True,
                                                            form=lambda ids: {}),
    "POST /patients/{patient_id}/plan/{plan_id}/accept": _web(
        UseCase.PLAN_WRITE, scoped=True,
        form=lambda ids: {"start_on": date.today().isoformat()}),
    # Cohort figures of the caller's clinic: aggregates (small cells suppressed for researchers).
    "GET /api/v1/analytics/cohort": _api(UseCase.COHORT_ANALYTICS),
    "GET /dashboard": _web(UseCase.COHORT_ANALYTICS),
    # Web pages.
    "GET /patients": _web(_PATIENTS),
    "POST /patients/search": _web(_PATIENTS, form=lambda ids: {"q": ids["family_name"]}),
    # The empty form shows no record; creating is what the policy guards.
    "GET /patients/new": _web(_TOOLS),
    "POST /patients/new": _web(_PATIENTS, form=_new_patient),
    "GET /patients/{patient_id}": _web(_PATIENTS, scoped=True),
    # Appointments (web/routes/appointments.py): names and times, no clinical content.
    "GET /today": _web(_BOOK),
    "GET /calendar": _web(_BOOK),
    "GET /appointments/new": _web(_BOOK),
    "POST /appointments/new": _web(UseCase.APPOINTMENT_WRITE, scoped=True, form=lambda ids: {
        "patient": ids["patient_id"], "practitioner_id": ids["practitioner_id"],
        "on_day": next_open_day(date.today()).isoformat(), "starts": "10:00"}),
    "GET /appointments/{appointment_id}/move": _web(_BOOK, scoped=True),
    "POST /appointments/{appointment_id}/move": _web(
        UseCase.APPOINTMENT_WRITE, scoped=True, form=lambda ids: {
            "on_day": next_open_day(date.today()).isoformat(), "starts": "11:00"}),
    # A confirm of a booked appointment is refused with a sentence (400), which is allowed.
    "POST /appointments/{appointment_id}/{action}": _web(UseCase.APPOINTMENT_WRITE,
                                                         scoped=True),
    "POST /patients/{patient_id}/appointments/propose": _web(
        UseCase.APPOINTMENT_WRITE, scoped=True,
        form=lambda ids: {"practitioner_id": ids["practitioner_id"]}),
    # Clinic settings (web/routes/clinic.py): administrators only.
    "GET /clinic/hours": _web(UseCase.CLINIC_SETTINGS),
    "POST /clinic/hours": _web(UseCase.CLINIC_SETTINGS, form=lambda ids: {
        "opens_0_1": "09:00", "closes_0_1": "17:00", "appointment_minutes": "45",
        "timezone": "Europe/Rome"}),
    "GET /clinic/practitioners": _web(UseCase.CLINIC_SETTINGS),
    "POST /clinic/practitioners": _web(UseCase.CLINIC_SETTINGS, form=lambda ids: {
        "email": "bob@example.org", "display_name": "Dr Bob"}),
    # A practitioner's own feed address, or any of the clinic's for an administrator.
    "POST /clinic/practitioners/{practitioner_id}/feed": _web(_BOOK, scoped=True),
    # The feed itself: its secret address is the credential (services/calendar_feed.py).
    "GET /feeds/{token}.ics": Rule("public"),
    # The directory of referring doctors the referral letter is addressed to.
    "GET /referrers": _web(_PATIENTS),
    "POST /referrers": _web(UseCase.REFERRER_WRITE,
                            form=lambda ids: {"name": f"Dr {uuid4().hex[:12]}"}),
    "GET /referrers/{referrer_id}": _web(_PATIENTS, scoped=True),
    "POST /referrers/{referrer_id}": _web(UseCase.REFERRER_WRITE, scoped=True,
                                          form=lambda ids: {"name": "Dr Matrix",
                                                            "practice": "Surgery"}),
}


def declared_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """("METHOD /path" key, path template) of every route, mounted routers included."""
    for context in iter_route_contexts(app.routes):
        route = context.route if hasattr(context, "route") else context
        path = str(getattr(context, "path", None) or getattr(route, "path", ""))
        if isinstance(route, Mount):
            yield f"MOUNT {path}", path
            continue
        methods = getattr(context, "methods", None) or getattr(route, "methods", None) or set()
        for method in sorted(set(methods) - {"HEAD"}):
            yield f"{method} {path}", path


def uncovered(app: FastAPI) -> list[str]:
    """Routes of ``app`` that have no rule."""
    return sorted({key for key, _ in declared_routes(app) if key not in RULES})
