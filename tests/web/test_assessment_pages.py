"""Assessment pages without JavaScript: section, forms in two modes, result, CSRF, scope."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from itertools import product
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.web._kiosk import csrf_in, hand_over

from acuneuro.clinical.scoring import get_instrument, list_instruments, score
from acuneuro.i18n import format_date
from acuneuro.services import Context, PatientCreate
from acuneuro.services import patients as patient_service
from acuneuro.services.assessment import storable
from acuneuro.store import AuditEvent, ScoreRecord

Clients = Callable[[str], TestClient]
DN4 = get_instrument("dn4")
# 5 + 2 + 1 + 5 = 13 (Bennett 2005 weights): every S-LANSS item is the patient's own.
SLANSS_13 = {"dysaesthesia": "yes", "autonomic": "no", "evoked_pain": "no", "paroxysmal": "yes",
             "thermal": "yes", "self_allodynia": "yes", "self_pinprick": "no"}
DN4_SEVEN = dict.fromkeys((i.id for i in DN4.items), "yes") | {
    "painful_cold": "no", "itching": "no", "brushing": "no"}


def csrf_of(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert match, path
    return match.group(1)


def _patient(ctx: Context, actors: Any) -> str:
    data = PatientCreate.model_validate(
        {"given_name": "Grace", "family_name": "Hopper", "date_of_birth": "1956-12-09",
         "condition": {"kind": "dpn", "icd10": "E11.4"}, "confirm_duplicate": True})
    return patient_service.create_patient(ctx, actors["alice"].actor, data).id


def _form(client: TestClient, pid: str, answers: dict[str, str], mode: str = "clinician",
          instrument: str = "dn4", **extra: str) -> dict[str, str]:
    csrf = csrf_of(client, f"/patients/{pid}/assessments/new?instrument={instrument}")
    return {"csrf": csrf, "instrument": instrument, "mode": mode,
            **{f"item-{k}": v for k, v in answers.items()}, **extra}


def _stored(ctx: Context) -> list[ScoreRecord]:
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(ScoreRecord)))


def test_the_patient_page_has_a_screening_and_outcomes_section(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    page = web_as("alice").get(f"/patients/{pid}")
    assert page.status_code == 200
    assert "Screening and outcomes" in page.text and "No scores recorded." in page.text
    assert f'href="/patients/{pid}/assessments/new"' in page.text


def test_the_choice_page_offers_every_instrument_and_both_modes(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    page = web_as("alice").get(f"/patients/{pid}/assessments/new").text
    assert '<label for="instrument">Instrument</label>' in page
    offered = re.findall(r'<option value="([^"]+)"', page)
    assert offered == [i["id"] for i in list_instruments() if storable(i["id"])]
    assert "dn4" in offered and "nrs" in offered
    for listed in list_instruments():
        if not storable(listed["id"]):
            assert listed["name"] in page and "Not yet available here" in page
    assert 'value="tablet"' in page and 'value="clinician"' in page


def test_every_item_of_every_form_has_a_label_and_no_inline_script(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client = web_as("alice")
    for instrument_id, mode in product((i["id"] for i in list_instruments()),
                                       ("clinician", "tablet")):
        instrument = get_instrument(instrument_id)
        answer = client.get(f"/patients/{pid}/assessments/new?instrument={instrument_id}"
                            f"&mode={mode}")
        shown = instrument.self_report_items() if mode == "tablet" else instrument.items
        if not shown:  # a clinician's grading or examination is never handed over
            assert answer.status_code == 422, instrument_id
            continue
        if mode == "tablet":  # the tablet's form is the kiosk's, after the hand-over
            answer = hand_over(web_as("alice"), pid, instrument_id)
        page = answer.text
        for item in shown:
            name = f"item-{item.id}"
            if item.type == "number":
                assert f'<label for="{name}">' in page, (instrument_id, mode, item.id)
            else:
                for option in item.options:
                    assert f'<label class="option" for="{name}-{option.code}">' in page
                    assert f'id="{name}-{option.code}" name="{name}"' in page
        assert 'name="csrf"' in page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page) and not re.search(r"\son\w+=", page)


def test_a_dn4_posted_without_javascript_shows_score_cutoff_and_interpretation(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client = web_as("alice")
    posted = client.post(f"/patients/{pid}/assessments",
                         data=_form(client, pid, DN4_SEVEN, taken_on="2026-11-20"))
    assert posted.status_code == 303
    [row] = _stored(ctx)
    assert posted.headers["location"] == f"/patients/{pid}/assessments/{row.id}"
    expected = score("dn4", {k: v == "yes" for k, v in DN4_SEVEN.items()})
    result = client.get(posted.headers["location"]).text
    assert '<dd id="score-total">7</dd>' in result
    assert '<dd id="score-reading">positive</dd>' in result
    assert expected.interpretation in result.replace("&#39;", "'")
    assert "at or above 4/10: neuropathic pain likely" in result
    section = client.get(f"/patients/{pid}").text
    taken = format_date(date(2026, 11, 20))  # "20 November 2026", as the page writes dates
    assert all(text in section for text in (taken, DN4.name, DN4.version, "positive"))
    with ctx.db.read() as session:
        actions = [e.action for e in session.scalars(
            sa.select(AuditEvent).where(AuditEvent.resource == "score")
            .order_by(AuditEvent.id))]
    assert actions[:3] == ["create", "read", "list"]


def test_a_wrong_answer_shows_the_form_again_with_the_item_marked(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client = web_as("alice")
    answer = client.post(f"/patients/{pid}/assessments",
                         data=_form(client, pid, {"pain": "11"}, instrument="nrs"))
    assert answer.status_code == 422
    assert 'id="item-pain-error"' in answer.text and "out of range" in answer.text
    assert 'value="11"' in answer.text
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    future = client.post(f"/patients/{pid}/assessments",
                         data=_form(client, pid, {"pain": "3"}, instrument="nrs",
                                    taken_on=tomorrow))
    assert future.status_code == 422 and 'id="taken_on-error"' in future.text
    assert _stored(ctx) == []


def test_a_form_without_its_csrf_token_is_refused(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client = web_as("alice")
    data = _form(client, pid, DN4_SEVEN) | {"csrf": "forged" * 8}
    assert client.post(f"/patients/{pid}/assessments", data=data).status_code == 403
    assert _stored(ctx) == []


def test_the_tablet_mode_shows_nothing_else_about_the_patient(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    form = hand_over(web_as("alice"), pid, "dn4").text
    assert 'class="tablet"' in form
    for private in ("Hopper", "Grace", "1956", "E11.4", "alice@example.org", 'href="/patients"',
                    pid):
        assert private not in form, private
    client = web_as("alice")
    page = hand_over(client, pid, "s-lanss").text
    posted = client.post("/kiosk", data={"csrf": csrf_in(page), "instrument": "s-lanss",
                                         **{f"item-{k}": v for k, v in SLANSS_13.items()}})
    assert posted.status_code == 303 and posted.headers["location"] == "/kiosk"
    done = client.get(posted.headers["location"]).text
    assert "Thank you" in done and "Hopper" not in done and "score-total" not in done
    assert 'href="/kiosk/unlock"' in done and pid not in done
    [row] = _stored(ctx)
    assert row.taken_on == date.today() and row.total == 13


def test_the_tablet_dn4_lists_only_the_patients_own_questions(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    page = hand_over(web_as("alice"), pid, "dn4").text
    names = set(re.findall(r'name="item-([a-z0-9_]+)"', page))
    assert names == {i.id for i in DN4.items[:7]}
    for examination in ("hypoesthesia_touch", "hypoesthesia_pinprick", "brushing"):
        assert examination not in page
    assert "Your clinician completes the examination part separately." in page
    clinician = web_as("alice").get(f"/patients/{pid}/assessments/new?instrument=dn4").text
    assert set(re.findall(r'name="item-([a-z0-9_]+)"', clinician)) == {i.id for i in DN4.items}


def test_a_dn4_examination_answer_posted_from_the_tablet_is_refused_and_nothing_stored(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client = web_as("alice")
    page = hand_over(client, pid, "dn4").text
    forged = {"csrf": csrf_in(page), "instrument": "dn4",
              **{f"item-{i.id}": "no" for i in DN4.items[:7]}, "item-hypoesthesia_touch": "yes"}
    answer = client.post("/kiosk", data=forged)
    assert answer.status_code == 422
    assert "Please hand the tablet back to your clinician" in answer.text
    assert _stored(ctx) == []


def test_a_clinician_grading_cannot_be_opened_or_posted_on_the_tablet(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client = web_as("alice")
    opened = client.get(
        f"/patients/{pid}/assessments/new?instrument=ctcae-sensory-neuropathy&mode=tablet")
    assert opened.status_code == 422
    assert "recorded by a clinician" in opened.text and "cannot be handed to the patient" in (
        opened.text)
    handed = client.post(f"/patients/{pid}/assessments/kiosk", data={
        "csrf": csrf_of(client, "/patients"), "instrument": "ctcae-sensory-neuropathy"})
    assert handed.status_code == 400 and "cannot be handed to the patient" in handed.text
    assert "acuneuro_kiosk" not in handed.headers.get("set-cookie", "")
    forged = _form(client, pid, {"severity": "grade_1"}, mode="tablet",
                   instrument="ctcae-sensory-neuropathy")
    posted = client.post(f"/patients/{pid}/assessments", data=forged)
    assert posted.status_code == 422
    assert _stored(ctx) == []
    clinician = client.post(f"/patients/{pid}/assessments",
                            data={**forged, "mode": "clinician"})
    assert clinician.status_code == 303


def test_another_clinic_gets_404_on_every_assessment_page(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    alice = web_as("alice")
    alice.post(f"/patients/{pid}/assessments", data=_form(alice, pid, DN4_SEVEN))
    [row] = _stored(ctx)
    charlie = web_as("charlie")
    for path in (f"/patients/{pid}/assessments/new", f"/patients/{pid}/assessments/new"
                 "?instrument=dn4", f"/patients/{pid}/assessments/{row.id}",
                 f"/patients/{pid}/assessments/{row.id}/done"):
        assert charlie.get(path).status_code == 404, path
    data = {"csrf": csrf_of(charlie, "/patients"), "instrument": "dn4", "mode": "clinician",
            **{f"item-{k}": v for k, v in DN4_SEVEN.items()}}
    assert charlie.post(f"/patients/{pid}/assessments", data=data).status_code == 404
    other = _patient(ctx, actors)
    assert alice.get(f"/patients/{other}/assessments/{row.id}").status_code == 404
    assert len(_stored(ctx)) == 1


def test_the_result_page_words_subscales_and_choices_as_the_form_does(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    client = web_as("alice")
    answers = {"burning": "strongly", "tingling": "moderately", "light_touch": "slightly",
               "pain_attacks": "moderately", "temperature": "hardly", "numbness": "strongly",
               "pressure": "never", "course_pattern": "attacks_with_pain_between",
               "radiating": "yes"}
    posted = client.post(f"/patients/{pid}/assessments",
                         data=_form(client, pid, answers, instrument="paindetect"))
    assert posted.status_code == 303
    result = client.get(posted.headers["location"]).text
    # 17 sensory + 1 course + 2 radiating = 20 (Freynhagen 2006; Nikaido 2018 Table 1).
    assert '<dd id="score-total">20</dd>' in result
    assert '<dd id="score-reading">positive</dd>' in result
    assert "sum of the seven sensory items" in result
    assert "pain attacks with pain between them" in result
    assert "attacks_with_pain_between" not in result


@pytest.mark.parametrize(("instrument", "language", "present", "absent"), [
    # DN4 has a validated Italian version (knowledge/language_versions.yaml).
    ("dn4", "it", ["Spallone V", "Diabet Med 2012"], []),
    # NPSI has none that we found: the form says so and where to look.
    ("npsi", "it", ["neupsig.de/screeningtools.html"], ["Spallone"]),
    # An English form names no language version.
    ("dn4", "en", [], ["language-version"]),
], ids=["italian-dn4", "italian-npsi", "english-dn4"])
def test_a_form_names_the_validated_version_of_the_readers_language(
    web_as: Clients, ctx: Context, actors: Any, instrument: str, language: str,
    present: list[str], absent: list[str],
) -> None:
    pid = _patient(ctx, actors)
    page = web_as("alice").get(f"/patients/{pid}/assessments/new?instrument={instrument}",
                               headers={"Accept-Language": language})
    assert page.status_code == 200
    for text in present:
        assert text in page.text
    for text in absent:
        assert text not in page.text


def test_the_tablet_page_is_in_the_readers_language(
    web_as: Clients, ctx: Context, actors: Any
) -> None:
    pid = _patient(ctx, actors)
    page = web_as("alice").get(f"/patients/{pid}/assessments/new?instrument=dn4&mode=tablet",
                               headers={"Accept-Language": "it"})
    assert '<html lang="it">' in page.text
