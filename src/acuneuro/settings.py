"""The one configuration object: environment variables ``ACUNEURO_*``, checked when read.

Secrets (the signing key for tokens and cookies, the audit HMAC key) are kept outside the
database: given as ``ACUNEURO_SECRET_KEY`` / ``ACUNEURO_AUDIT_KEY``, or as a path in
``ACUNEURO_SECRET_KEY_FILE`` / ``ACUNEURO_AUDIT_KEY_FILE`` (Healthchecks' ``NAME_FILE`` style),
or, when neither is set, generated once into the key folder with owner-only permissions so that
the zero-configuration demo works and restarts keep sessions and the audit chain valid.

The key folder is resolved once, to an absolute path, when the settings are read:
``ACUNEURO_KEY_DIR`` when given; else the folder of the SQLite database file; else (PostgreSQL)
``$STATE_DIRECTORY`` (set by systemd's ``StateDirectory=``), else ``$XDG_STATE_HOME/acuneuro``,
else ``~/.local/state/acuneuro``. So a command run from another working directory finds the
same keys. Only the commands that may create a database (``db upgrade``, ``serve``, ``demo``)
create missing keys; every other command stops with :class:`MissingKey` (docs/operations.md).
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

__all__ = [
    "DEFAULT_DATABASE_URL",
    "MissingKey",
    "Settings",
    "default_key_dir",
    "read_or_create_key",
]

DEFAULT_DATABASE_URL = "sqlite:///var/acuneuro.db"
_MIN_SECRET_CHARS = 32


class MissingKey(LookupError):
    """A key file the settings point to does not exist and may not be created here."""


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
    # None: beside the SQLite file, else the state folder (default_key_dir); made absolute.
    key_dir: Path | None = None
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
        # Resolved once, absolutely: a later chdir or another working directory finds the same
        # files (frozen model, hence object.__setattr__ inside the validator).
        folder = self.key_dir if self.key_dir is not None else default_key_dir(self.database_url)
        object.__setattr__(self, "key_dir", folder.expanduser().absolute())
        for name in ("secret_key_file", "audit_key_file", "mfa_key_file"):
            path = getattr(self, name)
            if path is not None:
                object.__setattr__(self, name, path.expanduser().absolute())
        return self

    @property
    def keys(self) -> Path:
        """The absolute key folder (``key_dir`` after resolution)."""
        assert self.key_dir is not None  # noqa: S101 - set by the validator above
        return self.key_dir

    def sqlite_path(self) -> Path | None:
        """The absolute path of the SQLite database file, None for PostgreSQL or in-memory."""
        return _sqlite_file(self.database_url)

    def signing_key(self, *, create: bool = True) -> str:
        """The key that signs API tokens and session cookies."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return read_or_create_key(self.secret_key_file or self.keys / "secret.key", create=create)

    def audit_hmac_key(self, *, create: bool = True) -> bytes:
        """The key of the audit HMAC chain; never stored in the database it protects."""
        if self.audit_key is not None:
            return self.audit_key.get_secret_value().encode()
        path = self.audit_key_file or self.keys / "audit.key"
        return read_or_create_key(path, create=create).encode()

    def mfa_sealing_key(self, *, create: bool = True) -> bytes:
        """The key that seals second-factor secrets at rest; kept (and backed up) with the
        audit key, never in the database."""
        if self.mfa_key is not None:
            return self.mfa_key.get_secret_value().encode()
        return read_or_create_key(self.mfa_key_file or self.keys / "mfa.key",
                                  create=create).encode()


def _sqlite_file(database_url: str) -> Path | None:
    url = make_url(database_url)
    name = url.database
    if url.get_backend_name() != "sqlite" or not name or name == ":memory:" \
            or name.startswith("file:"):
        return None
    return Path(name).expanduser().absolute()


def default_key_dir(database_url: str) -> Path:
    """Where keys live when ``ACUNEURO_KEY_DIR`` is not given (see the module docstring)."""
    database = _sqlite_file(database_url)
    if database is not None:
        return database.parent
    if state := os.environ.get("STATE_DIRECTORY"):
        # systemd may list several folders separated by colons; the first is ours.
        return Path(state.split(":")[0])
    if xdg := os.environ.get("XDG_STATE_HOME"):
        return Path(xdg) / "acuneuro"
    return Path.home() / ".local" / "state" / "acuneuro"


def read_or_create_key(path: Path, *, create: bool = True) -> str:
    """Read a key file, creating it (mode 0600) with 256 random bits when it does not exist
    and ``create`` is true; else :class:`MissingKey`."""
    try:
        key = path.read_text("ascii").strip()
    except FileNotFoundError:
        if not create:
            raise MissingKey(f"key file {path} not found; give ACUNEURO_KEY_DIR (the folder "
                             "holding secret.key, audit.key and mfa.key) or restore the keys "
                             "from their backup") from None
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            # Another process created it between our read and our create: use theirs.
            return read_or_create_key(path, create=create)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
    if len(key) < _MIN_SECRET_CHARS:
        raise ValueError(f"{path}: key must be at least {_MIN_SECRET_CHARS} characters")
    return key
