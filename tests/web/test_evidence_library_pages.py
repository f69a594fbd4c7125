"""The library pages: CSV import refuses with row and column and keeps nothing; exports open."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from acuneuro.evidence.library import condition_evidence
from acuneuro.services._context import Context
from acuneuro.store import CuratedTrialEntry

from ..conftest import csrf_of

Clients = Callable[[str], TestClient]
_GOOD = ("trial_id,data_kind,n1,mean1,sd1,n2,mean2,sd2,source,location\n"
         "iravani2020,continuous,19,-3.1,1.5,19,-1.2,1.4,Iravani 2020,Table 2\n")


def _entries(ctx: Context) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(CuratedTrialEntry)) or 0)


def test_a_bad_csv_is_refused_naming_row_and_column_and_nothing_is_kept(
    web_as: Clients, ctx: Context
) -> None:
    client = web_as("alice")
    bad = _GOOD + "han2017,continuous,49,-2,1.2,fifty,-1,1.1,Han 2017,Table 3\n"
    answer = client.post("/evidence/library/import",
                         data={"csrf": csrf_of(client, "/evidence/library")},
                         files={"file": ("trials.csv", bad.encode(), "text/csv")})
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert "Nothing was imported." in text and "Row 3, column n2" in text
    assert _entries(ctx) == 0


def test_a_good_csv_is_imported_for_verification_with_a_confirmation(
    web_as: Clients, ctx: Context
) -> None:
    client = web_as("alice")
    answer = client.post("/evidence/library/import",
                         data={"csrf": csrf_of(client, "/evidence/library")},
                         files={"file": ("trials.csv", _GOOD.encode(), "text/csv")})
    assert answer.status_code == 303
    page = html.unescape(client.get(answer.headers["location"]).text)
    assert "waits for a second person" in page and "iravani2020" in page
    assert _entries(ctx) == 1


def test_an_import_without_a_file_asks_for_one_and_keeps_nothing(
    web_as: Clients, ctx: Context
) -> None:
    client = web_as("alice")
    answer = client.post("/evidence/library/import",
                         data={"csrf": csrf_of(client, "/evidence/library")})
    assert answer.status_code == 400
    assert "Choose the CSV file to import." in html.unescape(answer.text)
    assert _entries(ctx) == 0


def test_an_import_without_its_csrf_token_is_refused_before_the_file_is_read(
    web_as: Clients, ctx: Context
) -> None:
    client = web_as("alice")
    for data in ({}, {"csrf": "forged-" + "x" * 40}):
        answer = client.post("/evidence/library/import", data=data,
                             files={"file": ("trials.csv", _GOOD.encode(), "text/csv")})
        assert answer.status_code == 403
    assert client.post("/evidence/library/import").status_code == 403
    assert _entries(ctx) == 0


def test_a_refused_form_keeps_what_was_typed_and_names_the_field(web_as: Clients) -> None:
    client = web_as("bob")
    answer = client.post("/evidence/library", data={
        "csrf": csrf_of(client, "/evidence/library"), "trial_id": "lu2020",
        "data_kind": "continuous", "n1": "20", "mean1": "-1.1", "sd1": "-1", "n2": "20",
        "mean2": "0.3", "sd2": "1.5", "source": "", "location": "Table 2"})
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert 'id="sd1-error"' in text and "cannot be negative" in text
    assert 'id="source-error"' in text
    assert 'value="-1.1"' in text and 'value="Table 2"' in text


def test_exports_give_csv_excel_and_a_revman_table(web_as: Clients) -> None:
    client = web_as("alice")
    studies = list(csv.DictReader(io.StringIO(client.get("/evidence/dpn/export.csv").text)))
    ev = condition_evidence("dpn")
    plotted = sum(c.k for c in ev.comparisons) + (ev.sensitivity.k if ev.sensitivity else 0)
    assert len(studies) == plotted
    assert {r["comparator"] for r in studies} >= {"Sham acupuncture", "Wait-list", "Usual care"}
    revman = list(csv.DictReader(io.StringIO(client.get("/evidence/dpn/revman.csv").text)))
    assert [r["Study ID"] for r in revman] == [lab for c in ev.comparisons for lab in c.labels]
    assert all(r["Estimate"] and r["SE"] for r in revman)
    book = load_workbook(io.BytesIO(client.get("/evidence/dpn/export.xlsx").content))
    assert book.sheetnames == ["Studies", "Results", "RevMan"]
    results = list(book["Results"].iter_rows(values_only=True))
    assert results[0][0] == "analysis" and len(results) >= 2
