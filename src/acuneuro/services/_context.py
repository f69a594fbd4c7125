"""What every use case needs from the installation: the database and the keys."""

from __future__ import annotations

from dataclasses import dataclass

from acuneuro.settings import Settings
from acuneuro.store import Database

__all__ = ["Context"]


@dataclass(frozen=True, slots=True)
class Context:
    """The database and the secrets, read once from ``Settings`` at start-up."""

    db: Database
    signing_key: str
    audit_key: bytes
    token_minutes: int
    session_hours: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Context:
        """Open the database and load (or create) the keys the settings point to."""
        return cls(
            db=Database(settings.database_url),
            signing_key=settings.signing_key(),
            audit_key=settings.audit_hmac_key(),
            token_minutes=settings.token_minutes,
            session_hours=settings.session_hours,
        )
