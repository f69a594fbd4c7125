"""``/fhir``: Questionnaires valid as R4, QuestionnaireResponse round trip, OperationOutcomes."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acuneuro.clinical.scoring import get_instrument, list_instruments
from acuneuro.interop.fhir_questionnaire import questionnaire, questionnaire_response
from acuneuro.services import Context
from acuneuro.store import AuditEvent, ScoreRecord

Clients = Callable[[str], TestClient]
FHIR = "application/fhir+json"
DN4_ITEMS = [item.id for item in get_instrument("dn4").items]
DN4_SIX = dict.fromkeys(DN4_ITEMS, False) | dict.fromkeys(
    ["burning", "tingling", "pins_and_needles", "numbness", "hypoesthesia_touch", "brushing"],
    True)
PATIENT = {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1961-05-02"}


def _patient(client: TestClient) -> str:
    # Called once per Hypothesis example: the same person again is intended.
    body = {**PATIENT, "confirm_duplicate": True}
    return str(client.post("/api/v1/patients", json=body).json()["id"])


def _dn4_response(pid: str, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    resource = questionnaire_response("dn4", answers or DN4_SIX, subject=f"Patient/{pid}",
                                      authored="2026-11-20T09:30:00+01:00")
    # Elements acuneuro does not interpret must come back as they were sent.
    resource["identifier"] = {"system": "urn:example:forms", "value": "F-17"}
    resource["meta"] = {"tag": [{"system": "urn:example:tags", "code": "tablet"}]}
    return resource


def _post(client: TestClient, resource: Any, content_type: str = FHIR) -> Any:
    import json

    return client.post("/fhir/QuestionnaireResponse", content=json.dumps(resource),
                       headers={"Content-Type": content_type})


def _outcome(answer: Any, code: int) -> dict[str, Any]:
    assert answer.status_code == code, answer.text
    assert answer.headers["content-type"].startswith(FHIR)
    OperationOutcome.model_validate(answer.json())
    issue: dict[str, Any] = answer.json()["issue"][0]
    return issue


def test_every_questionnaire_served_validates_as_r4(api_as: Clients) -> None:
    alice = api_as("alice")
    answer = alice.get("/fhir/Questionnaire")
    assert answer.headers["content-type"].startswith(FHIR)
    bundle = answer.json()
    Bundle.model_validate(bundle)
    served = {entry["resource"]["id"]: entry["resource"] for entry in bundle["entry"]}
    assert sorted(served) == [i["id"] for i in list_instruments()]
    for instrument_id, resource in served.items():
        Questionnaire.model_validate(resource)
        single = alice.get(f"/fhir/Questionnaire/{instrument_id}")
        assert single.json() == resource == questionnaire(instrument_id)


def test_an_unknown_questionnaire_is_a_404_outcome(api_as: Clients) -> None:
    issue = _outcome(api_as("alice").get("/fhir/Questionnaire/dn5"), 404)
    assert issue["code"] == "not-found" and "dn5" in issue["diagnostics"]


def test_without_a_token_every_fhir_read_is_a_401_outcome(anonymous: TestClient) -> None:
    for path in ("/fhir/Questionnaire", "/fhir/Questionnaire/dn4",
                 "/fhir/QuestionnaireResponse/1", "/fhir/Observation/1"):
        answer = anonymous.get(path)
        assert _outcome(answer, 401)["code"] == "login"
        assert answer.headers["www-authenticate"] == "Bearer"
    assert _outcome(_post(anonymous, {}), 401)["code"] == "login"


def test_a_posted_response_reads_back_unchanged_with_its_score(
    api_as: Clients, ctx: Context
) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    sent = _dn4_response(pid)
    answer = _post(alice, sent)
    assert answer.status_code == 201, answer.text
    bundle = answer.json()
    Bundle.model_validate(bundle)
    stored, observation = (entry["resource"] for entry in bundle["entry"])
    assert answer.headers["location"] == f"/fhir/QuestionnaireResponse/{stored['id']}"
    assert {k: v for k, v in stored.items() if k != "id"} == sent
    read = alice.get(answer.headers["location"])
    assert read.headers["content-type"].startswith(FHIR)
    assert read.json() == stored
    QuestionnaireResponse.model_validate(read.json())

    Observation.model_validate(observation)
    assert observation["valueQuantity"]["value"] == 6
    assert observation["interpretation"][0]["coding"][0]["code"] == "POS"
    assert observation["subject"] == {"reference": f"Patient/{pid}"}
    assert observation["effectiveDateTime"] == "2026-11-20"
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{stored['id']}"}]
    with ctx.db.read() as session:
        row = session.scalar(sa.select(ScoreRecord))
        audit = [(e.action, e.resource, e.outcome, e.patient_pseudo_id)
                 for e in session.scalars(sa.select(AuditEvent).where(
                     AuditEvent.resource.in_(["score", "fhir-questionnaireresponse"]))
                     .order_by(AuditEvent.id))]
    assert row is not None and (row.total, row.positive) == (6, True)
    assert row.instrument_version == get_instrument("dn4").version
    # The read back goes through the REST face, audited per resource type.
    assert audit == [("create", "score", "success", pid),
                     ("read", "fhir-questionnaireresponse", "success", pid)]


def test_an_nrs_score_is_coded_with_its_loinc_code(api_as: Clients) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    sent = questionnaire_response("nrs", {"pain": 7}, subject=f"Patient/{pid}")
    observation = _post(alice, sent).json()["entry"][1]["resource"]
    codings = observation["code"]["coding"]
    assert {"system": "http://loinc.org", "code": "72514-3"} in [
        {"system": c["system"], "code": c["code"]} for c in codings]
    assert observation["valueQuantity"]["value"] == 7


def test_a_score_entered_on_a_form_reads_as_fhir_too(api_as: Clients) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    alice.post(f"/api/v1/patients/{pid}/scores",
               json={"instrument": "nrs", "answers": {"pain": 4}, "taken_on": "2026-11-02"})
    # The FHIR id is the score's logical id (interop/fhir_ids.py), not its row number.
    found = alice.get(f"/fhir/QuestionnaireResponse?patient={pid}").json()
    assert found["total"] == 1
    read = found["entry"][0]["resource"]
    QuestionnaireResponse.model_validate(read)
    assert read["subject"] == {"reference": f"Patient/{pid}"}
    assert read["authored"] == "2026-11-02"
    assert read["item"][0]["answer"] == [{"valueInteger": 4}]


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.fixed_dictionaries({}, optional=dict.fromkeys(DN4_ITEMS, st.booleans())))
def test_any_dn4_response_round_trips_unchanged(api_as: Clients, answers: dict[str, bool]) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    sent = questionnaire_response("dn4", answers, subject=f"Patient/{pid}")
    stored = _post(alice, sent).json()["entry"][0]["resource"]
    read = alice.get(f"/fhir/QuestionnaireResponse/{stored['id']}").json()
    assert {k: v for k, v in read.items() if k != "id"} == sent


def _broken(pid: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    resource = copy.deepcopy(_dn4_response(pid))
    change(resource)
    return resource


BAD: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("status", lambda r: r.update(status="in-progress"), "QuestionnaireResponse.status"),
    ("no-subject", lambda r: r.pop("subject"), "QuestionnaireResponse.subject"),
    ("group-subject", lambda r: r.update(subject={"reference": "Group/1"}),
     "QuestionnaireResponse.subject"),
    ("foreign-questionnaire", lambda r: r.update(questionnaire="http://example.org/q/dn4"),
     "QuestionnaireResponse.questionnaire"),
    ("unknown-instrument", lambda r: r.update(
        questionnaire="https://acuneuro.org/fhir/Questionnaire/dn5"),
     "QuestionnaireResponse.questionnaire"),
    ("old-version", lambda r: r.update(
        questionnaire="https://acuneuro.org/fhir/Questionnaire/dn4|1999"),
     "QuestionnaireResponse.questionnaire"),
    ("wrong-value-type", lambda r: r["item"][0]["answer"][0].update(valueBoolean="maybe"),
     "QuestionnaireResponse.item[0].answer[0].valueBoolean"),
    ("unknown-item", lambda r: r["item"].append(
        {"linkId": "headache", "answer": [{"valueBoolean": True}]}),
     "QuestionnaireResponse.item[10]"),
    ("two-answers", lambda r: r["item"][2]["answer"].append({"valueBoolean": True}),
     "QuestionnaireResponse.item[2]"),
    ("unknown-element", lambda r: r.update(smoker=True), "QuestionnaireResponse.smoker"),
    ("future", lambda r: r.update(authored="2999-01-01"), "QuestionnaireResponse.authored"),
    ("bad-date", lambda r: r.update(authored="yesterday"), "QuestionnaireResponse.authored"),
    ("not-a-response", lambda r: r.update(resourceType="Observation"),
     "QuestionnaireResponse.resourceType"),
    # Answered by the patient (source = the subject): DN4 item 8 is the clinician's examination.
    ("patient-answered-examination", lambda r: r.update(source=r["subject"]),
     "QuestionnaireResponse.item[7]"),
]


@pytest.mark.parametrize(("change", "expression"), [(c, e) for _, c, e in BAD],
                         ids=[name for name, _, _ in BAD])
def test_a_bad_response_is_a_422_outcome_naming_the_element_and_writes_nothing(
    api_as: Clients, ctx: Context, change: Callable[[dict[str, Any]], None], expression: str
) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    issue = _outcome(_post(alice, _broken(pid, change)), 422)
    assert issue["expression"] == [expression], issue
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ScoreRecord)) == 0


def test_an_nrs_out_of_range_names_its_item(api_as: Clients) -> None:
    alice = api_as("alice")
    pid = _patient(alice)
    sent = questionnaire_response("nrs", {"pain": 3}, subject=f"Patient/{pid}")
    sent["item"][0]["answer"] = [{"valueInteger": 12}]
    issue = _outcome(_post(alice, sent), 422)
    assert issue["expression"] == ["QuestionnaireResponse.item[0]"]
    assert "pain" in issue["diagnostics"] and "out of range" in issue["diagnostics"]


def test_a_body_that_is_not_fhir_json_is_refused(api_as: Clients) -> None:
    alice = api_as("alice")
    assert _outcome(_post(alice, {}, content_type="text/plain"), 415)["code"] == "not-supported"
    broken = alice.post("/fhir/QuestionnaireResponse", content=b"{not json",
                        headers={"Content-Type": FHIR})
    assert _outcome(broken, 400)["code"] == "invalid"
    huge = {"resourceType": "QuestionnaireResponse", "text": {"div": "x" * 300_000}}
    assert _outcome(_post(alice, huge), 413)["code"] == "too-costly"


def test_another_clinic_can_neither_post_for_nor_read_a_patients_response(
    api_as: Clients, ctx: Context
) -> None:
    alice, charlie = api_as("alice"), api_as("charlie")
    pid = _patient(alice)
    stored = _post(alice, _dn4_response(pid)).json()["entry"][0]["resource"]
    issue = _outcome(_post(charlie, _dn4_response(pid)), 404)
    assert issue["expression"] == ["QuestionnaireResponse.subject"]
    for path in (f"/fhir/QuestionnaireResponse/{stored['id']}",
                 f"/fhir/Observation/{stored['id']}", "/fhir/QuestionnaireResponse/999999",
                 "/fhir/QuestionnaireResponse/not-a-number"):
        assert _outcome(charlie.get(path), 404)["code"] == "not-found"
    assert _outcome(api_as("dana").get(f"/fhir/QuestionnaireResponse/{stored['id']}"),
                    403)["code"] == "forbidden"
    with ctx.db.read() as session:
        outcomes = [e.outcome for e in session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.resource.in_(["score", "fhir-questionnaireresponse",
                                         "fhir-observation"]),
                AuditEvent.user_id.is_not(None)))]
        count = session.scalar(sa.select(sa.func.count()).select_from(ScoreRecord))
    assert count == 1
    assert outcomes.count("not_found") == 5 and outcomes.count("denied") == 1
