"""argon2id password hashing (argon2-cffi's RFC 9106 low-memory profile, above the OWASP floor)
and the rules a new password must meet (NIST SP 800-63B rev. 3, 5.1.1.2).

References: OWASP Password Storage Cheat Sheet (argon2id, m>=19 MiB, t>=2, p=1 or equivalent);
argon2-cffi ``PasswordHasher()`` defaults t=3, m=64 MiB, p=4
(shared/reference/security-reliability.md A1.2).

NIST SP 800-63B 5.1.1.2 asks verifiers to accept at least 8 characters and permit at least 64,
to impose no composition rules, and to compare a new password against "passwords obtained from
previous breach corpuses, dictionary words, repetitive or sequential characters (e.g.
'aaaaaa', '1234abcd'), context-specific words, such as the name of the service, the username,
and derivatives thereof", refusing it with the reason. Here: at least 12 characters (ASVS
4.0.3 2.1.1; a design choice above NIST's 8 because a stolen database is attacked offline),
at most 1024; the zxcvbn estimator (its frequency lists hold common and breached passwords
and English words, its matchers find repeats, sequences, keyboard patterns and dates) must
rate it at least 3 of 4 ("safely unguessable", about 10^8 guesses); and what is left once the
account's email, its parts, the clinic's name and ``password_blocklist.txt`` are taken out
must rate 3 as well, so "Alice-Example-2026" for alice@example.org is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

__all__ = [
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "MIN_STRENGTH",
    "check_password_policy",
    "context_words",
    "hash_password",
    "verify",
]

# ASVS 5.0 6.2.1 allows 8 and strongly recommends 15; 4.0.3 asked for 12. 6.2.9: allow 64+.
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
# zxcvbn's score 3: "safely unguessable: moderate protection from offline slow-hash scenario".
MIN_STRENGTH = 3
# zxcvbn refuses longer input (its matching is superlinear); the first 72 characters of a
# longer password are judged, which only ever errs towards refusing.
_ESTIMATED = 72
_WORD = re.compile(r"[a-z0-9]{3,}")

_hasher = PasswordHasher()
# Verified against when the account does not exist, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("acuneuro-no-such-account")


@cache
def _blocklist() -> tuple[str, ...]:
    text = files("acuneuro.services").joinpath("password_blocklist.txt").read_text("utf-8")
    words = (line.strip().lower() for line in text.splitlines())
    return tuple(w for w in words if w and not w.startswith("#"))


def context_words(email: str | None = None, clinic: str | None = None) -> list[str]:
    """The words of this account a password must not lean on: the email, its parts (3+
    characters) and the clinic's name and its words, longest first."""
    found: set[str] = set()
    for given in (email, clinic):
        if given:
            lowered = given.strip().lower()
            found.add(lowered)
            found.update(_WORD.findall(lowered))
    found.discard("org")
    found.discard("com")
    return sorted(found, key=len, reverse=True)


def check_password_policy(password: str, context: Iterable[str] = ()) -> str | None:
    """Why ``password`` is refused (one sentence naming the password), or ``None``.

    ``context`` holds the account's own words (``context_words``).
    """
    if len(password) < MIN_PASSWORD:
        return (f"The password needs at least {MIN_PASSWORD} characters: a few unrelated words "
                "make a good one.")
    if len(password) > MAX_PASSWORD:
        return f"The password may have at most {MAX_PASSWORD} characters."
    mine = [w.lower() for w in context if w]
    result = zxcvbn(password[:_ESTIMATED], user_inputs=[*mine, *_blocklist()])
    if result["score"] < MIN_STRENGTH:
        warning = str(result["feedback"].get("warning") or "").strip()
        reason = f" ({warning[:1].lower()}{warning[1:].rstrip('.')})" if warning else ""
        return (f"The password is too easy to guess{reason}: choose a longer one of a few "
                "unrelated words.")
    rest = password.lower()
    for word in sorted({*mine, *_blocklist()}, key=len, reverse=True):
        rest = rest.replace(word, "")
    if zxcvbn(rest[:_ESTIMATED])["score"] < MIN_STRENGTH:
        return ("The password leans on your email address, the clinic's name or the name of "
                "this service: without them too little is left. Add words of your own.")
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
