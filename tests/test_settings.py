"""Settings: environment overrides, fail-fast validation, keys kept outside the database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from acuneuro.settings import DEFAULT_DATABASE_URL, MissingKey, Settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "AUDIT_KEY", "AUDIT_KEY_FILE",
                 "KEY_DIR", "TOKEN_MINUTES", "SESSION_HOURS"):
        monkeypatch.delenv(f"ACUNEURO_{name}", raising=False)


def test_the_default_is_a_sqlite_file_under_var() -> None:
    assert Settings().database_url == DEFAULT_DATABASE_URL == "sqlite:///var/acuneuro.db"


def test_the_environment_overrides_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACUNEURO_DATABASE_URL", "postgresql+psycopg://u@db:5432/acu")
    assert Settings().database_url == "postgresql+psycopg://u@db:5432/acu"


@pytest.mark.parametrize(
    ("name", "value"),
    [("DATABASE_URL", "not a url"), ("DATABASE_URL", "mysql://h/db"),
     ("TOKEN_MINUTES", "0"), ("SESSION_HOURS", "48"), ("SECRET_KEY", "short")],
)
def test_bad_values_fail_at_start_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"ACUNEURO_{name}", value)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings()


def test_a_misspelt_setting_in_code_is_refused() -> None:
    with pytest.raises(ValidationError, match="token_minuts"):
        Settings(token_minuts=5)  # type: ignore[call-arg]


def test_generated_keys_are_owner_only_stable_and_distinct(tmp_path: Path) -> None:
    settings = Settings(key_dir=tmp_path / "keys")
    signing, audit = settings.signing_key(), settings.audit_hmac_key()
    assert signing != audit.decode() and len(signing) >= 32
    for name in ("secret.key", "audit.key"):
        mode = stat.S_IMODE((tmp_path / "keys" / name).stat().st_mode)
        assert mode == 0o600
    again = Settings(key_dir=tmp_path / "keys")
    assert (again.signing_key(), again.audit_hmac_key()) == (signing, audit)


def test_keys_can_come_from_files_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "audit"
    key_file.write_text("k" * 40 + "\n")
    monkeypatch.setenv("ACUNEURO_AUDIT_KEY_FILE", str(key_file))
    monkeypatch.setenv("ACUNEURO_SECRET_KEY", "s" * 40)
    settings = Settings(key_dir=tmp_path / "unused")
    assert settings.audit_hmac_key() == b"k" * 40 and settings.signing_key() == "s" * 40
    assert not (tmp_path / "unused").exists()


def test_giving_a_secret_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACUNEURO_AUDIT_KEY", "a" * 40)
    monkeypatch.setenv("ACUNEURO_AUDIT_KEY_FILE", "/nonexistent")
    with pytest.raises(ValidationError, match="not both"):
        Settings()


def test_keys_live_beside_the_sqlite_file_as_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(database_url="sqlite:///data/clinic.db")
    assert settings.keys == tmp_path / "data" and settings.keys.is_absolute()
    monkeypatch.chdir("/")
    assert settings.keys == tmp_path / "data"  # resolved once, not per call


def test_a_given_key_dir_is_made_absolute_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings(key_dir=Path("keys")).keys == tmp_path / "keys"


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"STATE_DIRECTORY": "/var/lib/acuneuro:/other"}, "/var/lib/acuneuro"),
     ({"XDG_STATE_HOME": "/home/op/.state"}, "/home/op/.state/acuneuro")],
)
def test_postgresql_keys_default_to_the_state_folder(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(database_url="postgresql+psycopg://u@db/acu")
    assert settings.keys == Path(expected)


def test_a_missing_key_is_not_created_when_creation_is_not_allowed(tmp_path: Path) -> None:
    settings = Settings(key_dir=tmp_path)
    with pytest.raises(MissingKey, match=r"audit\.key"):
        settings.audit_hmac_key(create=False)
    assert not (tmp_path / "audit.key").exists()
