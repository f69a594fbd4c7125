"""The one configuration object: environment variables ``ACUNEURO_*``, checked when read.

Secrets (the signing key for tokens and cookies, the audit HMAC key) are kept outside the
database: given as ``ACUNEURO_SECRET_KEY`` / ``ACUNEURO_AUDIT_KEY``, or as a path in
``ACUNEURO_SECRET_KEY_FILE`` / ``ACUNEURO_AUDIT_KEY_FILE`` (Healthchecks' ``NAME_FILE`` style),
or, when neither is set, generated once into ``key_dir`` with owner-only permissions so that the
zero-configuration demo works and restarts keep sessions and the audit chain valid.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "read_or_create_key"]

DEFAULT_DATABASE_URL = "sqlite:///var/acuneuro.db"
_MIN_SECRET_CHARS = 32


class Settings(BaseSettings):
    """Everything that may differ between two installations, validated at start-up."""

    model_config = SettingsConfigDict(env_prefix="ACUNEURO_", extra="forbid", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None
    audit_key: SecretStr | None = None
    audit_key_file: Path | None = None
    mfa_key: SecretStr | None = None
    mfa_key_file: Path | None = None
    key_dir: Path = Path("var")
    # NIST SP 800-63B AAL2 asks for re-authentication at least every 12 h; API tokens are short.
    token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    session_hours: int = Field(default=12, ge=1, le=12)
    # The address people open, e.g. "https://acuneuro.clinic.example". An https address turns
    # on Secure cookies and HSTS, and is the one origin forms may come from; unset, cookies
    # are not Secure, no HSTS is sent and forms must come from the Host they were sent to.
    # Never guessed from a request's Host header, which the client chooses.
    public_url: str | None = None
    # Appointment reminders by e-mail (services.reminders): the SMTP relay, its port, the
    # sender address, STARTTLS (RFC 3207) before any credentials, and optional login. Unset
    # host: ``acuneuro reminders send`` refuses with a sentence instead of guessing a server.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_from: str | None = None
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # A CA bundle for a relay whose certificate a private clinic CA signed (else the system's).
    smtp_ca_file: Path | None = None

    @field_validator("database_url")
    @classmethod
    def _parseable_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a SQLAlchemy database URL: {exc}") from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("only sqlite and postgresql databases are supported")
        return value

    @field_validator("public_url")
    @classmethod
    def _an_origin(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.username:
            raise ValueError("must be an http:// or https:// address such as "
                             "https://acuneuro.clinic.example")
        return f"{parts.scheme}://{parts.netloc.lower()}"

    @field_validator("secret_key", "audit_key", "mfa_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < _MIN_SECRET_CHARS:
            raise ValueError(f"must be at least {_MIN_SECRET_CHARS} characters")
        return value

    @model_validator(mode="after")
    def _one_source_per_secret(self) -> Settings:
        if self.secret_key is not None and self.secret_key_file is not None:
            raise ValueError("give ACUNEURO_SECRET_KEY or ACUNEURO_SECRET_KEY_FILE, not both")
        if self.audit_key is not None and self.audit_key_file is not None:
            raise ValueError("give ACUNEURO_AUDIT_KEY or ACUNEURO_AUDIT_KEY_FILE, not both")
        if self.mfa_key is not None and self.mfa_key_file is not None:
            raise ValueError("give ACUNEURO_MFA_KEY or ACUNEURO_MFA_KEY_FILE, not both")
        return self

    def signing_key(self) -> str:
        """The key that signs API tokens and session cookies."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return read_or_create_key(self.secret_key_file or self.key_dir / "secret.key")

    def audit_hmac_key(self) -> bytes:
        """The key of the audit HMAC chain; never stored in the database it protects."""
        if self.audit_key is not None:
            return self.audit_key.get_secret_value().encode()
        return read_or_create_key(self.audit_key_file or self.key_dir / "audit.key").encode()

    def mfa_sealing_key(self) -> bytes:
        """The key that seals second-factor secrets at rest; kept (and backed up) with the
        audit key, never in the database."""
        if self.mfa_key is not None:
            return self.mfa_key.get_secret_value().encode()
        return read_or_create_key(self.mfa_key_file or self.key_dir / "mfa.key").encode()


def read_or_create_key(path: Path) -> str:
    """Read a key file, creating it (mode 0600) with 256 random bits when it does not exist."""
    try:
        key = path.read_text("ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            # Another process created it between our read and our create: use theirs.
            return read_or_create_key(path)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
    if len(key) < _MIN_SECRET_CHARS:
        raise ValueError(f"{path}: key must be at least {_MIN_SECRET_CHARS} characters")
    return key
