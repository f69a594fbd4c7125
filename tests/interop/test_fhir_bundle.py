"""The transaction rewritten for a server that assigns its own ids (POST, urn:uuid, ifNoneExist)."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from acuneuro.interop.fhir_bundle import URI_SYSTEM, conditional_transaction, transaction_bundle
from acuneuro.interop.fhir_ids import full_url

PATIENT = "PABCDEFGH1234"
QR = "0b6f3c1e-4e0a-5d55-9a53-3d3a7c1f0001"
OBS = "0b6f3c1e-4e0a-5d55-9a53-3d3a7c1f0002"
PROC = "0b6f3c1e-4e0a-5d55-9a53-3d3a7c1f0003"
AE = "0b6f3c1e-4e0a-5d55-9a53-3d3a7c1f0004"
SUBJECT = {"reference": f"Patient/{PATIENT}"}


def _bundle() -> dict[str, Any]:
    return transaction_bundle([
        {"resourceType": "Patient", "id": PATIENT, "meta": {"versionId": "1"},
         "identifier": [{"system": "urn:acuneuro:pseudo-id", "value": PATIENT}]},
        {"resourceType": "QuestionnaireResponse", "id": QR, "status": "completed",
         "subject": SUBJECT},
        {"resourceType": "Observation", "id": OBS, "status": "final", "code": {"text": "NRS"},
         "subject": SUBJECT, "derivedFrom": [{"reference": f"QuestionnaireResponse/{QR}"}]},
        {"resourceType": "Procedure", "id": PROC, "status": "completed", "subject": SUBJECT},
        {"resourceType": "AdverseEvent", "id": AE, "actuality": "actual", "subject": SUBJECT,
         "suspectEntity": [{"instance": {"reference": f"Procedure/{PROC}"}}]},
    ], "b1")


def _references(node: Any) -> list[str]:
    return re.findall(r'"reference": "([^"]+)"', json.dumps(node))


def test_every_entry_is_a_post_whose_references_follow_the_urn_uuid_full_urls() -> None:
    original = _bundle()
    kept = copy.deepcopy(original)
    out = conditional_transaction(original)
    assert original == kept  # the PUT Bundle is not touched
    assert out["type"] == "transaction" and out["id"] == "b1"
    urls = [e["fullUrl"] for e in out["entry"]]
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", u) for u in urls)
    assert urls[1:] == [f"urn:uuid:{QR}", f"urn:uuid:{OBS}", f"urn:uuid:{PROC}", f"urn:uuid:{AE}"]
    for entry in out["entry"]:
        assert entry["request"]["method"] == "POST"
        assert entry["request"]["url"] == entry["resource"]["resourceType"]
        assert "id" not in entry["resource"]
        assert set(_references(entry["resource"])) <= set(urls)
    observation, adverse_event = out["entry"][2]["resource"], out["entry"][4]["resource"]
    assert observation["derivedFrom"] == [{"reference": f"urn:uuid:{QR}"}]
    assert adverse_event["suspectEntity"][0]["instance"] == {"reference": f"urn:uuid:{PROC}"}
    assert len(_references(out)) == 6


def test_if_none_exist_searches_the_patients_own_identifier_and_acuneuros_url_for_the_rest(
) -> None:
    entries = conditional_transaction(_bundle())["entry"]
    assert entries[0]["request"]["ifNoneExist"] == f"identifier=urn:acuneuro:pseudo-id|{PATIENT}"
    assert entries[0]["resource"]["identifier"] == [
        {"system": "urn:acuneuro:pseudo-id", "value": PATIENT}]
    observation = entries[2]
    assert observation["resource"]["identifier"] == [
        {"system": URI_SYSTEM, "value": full_url("Observation", OBS)}]
    assert observation["request"]["ifNoneExist"] == (
        f"identifier={URI_SYSTEM}|{full_url('Observation', OBS)}")
    # R4 QuestionnaireResponse.identifier and AdverseEvent.identifier are 0..1, not lists.
    assert entries[1]["resource"]["identifier"] == {
        "system": URI_SYSTEM, "value": full_url("QuestionnaireResponse", QR)}
    assert isinstance(entries[4]["resource"]["identifier"], dict)


def test_an_adverse_event_is_a_plain_create_as_r4_gives_it_no_identifier_search() -> None:
    entries = conditional_transaction(_bundle())["entry"]
    assert [e["resource"]["resourceType"] for e in entries if "ifNoneExist" not in e["request"]
            ] == ["AdverseEvent"]


def test_plain_creates_carry_no_if_none_exist_and_the_same_identifiers() -> None:
    plain = conditional_transaction(_bundle(), if_none_exist=False)
    conditional = conditional_transaction(_bundle())
    assert all("ifNoneExist" not in e["request"] for e in plain["entry"])
    assert [e["resource"] for e in plain["entry"]] == [e["resource"] for e in conditional["entry"]]


def test_the_rewrite_is_deterministic() -> None:
    assert conditional_transaction(_bundle()) == conditional_transaction(_bundle())
