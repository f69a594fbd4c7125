"""Sealed secrets: AES-256-GCM under a key outside the database, bound to their row."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acuneuro.services._sealed import is_sealed, seal, unseal

KEY = b"k" * 43
ROW = b"acuneuro.mfa_credentials:7"


@given(st.text(max_size=200))
def test_what_is_sealed_opens_to_the_same_text(text: str) -> None:
    assert unseal(KEY, seal(KEY, text, ROW), ROW) == text


def test_the_sealed_text_hides_the_secret_and_differs_each_time() -> None:
    first, second = seal(KEY, "JBSWY3DPEHPK3PXP", ROW), seal(KEY, "JBSWY3DPEHPK3PXP", ROW)
    assert is_sealed(first) and first != second and "JBSWY3DP" not in first
    assert len(first) <= 255


@pytest.mark.parametrize(
    ("key", "row", "mangle"),
    [(b"another key entirely, 32 chars++", ROW, False),
     (KEY, b"acuneuro.mfa_credentials:8", False),
     (KEY, ROW, True)],
    ids=["other-key", "other-row", "tampered"],
)
def test_a_sealed_value_does_not_open_with_another_key_row_or_byte(
    key: bytes, row: bytes, mangle: bool
) -> None:
    sealed = seal(KEY, "JBSWY3DPEHPK3PXP", ROW)
    if mangle:
        sealed = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    with pytest.raises(ValueError, match="does not open"):
        unseal(key, sealed, row)


def test_a_plain_value_is_not_taken_for_a_sealed_one() -> None:
    assert not is_sealed("JBSWY3DPEHPK3PXP")
    with pytest.raises(ValueError, match="not a sealed value"):
        unseal(KEY, "JBSWY3DPEHPK3PXP", ROW)
