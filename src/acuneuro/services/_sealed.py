"""Small secrets sealed at rest: AES-256-GCM under a key kept outside the database.

Used for TOTP secrets, which (unlike passwords) must be read back to check a code, so they
cannot be hashed. The AES key is derived from the installation's MFA key file with
HKDF-SHA256 (RFC 5869); a random 96-bit nonce per value (NIST SP 800-38D 8.2.2); the
associated data binds a value to its row, so a sealed secret copied to another account fails
to open (ASVS 5.0 11.1.2 / 13.3: secrets encrypted at rest with a key not in the database).
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["is_sealed", "seal", "unseal"]

_PREFIX = "v1:"
_NONCE_BYTES = 12
_INFO = b"acuneuro sealed secret v1"


def is_sealed(value: str) -> bool:
    """True for a value written by ``seal`` (older rows hold the plain secret)."""
    return value.startswith(_PREFIX)


def seal(key: bytes, plaintext: str, bound_to: bytes) -> str:
    """``plaintext`` encrypted and authenticated, as ASCII text for a string column."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _aead(key).encrypt(nonce, plaintext.encode(), bound_to)
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(key: bytes, value: str, bound_to: bytes) -> str:
    """The plaintext of a sealed value; ValueError when the key, the row or the bytes differ."""
    if not is_sealed(value):
        raise ValueError("not a sealed value")
    try:
        raw = base64.urlsafe_b64decode(value[len(_PREFIX):].encode("ascii"))
        return _aead(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], bound_to).decode()
    except (InvalidTag, ValueError) as exc:
        raise ValueError("sealed value does not open with this key for this row") from exc


def _aead(key: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key)
    return AESGCM(derived)
