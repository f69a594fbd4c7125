"""``acuneuro fhir-client add``: registers a SMART backend client, refuses bad keys with exit 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from joserfc.jwk import RSAKey
from typer.testing import CliRunner

from acuneuro.cli import app
from acuneuro.services import Context, accounts
from acuneuro.settings import Settings
from acuneuro.store import FhirClient, upgrade

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    """A migrated database with one clinic; keys and anchor files stay in tmp_path."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        for name in ("ACUNEURO_DATABASE_URL", "ACUNEURO_SECRET_KEY", "ACUNEURO_AUDIT_KEY"):
            patch.delenv(name, raising=False)
        url = f"sqlite:///{tmp_path / 'cli.db'}"
        ctx = Context.from_settings(Settings(database_url=url))
        upgrade(ctx.db.engine)
        accounts.add_clinic(ctx, "Clinic A")
        ctx.db.dispose()
        yield url


def test_a_client_is_registered_with_its_public_keys_and_scopes(db: str,
                                                               tmp_path: Path) -> None:
    key = RSAKey.generate_key(2048, parameters={"kid": "ehr-1"})
    jwks = tmp_path / "ehr.jwks.json"
    jwks.write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
    result = runner.invoke(app, ["fhir-client", "add", "--name", "Hospital EHR", "--jwks",
                                 str(jwks), "--scope", "system/*.read", "--db", db])
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert view["scopes"] == ["system/*.read"] and view["key_ids"] == ["ehr-1"]
    engine = sa.create_engine(db)
    with engine.connect() as connection:
        stored = connection.execute(sa.select(FhirClient.client_id, FhirClient.jwks_json)).one()
    engine.dispose()
    assert stored[0] == view["client_id"] and "d" not in stored[1]["keys"][0]


@pytest.mark.parametrize(("keys", "scope", "says"), [
    ("private", "system/*.read", "private key"),
    ("public", "user/*.read", "not a system read scope"),
    ("garbage", "system/*.read", "not valid JSON"),
])
def test_bad_keys_or_scopes_exit_2_with_a_sentence(db: str, tmp_path: Path, keys: str,
                                                   scope: str, says: str) -> None:
    key = RSAKey.generate_key(2048)
    path = tmp_path / "keys.json"
    path.write_text("{not json" if keys == "garbage" else
                    json.dumps({"keys": [key.as_dict(private=keys == "private")]}))
    result = runner.invoke(app, ["fhir-client", "add", "--name", "x", "--jwks", str(path),
                                 "--scope", scope, "--db", db])
    assert result.exit_code == 2
    assert says in result.output and "Traceback" not in result.output
