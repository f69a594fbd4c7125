"""Second factors of staff accounts: a TOTP secret and hashed single-use recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from acuneuro.store._base import Base, UTCDateTime, utcnow

__all__ = ["AccountLink", "MfaCredential"]


class MfaCredential(Base):
    """One account's TOTP (RFC 6238) enrolment; usable once ``confirmed_at`` is set.

    ``last_step`` is the newest 30-second time step already accepted, so a code cannot be
    replayed within its window (ASVS 5.0 6.5.1); ``recovery_hashes`` are argon2id hashes of
    the unused recovery codes, each removed when used.
    """

    __tablename__ = "mfa_credentials"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # Base32 RFC 6238 secret, sealed with the installation's MFA key (services.mfa) so that a
    # copy of the database alone does not yield the codes; 255 leaves room for the envelope.
    secret: Mapped[str] = mapped_column(String(255))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_step: Mapped[int | None] = mapped_column()
    recovery_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AccountLink(Base):
    """A one-time link an administrator issues: enrol a second factor, or set a new password.

    Only the SHA-256 of the link's 256-bit random token is stored (the token is as strong as
    a key, so a slow hash adds nothing), so a copy of the database opens no link. A link is
    spent by setting ``used_at``; issuing a new one for the same account and purpose spends
    the older ones.
    """

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # "mfa-enrolment" or "password-reset" (services.account_links.Purpose).
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who issued it: an administrator's email or "system:cli".
    issued_by: Mapped[str] = mapped_column(String(254))
