"""Course commands: report PDFs, FHIR export and import, exit 2 naming the option."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from typer.testing import CliRunner

from acuneuro.cli import app
from acuneuro.i18n import format_date
from acuneuro.services import Context, accounts, demo
from acuneuro.services import outcomes as outcome_service
from acuneuro.services import sessions as session_service
from acuneuro.settings import Settings
from acuneuro.store import AuditEvent

runner = CliRunner()
TODAY = date.today()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder for the module: key files and the audit anchor land here, never in ./var."""
    folder = tmp_path_factory.mktemp("course-cli")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for name in ("ACUNEURO_DATABASE_URL", "ACUNEURO_SECRET_KEY", "ACUNEURO_AUDIT_KEY"):
            patch.delenv(name, raising=False)
        yield folder


@pytest.fixture(scope="module")
def demo_db(workdir: Path) -> str:
    url = f"sqlite:///{workdir / 'demo.db'}"
    result = runner.invoke(app, ["demo", "--no-serve", "--db", url, "--patients", "6"])
    assert result.exit_code == 0, result.output
    return url


@pytest.fixture(autouse=True)
def _in_workdir(workdir: Path) -> None:
    assert Path.cwd() == workdir


def _ctx(url: str) -> Context:
    return Context.from_settings(Settings(database_url=url))


def _patient_with_pain_change(url: str) -> tuple[str, Any]:
    ctx = _ctx(url)
    try:
        actor = accounts.operator(ctx, demo.DEMO_CLINIC)
        listed = json.loads(runner.invoke(app, ["patients", "list", "--db", url]).stdout)
        for p in listed:
            view = outcome_service.outcomes(ctx, actor, p["id"], as_of=TODAY)
            nrs = next((s.summary for s in view.series if s.id == "nrs"), None)
            if nrs is not None and nrs.category is not None:
                return p["id"], nrs
    finally:
        ctx.db.dispose()
    raise AssertionError("no demo patient with a pain change")


def _shown(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


@pytest.mark.parametrize("kind", ["patient", "referrer"])
def test_the_report_pdf_shows_baseline_latest_pain_and_the_immpact_category(
    demo_db: str, tmp_path: Path, kind: str
) -> None:
    pid, nrs = _patient_with_pain_change(demo_db)
    out = tmp_path / f"{kind}.pdf"
    result = runner.invoke(app, ["report", "--patient", pid, "--kind", kind, "--out", str(out),
                                 "--db", demo_db])
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    assert nrs.latest is not None
    assert _shown(nrs.baseline.value) in flat and _shown(nrs.latest.value) in flat
    assert format_date(nrs.latest.on, "medium") in flat  # "6 Dec 2026", as English writes it
    assert nrs.category.replace("_", " ") in flat.replace("_", " ")
    # The course chart is a vector drawing: its axis title is text of the PDF.
    assert "score (0-10)" in flat, "the chart is drawn"


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_report_is_written_in_the_language_of_the_command(
    demo_db: str, tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, _nrs = _patient_with_pain_change(demo_db)
    out = tmp_path / "paziente.pdf"
    args = ["report", "--patient", pid, "--kind", "patient", "--out", str(out), "--db", demo_db]
    if how == "option":
        result = runner.invoke(app, ["--lang", "it", *args])
    else:  # a POSIX locale, as an Italian workstation sets it
        monkeypatch.setenv("LANG", "it_IT.UTF-8")
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    flat = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(out).pages))
    assert "Il resoconto dei suoi progressi con l'agopuntura" in flat
    assert re.search(r"\d{1,2} (gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|"
                     r"settembre|ottobre|novembre|dicembre) \d{4}", flat)
    assert "How you are doing" not in flat


def test_report_refuses_a_bad_kind_id_or_path_naming_the_option(
    demo_db: str, tmp_path: Path
) -> None:
    pid, _ = _patient_with_pain_change(demo_db)
    cases = {
        "--kind": ["--patient", pid, "--kind", "insurer", "--out", str(tmp_path / "a.pdf")],
        "--patient": ["--patient", "PNOSUCHPATIENT", "--kind", "patient",
                      "--out", str(tmp_path / "b.pdf")],
        "--out": ["--patient", pid, "--kind", "patient",
                  "--out", str(tmp_path / "missing" / "c.pdf")],
    }
    for option, args in cases.items():
        result = runner.invoke(app, ["report", *args, "--db", demo_db])
        assert result.exit_code == 2 and option in result.stderr, (option, result.output)
        assert "Traceback" not in result.output
    assert list(tmp_path.glob("*.pdf")) == [] and list(tmp_path.glob(".*.part")) == []


def test_export_and_import_carry_the_course_into_an_empty_database(
    demo_db: str, tmp_path: Path
) -> None:
    pid, _ = _patient_with_pain_change(demo_db)
    bundle_file = tmp_path / "bundle.json"
    exported = runner.invoke(app, ["export", "fhir", "--patient", pid, "--out", str(bundle_file),
                                   "--db", demo_db])
    assert exported.exit_code == 0, exported.output
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    assert runner.invoke(app, ["clinic", "add", "Receiving", "--db", empty]).exit_code == 0
    imported = runner.invoke(app, ["import", "fhir", str(bundle_file), "--db", empty])
    assert imported.exit_code == 0, imported.output
    new_id = json.loads(imported.stdout)["patient"]
    source, target = _ctx(demo_db), _ctx(empty)
    try:
        a = accounts.operator(source, demo.DEMO_CLINIC)
        b = accounts.operator(target, None)
        assert [s.record for s in session_service.list_sessions(target, b, new_id)] == \
            [s.record for s in session_service.list_sessions(source, a, pid)]
        again = runner.invoke(app, ["export", "fhir", "--patient", new_id, "--db", empty])
        assert again.exit_code == 0
        assert len(json.loads(again.stdout)["entry"]) == len(
            json.loads(bundle_file.read_text())["entry"])
    finally:
        source.db.dispose()
        target.db.dispose()


def test_the_identified_export_carries_the_national_id_and_only_when_asked(
    demo_db: str, tmp_path: Path
) -> None:
    pid, _ = _patient_with_pain_change(demo_db)
    refused = runner.invoke(app, ["export", "fhir", "--patient", pid, "--national-id",
                                  "RSSMRA80A01H501U", "--db", demo_db])
    assert refused.exit_code == 2 and "--national-id" in refused.stderr
    done = runner.invoke(app, ["export", "fhir", "--patient", pid, "--identified",
                               "--national-id", "RSSMRA80A01H501U", "--db", demo_db])
    assert done.exit_code == 0, done.output
    person = json.loads(done.stdout)["entry"][0]["resource"]
    assert {"system": "http://hl7.it/sid/codiceFiscale", "value": "RSSMRA80A01H501U",
            "use": "official"} in person["identifier"]
    assert person["name"]


def test_import_refuses_a_broken_bundle_naming_it(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    runner.invoke(app, ["clinic", "add", "Receiving", "--db", empty])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:x", "resource": {"resourceType": "Basic", "id": "x",
                                          "code": {"text": "x"}}}]}))
    result = runner.invoke(app, ["import", "fhir", str(bad), "--db", empty])
    assert result.exit_code == 2 and "bundle:" in result.stderr and "Basic" in result.stderr


def test_report_as_a_user_is_audited_under_their_name_and_an_unknown_user_is_refused(
    demo_db: str, tmp_path: Path
) -> None:
    pid, _ = _patient_with_pain_change(demo_db)
    out = tmp_path / "as.pdf"
    unknown = runner.invoke(app, ["report", "--patient", pid, "--kind", "patient", "--out",
                                  str(out), "--as", "nobody@example.org", "--db", demo_db])
    assert unknown.exit_code == 2 and "--as" in unknown.stderr and not out.exists()
    done = runner.invoke(app, ["report", "--patient", pid, "--kind", "patient", "--out",
                               str(out), "--as", demo.DEMO_EMAIL, "--db", demo_db])
    assert done.exit_code == 0, done.output
    ctx = _ctx(demo_db)
    try:
        with ctx.db.read() as session:
            last = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
            assert last is not None
            assert (last.actor, last.resource, last.patient_pseudo_id) == (
                demo.DEMO_EMAIL, "report", pid)
    finally:
        ctx.db.dispose()


def test_edit_plan_refuses_a_never_needled_or_unlimited_danger_point_with_exit_2(
    demo_db: str, tmp_path: Path
) -> None:
    from acuneuro.services import PatientCreate
    from acuneuro.services import patients as patient_service
    from acuneuro.services import planning as planning_service
    from acuneuro.services.course import actor_by_email

    ctx = _ctx(demo_db)
    try:
        actor = actor_by_email(ctx, demo.DEMO_EMAIL)
        pid = patient_service.create_patient(ctx, actor, PatientCreate.model_validate({
            "given_name": "Ada", "family_name": "Edited", "date_of_birth": "1960-01-02",
            "sex": "male", "condition": {"kind": "phn"}})).id  # fmt: skip
        plan = planning_service.propose_plan(ctx, actor, pid, {
            "pain": {"dermatomes": [{"dermatome": "T5", "side": "left"}]}}, today=TODAY)
        before = planning_service.get_plan(ctx, actor, pid, plan.id).plan
    finally:
        ctx.db.dispose()
    base = ["edit-plan", "--patient", pid, "--plan", str(plan.id), "--as", demo.DEMO_EMAIL,
            "--db", demo_db]
    gb20 = {"code": "GB20", "side": "both", "rationale": "occipital pain", "sources": ["s"]}
    for add, named in [
        ({"code": "ST17", "side": "left", "rationale": "r", "sources": ["s"]},
         "add[0].code: ST17 Ruzhong is never needled"),
        (gb20, "add[0].danger_acknowledged: GB20 Fengchi lies over the medulla"),
    ]:
        edit = tmp_path / "edit.json"
        edit.write_text(json.dumps({"add": [add]}), "utf-8")
        result = runner.invoke(app, [*base, "--edit", str(edit)])
        assert result.exit_code == 2 and named in result.stderr, result.output
        assert "Traceback" not in result.output
    ctx = _ctx(demo_db)
    try:
        actor = actor_by_email(ctx, demo.DEMO_EMAIL)
        assert planning_service.get_plan(ctx, actor, pid, plan.id).plan == before
    finally:
        ctx.db.dispose()
    edit.write_text(json.dumps({"add": [{**gb20, "danger_acknowledged": True,
                                         "max_depth_mm": 20, "angle": "oblique"}]}), "utf-8")
    result = runner.invoke(app, [*base, "--edit", str(edit)])
    assert result.exit_code == 0, result.output
    added = next(p for p in json.loads(result.stdout)["plan"]["points"] if p["code"] == "GB20")
    assert added["limit"]["max_depth_mm"] == 20


def test_export_for_a_server_that_assigns_ids_posts_with_urn_uuids(demo_db: str) -> None:
    pid, _ = _patient_with_pain_change(demo_db)
    done = runner.invoke(app, ["export", "fhir", "--patient", pid, "--requests", "create",
                               "--db", demo_db])
    assert done.exit_code == 0, done.output
    entries = json.loads(done.stdout)["entry"]
    assert {e["request"]["method"] for e in entries} == {"POST"}
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in entries)
    assert entries[1]["resource"]["subject"] == {"reference": entries[0]["fullUrl"]}
    for bad in (["--requests", "patch"], ["--requests", "create", "--collection"]):
        refused = runner.invoke(app, ["export", "fhir", "--patient", pid, *bad, "--db", demo_db])
        assert refused.exit_code == 2 and "--requests" in refused.stderr, refused.output
        assert "Traceback" not in refused.output
