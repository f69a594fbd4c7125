"""The privacy page: GDPR and the Italian privacy code beside HIPAA, each statement with its
sources, in the reader's language, readable before logging in."""

from __future__ import annotations

from fastapi.testclient import TestClient
from markupsafe import escape

from acuneuro.knowledge import bibliography, privacy_notice


def test_the_privacy_page_names_both_frameworks_with_their_sources(
    anonymous: TestClient,
) -> None:
    page = anonymous.get("/privacy")
    assert page.status_code == 200
    assert "GDPR and the Italian privacy code" in page.text and "HIPAA" in page.text
    cited = {s for f in privacy_notice() for item in f.statements for s in item.sources}
    for source in cited:
        assert str(escape(bibliography()[source].citation.split(":")[0])) in page.text


def test_the_privacy_page_in_italian_speaks_of_the_garante_and_pseudonymised_exports(
    anonymous: TestClient,
) -> None:
    page = anonymous.get("/privacy", headers={"Accept-Language": "it"})
    assert "Privacy e protezione dei dati" in page.text
    assert "Garante per la protezione dei dati personali" in page.text
    assert "pseudonimizzata, non anonima" in page.text
    assert "Health data are a special category" not in page.text


def test_every_jurisdiction_cites_its_own_law() -> None:
    frameworks = {f.id: {s for item in f.statements for s in item.sources}
                  for f in privacy_notice()}
    assert {"gdpr_2016_679", "codice_privacy_196_2003"} <= frameworks["gdpr_italy"]
    assert "hipaa_164_514" in frameworks["hipaa"]
