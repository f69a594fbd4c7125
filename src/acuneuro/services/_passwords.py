"""argon2id password hashing (argon2-cffi's RFC 9106 low-memory profile, above the OWASP floor).

References: OWASP Password Storage Cheat Sheet (argon2id, m>=19 MiB, t>=2, p=1 or equivalent);
argon2-cffi ``PasswordHasher()`` defaults t=3, m=64 MiB, p=4
(shared/reference/security-reliability.md A1.2).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MAX_PASSWORD", "MIN_PASSWORD", "check_password_policy", "hash_password", "verify"]

# ASVS 5.0 6.2.1 allows 8 and strongly recommends 15; 4.0.3 asked for 12. 6.2.9: allow 64+.
MIN_PASSWORD = 12
MAX_PASSWORD = 1024

_hasher = PasswordHasher()
# Verified against when the account does not exist, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("acuneuro-no-such-account")


def check_password_policy(password: str) -> str | None:
    """Why ``password`` is refused, or ``None`` when it is acceptable."""
    if len(password) < MIN_PASSWORD:
        return f"password must have at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"password must have at most {MAX_PASSWORD} characters"
    return None


def hash_password(password: str) -> str:
    """The argon2id PHC string for ``password``."""
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Whether ``password`` matches, and a fresh hash when the parameters have been raised."""
    try:
        _hasher.verify(stored_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if stored_hash is None:
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored_hash) else None)
