"""Evidence pages through the test client: plot, trials with sources, guidelines, patient text."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from acuneuro.evidence.comparisons import study_label
from acuneuro.evidence.library import condition_evidence, trials_for_protocol
from acuneuro.knowledge import (
    EVIDENCE_CONDITIONS,
    bibliography,
    guidelines,
    patient_info,
    protocols,
    trials,
)

Clients = Callable[[str], TestClient]
STATIC = Path(__file__).parents[2] / "src" / "acuneuro" / "web" / "static"


PATIENT = {"given_name": "Eve", "family_name": "Vidence", "date_of_birth": "1960-02-01",
           "sex": "female", "condition_kind": "cipn", "icd10": "G62.0", "onset": "2026-05-01"}
# A CIPN case with every safety item assessed and unremarkable (as the planning page tests).
CASE = {
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


def _trial_rows(text: str) -> list[str]:
    return re.findall(r'<tr id="trial-([^"]+)"', text)


def test_the_evidence_pages_need_a_login(anonymous: TestClient) -> None:
    for path in ("/evidence", "/evidence/cipn", "/evidence/cipn/forest.svg",
                 "/evidence/cipn/patient", "/evidence/protocols/cipn"):
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/"


def test_each_condition_page_shows_the_plot_every_trial_and_its_sources(web_as: Clients) -> None:
    client = web_as("bob")
    known = bibliography()
    assert 'href="/evidence"' in client.get("/evidence").text
    for condition in EVIDENCE_CONDITIONS:
        page = client.get(f"/evidence/{condition}")
        assert page.status_code == 200
        text = html.unescape(page.text)
        ev = condition_evidence(condition)
        for cmp in ev.comparisons:
            assert f'<img src="/evidence/{condition}/forest/{cmp.class_id}.svg"' in text
        listed = [t for t in trials() if t.condition == condition]
        assert _trial_rows(text) == [t.id for t in listed]
        rows = dict(zip(_trial_rows(text), text.split('<tr id="trial-')[1:], strict=True))
        for trial in listed:
            for source in trial.sources:
                cited = known[source]
                assert cited.citation in rows[trial.id], (trial.id, source)
                if cited.doi:
                    assert f'href="https://doi.org/{cited.doi}"' in rows[trial.id]
        assert 'class="doi"' in text
        plotted = sum(t.poolable for t in listed)
        assert ('id="plotted-note"' in text) == (plotted < 3)
        shown = 0
        for cmp in ev.comparisons:
            svg = client.get(f"/evidence/{condition}/forest/{cmp.class_id}.svg")
            assert svg.headers["content-type"].startswith("image/svg+xml")
            shown += sum(f">{study_label(t)}</text>" in svg.text for t in listed)
            png = client.get(f"/evidence/{condition}/forest/{cmp.class_id}.png")
            assert png.content.startswith(b"\x89PNG")
            assert f'href="/evidence/{condition}/forest/{cmp.class_id}.png"' in text
        assert shown == plotted


def test_guidelines_show_the_grade_its_meaning_and_the_correction(web_as: Clients) -> None:
    text = html.unescape(web_as("alice").get("/evidence/cipn").text)
    for g in guidelines():
        if "cipn" in g.conditions:
            assert g.grade in text and g.meaning in text
            if g.correction:
                assert g.correction in text
    assert "lower-level evidence with uniform consensus" in text


def test_the_pooled_estimate_is_read_in_words_or_its_absence_explained(web_as: Clients) -> None:
    client = web_as("alice")
    pooled_seen = unpooled_seen = False
    for condition in EVIDENCE_CONDITIONS:
        text = html.unescape(client.get(f"/evidence/{condition}").text)
        for cmp in condition_evidence(condition).comparisons:
            block = text[text.index(f'id="comparison-{cmp.class_id}"'):]
            block = block[:block.index("</section>")]
            if cmp.k >= 2:
                pooled_seen = True
                assert "95% CI" in block and "prediction interval" in block and "I²" in block
                assert "tau²" in block and f"Across {cmp.k} trials" in block
                assert "No pooled estimate" not in block
            else:
                unpooled_seen = True
                assert "No pooled estimate" in block and "at least 2" in block
    assert pooled_seen and unpooled_seen  # both branches are exercised by the library
    dpn = html.unescape(client.get("/evidence/dpn").text)
    assert '<img src="/evidence/dpn/responders.svg"' in dpn
    assert client.get("/evidence/phn/responders.svg").status_code == 404


def test_an_unknown_condition_or_protocol_is_a_404_page(web_as: Clients) -> None:
    client = web_as("alice")
    for path in ("/evidence/gout", "/evidence/gout/patient", "/evidence/protocols/gout"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "<html" in answer.text


def test_a_protocol_links_to_the_trials_behind_it(web_as: Clients) -> None:
    client = web_as("bob")
    for protocol_id in protocols():
        text = client.get(f"/evidence/protocols/{protocol_id}").text
        expected = [t.id for t in trials_for_protocol(protocol_id)]
        found = re.findall(r'href="/evidence/[a-z]+#trial-([^"]+)"', text)
        assert found == expected, protocol_id
        if not expected:
            assert "No randomised trial of this protocol" in text


def test_the_patient_information_is_printable_and_answers_every_question(
    web_as: Clients,
) -> None:
    client = web_as("alice")
    assert "@media print" in (STATIC / "evidence.css").read_text()
    for condition in EVIDENCE_CONDITIONS:
        text = html.unescape(client.get(f"/evidence/{condition}/patient").text)
        assert '<link rel="stylesheet" href="/static/evidence.css">' in text
        info = patient_info(condition)
        assert info.title in text
        for answer in info.faq:
            assert answer.question in text and answer.answer in text
        for section in info.sections:
            assert section.text in text


def test_a_proposed_and_an_accepted_plan_link_to_the_trials_behind_them(
    web_as: Clients,
) -> None:
    alice = web_as("alice")
    created = alice.post("/patients/new", data={**PATIENT, "csrf": _csrf(alice)})
    assert created.status_code == 303
    url = created.headers["location"]
    proposed = alice.post(f"{url}/plan", data={**CASE, "csrf": _csrf(alice)})
    assert proposed.status_code == 303, proposed.text
    link = 'href="/evidence/protocols/cipn"'
    assert link in alice.get(proposed.headers["location"]).text
    assert link not in alice.get(url).text  # nothing accepted yet
    plan_id = re.search(r"plan=(\d+)", proposed.headers["location"])
    assert plan_id
    accepted = alice.post(f"{url}/plan/{plan_id.group(1)}/accept",
                          data={"start_on": date.today().isoformat(), "csrf": _csrf(alice)})
    assert accepted.status_code == 303
    page = alice.get(url).text
    assert link in page[page.index('id="section-plan"'):]


def test_mixed_comparators_appear_only_as_a_labelled_sensitivity_analysis(
    web_as: Clients,
) -> None:
    client = web_as("bob")
    for condition in EVIDENCE_CONDITIONS:
        ev = condition_evidence(condition)
        text = html.unescape(client.get(f"/evidence/{condition}").text)
        assert ("Sensitivity analysis: all comparators mixed" in text) == (
            ev.sensitivity is not None)
        visible = re.sub(r"<[^>]+>", " ", text)
        assert "usual_care" not in visible and "waitlist" not in visible
        if ev.sensitivity is not None:
            svg = client.get(f"/evidence/{condition}/forest/mixed.svg").text
            assert "Sensitivity analysis" in svg
    assert client.get("/evidence/dpn/forest/nonsense.svg").status_code == 404
    assert client.get("/evidence/dpn/forest/mixed.gif").status_code == 404


def test_a_pooled_comparison_has_a_funnel_plot_that_explains_egger(web_as: Clients) -> None:
    client = web_as("bob")
    funnel = client.get("/evidence/dpn/funnel/usual_care_waitlist.svg")
    assert funnel.status_code == 200
    assert "Egger's test is not shown: 2 trials" in html.unescape(funnel.text)
    assert client.get("/evidence/dpn/funnel/sham_placebo.svg").status_code == 404
