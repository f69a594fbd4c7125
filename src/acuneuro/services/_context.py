"""What every use case needs from the installation: the database and the keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from acuneuro.services import _token_cache
from acuneuro.services.audit_anchor import attach, audit_anchor_path
from acuneuro.settings import Settings
from acuneuro.store import Database

__all__ = ["Context", "audit_anchor_path"]


@dataclass(frozen=True, slots=True)
class Context:
    """The database and the secrets, read once from ``Settings`` at start-up."""

    db: Database
    signing_key: str
    audit_key: bytes
    token_minutes: int
    session_hours: int
    # Where the audit chain's head is anchored after each commit (None: not anchored).
    audit_anchor: Path | None = None
    # Seals TOTP secrets at rest (services._sealed); None: second factors cannot be enrolled
    # or checked, so logins that need one are refused (fail closed).
    mfa_key: bytes | None = None
    # ``Settings.public_url`` as an origin ("https://host[:port]"), or None when not set.
    public_url: str | None = None

    @property
    def https(self) -> bool:
        """True when the configured public address is https: Secure cookies and HSTS."""
        return self.public_url is not None and self.public_url.startswith("https://")

    @classmethod
    def from_settings(cls, settings: Settings, *, create_keys: bool = True) -> Context:
        """Open the database and load the keys the settings point to; missing keys are
        created only with ``create_keys`` (else ``settings.MissingKey``, before the database
        is opened)."""
        signing_key = settings.signing_key(create=create_keys)
        audit_key = settings.audit_hmac_key(create=create_keys)
        mfa_key = settings.mfa_sealing_key(create=create_keys)
        db = Database(settings.database_url)
        anchor = audit_anchor_path(settings)
        attach(db, anchor)
        _token_cache.attach(db, _token_cache.revocation_mark_path(anchor))
        return cls(
            db=db,
            signing_key=signing_key,
            audit_key=audit_key,
            token_minutes=settings.token_minutes,
            session_hours=settings.session_hours,
            audit_anchor=anchor,
            mfa_key=mfa_key,
            public_url=settings.public_url,
        )
