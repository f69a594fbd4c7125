"""The planning page through the test client: case form, safety first, edit, accept, section."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.conftest import Account

from acuneuro.services import Context
from acuneuro.services.accounts import issue_session
from acuneuro.services.clinic_calendar import save_calendar
from acuneuro.store import PlannedSession, PlanRecord
from acuneuro.web.deps import SESSION_COOKIE

PATIENT = {"given_name": "Grace", "family_name": "Planner", "date_of_birth": "1960-02-01",
           "sex": "female", "condition_kind": "cipn", "icd10": "G62.0", "onset": "2026-05-01"}
# Everything assessed and unremarkable, the feet affected on both sides.
ASSESSED = {
    "region_foot": "both", "chemo": "finished", "chemo_agents": "oxaliplatin",
    "chemo_last_dose": "2026-03-01", "labs_taken": "2026-11-20", "labs_platelets_per_ul": "180000",
    "labs_anc_per_ul": "3000", "pregnant": "no", "medications_assessed": "yes",
    "medications": "duloxetine 60 mg", "devices_assessed": "yes", "skin_assessed": "yes",
    "lymphoedema_assessed": "yes", "bleeding_disorder": "no", "fainting_with_needles": "no",
    "protective_sensation_lost": "no", "assessed_on": "2026-11-24",
    "systemic_infection": "no", "immunosuppressed": "no", "heart_valve": "none", "epilepsy": "no",
    "peripheral_arterial_disease": "no", "prosthetic_joints_assessed": "yes",
    "tumour_sites_assessed": "yes", "node_dissection_assessed": "yes",
    "spinal_hardware_assessed": "yes",
}  # fmt: skip


def _csrf(client: TestClient, path: str = "/patients") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def _patient(client: TestClient) -> str:
    created = client.post("/patients/new", data={**PATIENT, "csrf": _csrf(client)})
    assert created.status_code == 303
    return str(created.headers["location"])


def _propose(client: TestClient, url: str, form: dict[str, Any]) -> Any:
    return client.post(f"{url}/plan", data={**form, "csrf": _csrf(client)})


def _plan_ids(ctx: Context) -> list[int]:
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(PlanRecord.id).order_by(PlanRecord.id)))


def test_the_empty_form_says_not_assessed_never_normal(
    web_as: Callable[[str], TestClient]
) -> None:
    alice = web_as("alice")
    page = alice.get(f"{_patient(alice)}/plan")
    assert page.status_code == 200
    for name in ("pregnant", "bleeding_disorder", "fainting_with_needles", "chemo",
                 "medications_assessed", "devices_assessed", "skin_assessed"):
        select = re.search(rf'<select id="{name}" name="{name}">(.*?)</select>', page.text, re.S)
        assert select, name
        assert re.search(r'<option value="" selected>not assessed</option>', select.group(1)), name
    assert ">normal<" not in page.text.lower()
    today = date.today()
    age = today.year - 1960 - ((today.month, today.day) < (2, 1))
    assert f'name="age" type="number" value="{age}"' in page.text  # from the record


def test_an_unassessed_case_shows_its_cautions_first_and_the_body_map(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    url = _patient(alice)
    answer = _propose(alice, url, {"region_foot": "both", "chemo": "active",
                                   "chemo_agents": "paclitaxel", "assessed_on": "2026-11-24"})
    assert answer.status_code == 303
    page = alice.get(answer.headers["location"]).text
    safety, bodymap, points = (page.index('id="safety"'), page.index("<svg"),
                               page.index('class="points"'))
    assert safety < bodymap < points
    assert "Safety findings: CAUTION" in page
    assert "Not assessed:" in page and "neutrophils and platelets" in page
    assert 'data-code="EX-LE10"' in page and "Sanyinjiao" in page
    assert len(_plan_ids(ctx)) == 1


def test_a_bad_case_shows_the_field_and_stores_nothing(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    url = _patient(alice)
    answer = _propose(alice, url, {**ASSESSED, "skin": "ulcer elbowz left",
                                   "labs_anc_per_ul": "-4"})
    assert answer.status_code == 422
    assert 'id="skin-error"' in answer.text
    assert "Line 1: Body region of skin finding 1" in answer.text
    assert 'id="labs_anc_per_ul-error"' in answer.text
    assert "ulcer elbowz left" in answer.text
    assert _plan_ids(ctx) == []


def test_a_stop_is_red_with_its_reason_and_offers_no_acceptance(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    url = _patient(alice)
    answer = _propose(alice, url, {**ASSESSED, "labs_anc_per_ul": "300"})
    page = alice.get(answer.headers["location"]).text
    assert 'class="safety safety-stop"' in page and "STOP: no needling." in page
    assert "Absolute neutrophil count 300/uL" in page
    assert "Accept plan" not in page
    plan_id = _plan_ids(ctx)[0]
    refused = alice.post(f"{url}/plan/{plan_id}/accept",
                         data={"start_on": "2026-12-01", "csrf": _csrf(alice)})
    assert refused.status_code == 400 and "stopped this plan" in refused.text


def test_an_excluded_point_cannot_be_added_on_edit(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    url = _patient(alice)
    _propose(alice, url, {**ASSESSED, "skin": "ulcer foot left"})
    plan_id = _plan_ids(ctx)[0]
    refused = alice.post(f"{url}/plan/{plan_id}/edit", data={
        "add_code": "KI1", "add_side": "both", "add_role": "local", "add_rationale": "cooling",
        "add_sources": "acu-who2008", "csrf": _csrf(alice)})  # fmt: skip
    assert refused.status_code == 400
    assert 'role="alert"' in refused.text and "KI1" in refused.text and "excluded" in refused.text
    with ctx.db.read() as session:
        stored = session.scalar(sa.select(PlanRecord.plan_json))
    assert stored is not None and "KI1" not in {p["code"] for p in stored["points"]}


def test_edit_then_accept_shows_the_schedule_on_the_patient_page(
    web_as: Callable[[str], TestClient], ctx: Context, actors: dict[str, Account]
) -> None:
    # Sessions fall only on days the clinic is open: open it every day, so that a plan started
    # today has session 1 today whatever day the suite runs (the default calendar closes Sunday).
    save_calendar(ctx, actors["erin"].actor, {
        "hours": [{"weekday": d, "opens": "08:00", "closes": "19:00"} for d in range(7)],
        "timezone": "Europe/Rome"})  # fmt: skip
    alice = web_as("alice")
    url = _patient(alice)
    _propose(alice, url, ASSESSED)
    plan_id = _plan_ids(ctx)[0]
    edited = alice.post(f"{url}/plan/{plan_id}/edit", data={
        "remove": "GB42", "side:ST36": "left", "was:ST36": "both",
        "side:SP6": "both", "was:SP6": "both", "csrf": _csrf(alice)})  # fmt: skip
    assert edited.status_code == 303, edited.text
    page = alice.get(edited.headers["location"]).text
    assert "GB42 Diwuhui</strong>: removed by the clinician" in page
    today = date.today().isoformat()
    accepted = alice.post(f"{url}/plan/{plan_id}/accept",
                          data={"start_on": today, "csrf": _csrf(alice)})
    assert accepted.status_code == 303
    patient_page = alice.get(url).text
    section = patient_page[patient_page.index('id="section-plan"'):]
    assert "Acupuncture plan" in section and "ST36 (left)" in section and "GB42" not in section
    assert "Due today:" in section and "session 1" in section and "dn4" in section
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PlannedSession)) == 17


def test_the_section_says_when_there_is_no_accepted_plan(
    web_as: Callable[[str], TestClient]
) -> None:
    alice = web_as("alice")
    page = alice.get(_patient(alice)).text
    assert "No accepted plan." in page and "/plan" in page


def test_another_clinic_gets_not_found_and_forms_need_the_csrf_token(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    url = _patient(alice)
    _propose(alice, url, ASSESSED)
    plan_id = _plan_ids(ctx)[0]
    charlie = web_as("charlie")
    token = _csrf(charlie)
    assert charlie.get(f"{url}/plan").status_code == 404
    assert charlie.get(f"{url}/plan?plan={plan_id}").status_code == 404
    for path in ("/plan", f"/plan/{plan_id}/edit", f"/plan/{plan_id}/accept"):
        answer = charlie.post(url + path, data={**ASSESSED, "start_on": "2026-12-01",
                                                "csrf": token})
        assert answer.status_code == 404, path
    assert alice.post(f"{url}/plan", data=ASSESSED).status_code == 403
    assert len(_plan_ids(ctx)) == 1


def _session_of(app: FastAPI, ctx: Context, actor: Any) -> TestClient:
    """A browser with a session cookie for ``actor`` (as after a complete login)."""
    client = TestClient(app, base_url="http://localhost", follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, issue_session(ctx, actor))
    return client


def test_an_administrator_sees_the_plan_without_the_forms_that_change_it(
    web_as: Callable[[str], TestClient], app: FastAPI, ctx: Context, actors: Any
) -> None:
    alice = web_as("alice")
    url = _patient(alice)
    _propose(alice, url, ASSESSED)
    with _session_of(app, ctx, actors["erin"].actor) as erin:
        page = erin.get(f"{url}/plan")
        assert page.status_code == 200 and 'id="safety"' in page.text
        assert "Accept plan" not in page.text and "Propose a plan" not in page.text
        assert "Save changes" not in page.text
        refused = erin.post(f"{url}/plan/{_plan_ids(ctx)[0]}/accept",
                            data={"start_on": "2026-12-01", "csrf": _csrf(erin)})
        assert refused.status_code == 403


def test_the_medicine_fields_offer_the_vocabulary_as_a_typeahead(
    web_as: Callable[[str], TestClient]
) -> None:
    alice = web_as("alice")
    page = alice.get(f"{_patient(alice)}/plan").text
    assert 'name="medications_add" list="medicine-names"' in page
    assert '<datalist id="medicine-names">' in page
    assert '<option value="Eliquis">apixaban, direct oral anticoagulant (DOAC)</option>' in page


def test_a_brand_from_the_typeahead_with_platelets_of_9000_stops_and_names_both(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    url = _patient(alice)
    answer = _propose(alice, url, {**ASSESSED, "medications_add": "Xarelto 20 mg",
                                   "labs_platelets_per_ul": "9000"})
    assert answer.status_code == 303
    page = alice.get(answer.headers["location"]).text
    assert 'class="safety safety-stop"' in page
    assert "Platelets 9,000/uL are below 20,000/uL" in page and "design choice" in page
    assert "rivaroxaban (Xarelto)" in page


def test_medicines_typed_into_an_unassessed_list_are_refused_and_nothing_is_stored(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    url = _patient(alice)
    answer = _propose(alice, url, {**ASSESSED, "medications_assessed": "",
                                   "medications_add": "Eliquis"})
    assert answer.status_code == 422
    assert 'id="medications-error"' in answer.text and "marked not assessed" in answer.text
    assert 'value="Eliquis"' in answer.text  # what was typed is kept
    assert _plan_ids(ctx) == []


def _stored_codes(ctx: Context) -> set[str]:
    with ctx.db.read() as session:
        stored = session.scalar(sa.select(PlanRecord.plan_json))
    assert stored is not None
    return {p["code"] for p in stored["points"]}


def test_a_never_needled_point_is_refused_on_the_code_field_and_nothing_stored(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    url = _patient(alice)
    _propose(alice, url, ASSESSED)
    plan_id = _plan_ids(ctx)[0]
    refused = alice.post(f"{url}/plan/{plan_id}/edit", data={
        "add_code": "ST17", "add_side": "left", "add_role": "local", "add_rationale": "r",
        "add_sources": "acu-who2008", "add_danger_acknowledged": "yes",
        "add_max_depth_mm": "5", "add_angle": "oblique", "csrf": _csrf(alice)})  # fmt: skip
    assert refused.status_code == 422
    field = re.search(r'<p class="error" id="add_code-error">([^<]*)</p>', refused.text)
    assert field and "ST17 Ruzhong is never needled" in field.group(1)
    assert 'id="add_code" name="add_code" placeholder="e.g. ST36" value="ST17" aria-invalid' \
        in refused.text
    assert "ST17" not in _stored_codes(ctx)


def test_a_danger_point_needs_its_acknowledgement_and_limit_which_the_page_then_shows(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    url = _patient(alice)
    _propose(alice, url, ASSESSED)
    plan_id = _plan_ids(ctx)[0]
    form = {"add_code": "GB20", "add_side": "both", "add_role": "local",
            "add_rationale": "occipital pain", "add_sources": "acu-who2008"}
    refused = alice.post(f"{url}/plan/{plan_id}/edit", data={**form, "csrf": _csrf(alice)})
    assert refused.status_code == 422
    assert re.search(r'id="add_danger_acknowledged-error">GB20 Fengchi lies over the medulla',
                     refused.text)
    assert "GB20" not in _stored_codes(ctx)
    accepted = alice.post(f"{url}/plan/{plan_id}/edit", data={
        **form, "add_danger_acknowledged": "yes", "add_max_depth_mm": "20",
        "add_angle": "oblique", "add_direction": "towards the tip of the nose",
        "csrf": _csrf(alice)})  # fmt: skip
    assert accepted.status_code == 303, accepted.text
    page = alice.get(accepted.headers["location"]).text
    limit = "at most 20 mm, oblique towards the tip of the nose"
    assert f"<strong>Needling limit:</strong> {limit}" in page
    start = page.index('class="cautions"')
    cautions = page[start:page.index("</ul>", start)]
    assert "GB20 Fengchi" in cautions and limit in cautions


def test_a_t5_phn_plan_page_shows_jiaji_with_its_limit_and_the_encircling_technique(
    web_as: Callable[[str], TestClient], ctx: Context
) -> None:
    alice = web_as("alice")
    url = _patient(alice)
    answer = _propose(alice, url, {**ASSESSED, "region_foot": "", "condition_kind": "phn",
                                   "dermatomes": "T5 left"})
    assert answer.status_code == 303, answer.text
    page = alice.get(answer.headers["location"]).text
    assert "EX-B2 Jiaji at T5" in page and "lamina" in page
    assert "Encircling (surround) needling around the affected area</strong> at T5 (left)" in page
    assert "ST18" not in _stored_codes(ctx) and "KI22" not in _stored_codes(ctx)
