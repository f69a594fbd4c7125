"""What a clinician must never read (issue 14, item 6): a code, a regex, a pydantic location
path, a pydantic message or a Python repr. Shared by the page crawl and the PDF checks."""

from __future__ import annotations

import re

__all__ = ["ALLOWED", "raw_codes"]

_PATTERNS = {
    "snake_case code": r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b",
    "camelCase code": r"\b[a-z]+(?:[A-Z][a-z0-9]+)+\b",
    "regex": r"\^[^\s]*\$|\[0-9|\\d|\(\?[:=!]",
    "location path": r"\b[A-Za-z_]+\.\d+(?:\.[A-Za-z_]\w*)+\b|\b[a-z_]+\.\d+\b",
    "Python repr": r"<[\w.]+ object at|\{'|\['",
    "pydantic message": r"\b(?:String|List|Input|Value) should\b|Field required|"
                        r"\bvalue_error\b|Extra inputs are not permitted",
}
_RAW = re.compile("|".join(f"(?P<g{i}>{p})" for i, p in enumerate(_PATTERNS.values())))
_KINDS = list(_PATTERNS)

# Proper names and units that look like codes; kept explicit and small.
ALLOWED = frozenset({
    "mmHg",        # unit: blood pressure
    "painDETECT",  # a questionnaire's proper name (not matched, listed for the reader)
    "eGFR",        # a laboratory measure's name
    "iPhone",
})


# Sources are cited as published: a DOI, a web address, a PMID or a trial registration.
_SOURCES = re.compile(r"\bdoi:\s*\S+|\b10\.\d{4,}/\S+|https?://\S+|\bPMID:?\s*\d+|\bNCT\d{8}\b")


def raw_codes(text: str) -> list[str]:
    """Each raw code found in ``text``, as ``kind: 'match' in '...context...'``."""
    text = _SOURCES.sub(" ", text)
    found = []
    for match in _RAW.finditer(text):
        token = match.group(0)
        if token in ALLOWED:
            continue
        kind = _KINDS[int((match.lastgroup or "g0")[1:])]
        start, end = max(0, match.start() - 30), match.end() + 30
        context = " ".join(text[start:end].split())
        found.append(f"{kind}: {token!r} in '...{context}...'")
    return found
