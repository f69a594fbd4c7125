"""Backups encrypted with a passphrase: a stream of AES-256-GCM chunks under a scrypt key.

A sealed backup is the ordinary archive (``store.backup``) written through ``SealingWriter``,
so the plain archive never reaches the disk. Layout: a magic line, one JSON header line (the
scrypt parameters and salt, the chunk size, the nonce prefix), then chunks of at most
``CHUNK`` plain bytes, each a 4-byte big-endian length and its ciphertext with tag. Each
chunk's nonce is the 7-byte random prefix, its 4-byte counter and a last-chunk flag, and the
header is each chunk's associated data: the online authenticated-encryption "STREAM"
construction of Hoang, Reyhanitabar, Rogaway and Vizár (CRYPTO 2015), as in age and Tink, so
a reordered, dropped, truncated or extended file fails to open, as does a changed header.
The key is scrypt (RFC 7914) with N = 2**17, r = 8, p = 1, the OWASP Password Storage Cheat
Sheet's minimum for scrypt. HIPAA 164.312(a)(2)(iv) (encryption at rest, addressable).
"""

from __future__ import annotations

import base64
import io
import json
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

__all__ = ["CHUNK", "MAGIC", "SealedBackupError", "SealingWriter", "is_sealed", "open_sealed"]

MAGIC = b"ACUNEURO-SEALED-BACKUP/1\n"
CHUNK = 1 << 20
_SCRYPT = {"n": 1 << 17, "r": 8, "p": 1}
_PREFIX_BYTES = 7
_TAG_BYTES = 16
_MAX_HEADER = 4096


class SealedBackupError(ValueError):
    """A sealed backup that does not open: wrong passphrase, or altered or cut short."""


def is_sealed(path: os.PathLike[str] | str) -> bool:
    """True when the file starts as a sealed backup does."""
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> AESGCM:
    return AESGCM(Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode()))


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I?", counter, last)


class SealingWriter(io.RawIOBase):
    """A write-only, unseekable stream that seals what is written into ``out``.

    ``finish()`` writes the last chunk; a writer dropped without it leaves a file that
    ``open_sealed`` refuses as cut short.
    """

    def __init__(self, out: BinaryIO, passphrase: str, *, scrypt_n: int = _SCRYPT["n"]) -> None:
        super().__init__()
        salt, self._prefix = os.urandom(16), os.urandom(_PREFIX_BYTES)
        params = {"kdf": "scrypt", "n": scrypt_n, "r": _SCRYPT["r"], "p": _SCRYPT["p"],
                  "salt": base64.b64encode(salt).decode(), "chunk": CHUNK,
                  "nonce_prefix": base64.b64encode(self._prefix).decode()}
        self._header = MAGIC + json.dumps(params, sort_keys=True).encode() + b"\n"
        self._aead = _key(passphrase, salt, scrypt_n, _SCRYPT["r"], _SCRYPT["p"])
        self._out, self._buffer, self._counter = out, bytearray(), 0
        out.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._buffer += data
        # Strictly more than a chunk: what is left at finish() is the (possibly empty) last one.
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def finish(self) -> None:
        """Seal the last chunk; the stream is complete."""
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _emit(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), plain,
                                    self._header)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1


def open_sealed(source: BinaryIO, passphrase: str, into: BinaryIO) -> None:
    """Write the plain archive of the sealed stream ``source`` into ``into``, or raise."""
    if source.read(len(MAGIC)) != MAGIC:
        raise SealedBackupError("not a sealed acuneuro backup")
    line = source.readline(_MAX_HEADER)
    try:
        params = json.loads(line)
        salt = base64.b64decode(params["salt"])
        prefix = base64.b64decode(params["nonce_prefix"])
        aead = _key(passphrase, salt, int(params["n"]), int(params["r"]), int(params["p"]))
        limit = int(params["chunk"]) + _TAG_BYTES
    except (ValueError, KeyError, TypeError) as exc:
        raise SealedBackupError(f"sealed backup header unreadable ({exc})") from None
    header, counter = MAGIC + line, 0
    while True:
        size = source.read(4)
        if len(size) < 4:
            raise SealedBackupError("sealed backup is cut short (no last chunk)")
        (length,) = struct.unpack(">I", size)
        sealed = source.read(length) if length <= limit else b""
        if len(sealed) != length:
            raise SealedBackupError("sealed backup is cut short or damaged")
        try:
            plain = aead.decrypt(_nonce(prefix, counter, False), sealed, header)
            last = False
        except InvalidTag:
            try:
                plain = aead.decrypt(_nonce(prefix, counter, True), sealed, header)
                last = True
            except InvalidTag:
                raise SealedBackupError(
                    "sealed backup does not open: wrong passphrase, or the file was altered"
                ) from None
        into.write(plain)
        counter += 1
        if last:
            if source.read(1):
                raise SealedBackupError("sealed backup has data after its last chunk")
            return
