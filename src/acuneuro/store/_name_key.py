"""The folded form of a patient's name that search and the duplicate check compare.

Clinic staff type names the way they hear them: without accents, in any case, surname first
or last. ``fold`` maps a name to a lower-case, accent-free string (Unicode NFKD, combining
marks dropped, ``str.casefold``; letters that do not decompose, such as "ø" or "ł", mapped by
hand), so "Mäple" and "MAPLE" both fold to "maple". ``name_key`` is the stored column
``patient_identities.name_key``: given name then family name, each folded.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "fold_name", "name_key"]

# Latin letters with no canonical decomposition (Unicode 15, NFKD leaves them whole).
_UNDECOMPOSED = str.maketrans({
    "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d",
    "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "Þ": "th", "ı": "i",
})
# Apostrophes vanish (O'Brien = OBrien); hyphens, commas and other separators become spaces.
_APOSTROPHES = re.compile(r"['\u2019\u02bc`\u00b4]")
_SEPARATORS = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """``text`` lower-cased, without accents, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(_SEPARATORS.sub(" ", _APOSTROPHES.sub("", bare)).split())


def name_key(given_name: str, family_name: str) -> str:
    """The stored search key of a name: folded given name, a space, folded family name."""
    return f"{fold(given_name)} {fold(family_name)}".strip()


# The public name (``acuneuro.store.fold_name``): "fold" alone says too little out of context.
fold_name = fold
