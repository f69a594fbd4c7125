"""The patient page is built from registered sections, so later features add theirs as data."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from acuneuro.web import PATIENT_SECTIONS, Section, add_section
from acuneuro.web.deps import templates

FORM = {"given_name": "Sec", "family_name": "Tion", "date_of_birth": "1970-01-01"}


@pytest.fixture
def extra_section(tmp_path: Path) -> Iterator[Section]:
    before = list(PATIENT_SECTIONS)
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "probe.html").write_text(
        "<p>probe for {{ patient.id }}: {{ data.answer }}</p>"
    )
    loader = templates.env.loader
    searchpath = getattr(loader, "searchpath", None)
    assert isinstance(searchpath, list)
    searchpath.append(str(tmp_path))
    section = Section("probe", "Probe", "sections/probe.html", order=15,
                      load=lambda ctx, actor, patient: {"answer": actor.email})
    add_section(section)
    yield section
    PATIENT_SECTIONS[:] = before
    searchpath.remove(str(tmp_path))


def test_a_registered_section_appears_in_order_with_its_data(
    web_as: Callable[[str], TestClient], extra_section: Section
) -> None:
    alice = web_as("alice")
    csrf = re.search(r'name="csrf" value="([^"]+)"', alice.get("/patients/new").text)
    assert csrf
    url = alice.post("/patients/new", data={**FORM, "csrf": csrf.group(1)}).headers["location"]
    page = alice.get(url).text
    patient_id = url.rsplit("/", 1)[-1]
    assert f"probe for {patient_id}: alice@example.org" in page
    order = [m.group(1) for m in re.finditer(r'<section id="section-([a-z_]+)"', page)]
    # Other features register sections too; only the relative order of these three matters.
    assert [s for s in order if s in {"identity", "probe", "episodes"}] == [
        "identity", "probe", "episodes"
    ]


def test_adding_a_section_twice_replaces_it(extra_section: Section) -> None:
    add_section(Section("probe", "Probe again", "sections/probe.html", order=15))
    assert [s.title for s in PATIENT_SECTIONS if s.id == "probe"] == ["Probe again"]
