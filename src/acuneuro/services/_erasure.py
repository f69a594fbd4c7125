"""What erasure replaces: every stored copy of a patient's identifiers and free text.

GDPR Art. 17 erasure of identity must reach every copy, not only the identity row: a posted
FHIR QuestionnaireResponse may carry ``subject.display`` and a narrative naming the patient, a
STRICTA record keeps free-text deviations, and a clinician can type a name into any text field.
Two rules, both fail closed:

- narrative fields that exist to hold free text (session deviation, reason not attended,
  information given, adverse-event description) are always replaced by the erased marker, so
  records that require them stay valid;
- every other stored string (JSON copies of records, plans, the day's screen, practitioner and
  rationale text, medicine names) is replaced whole when it contains one of the patient's
  identifiers (names, telephone digits, e-mail, record number, birth date in common formats),
  compared without case or accents.

After the replacement the patient's rows are scanned again; a surviving identifier aborts the
erasure (nothing is written) rather than report an erasure that did not happen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = [
    "ALWAYS_ERASED_RECORD_FIELDS",
    "Identifiers",
    "minimal_questionnaire_response",
    "scrub",
    "strings_in",
]

# STRICTA record fields that hold narrative about the patient's day: erased unconditionally.
ALWAYS_ERASED_RECORD_FIELDS = ("deviation", "reason_not_attended", "patient_information")

# What a posted QuestionnaireResponse may not bring into the store: its narrative (markup that
# could carry script and restate the patient's identity), contained resources, and the display
# text of references (``subject.display`` holds a name); the answers and their structure stay.
_DROPPED_KEYS = ("text", "contained")
_REFERENCES = ("subject", "author", "source", "encounter", "basedOn", "partOf")


# Codes the clinical core stores (enum values, point codes, ISO dates) are never free text; a
# family name such as "Hand" must not turn the region code "hand" into an invalid record.
_CODE = re.compile(r"[a-z][a-zA-Z0-9_]*|[A-Z]{1,3}-?[A-Z]{0,2}[0-9]{1,2}|\d{4}-\d{2}-\d{2}")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isascii() and c.isdigit())


@dataclass(frozen=True)
class Identifiers:
    """The identifiers of one patient, as erasure looks for them in stored text."""

    names: tuple[str, ...]
    phone_digits: str | None
    words: tuple[str, ...]  # e-mail, record number, birth-date renderings (folded)

    @classmethod
    def of(cls, *, given: str, family: str, phone: str | None, email: str | None,
           record_number: str | None, born: date | None) -> Identifiers:
        names = {part for name in (given, family)
                 for part in re.split(r"[\s,.'-]+", _fold(name)) if len(part) >= 2}
        digits = _digits(phone or "")
        words = {_fold(w) for w in (email, record_number) if w and len(w.strip()) >= 3}
        if born is not None:
            d, m, y = f"{born.day:02d}", f"{born.month:02d}", f"{born.year:04d}"
            words |= {born.isoformat(), f"{d}/{m}/{y}", f"{d}.{m}.{y}", f"{d}-{m}-{y}",
                      f"{m}/{d}/{y}"}
        return cls(tuple(sorted(names)), digits if len(digits) >= 6 else None,
                   tuple(sorted(w.strip() for w in words)))

    def found_in(self, text: str) -> bool:
        """True when ``text`` contains any identifier (names as whole words); codes never do."""
        if _CODE.fullmatch(text):
            return False
        folded = _fold(text)
        if any(w in folded for w in self.words):
            return True
        if self.phone_digits is not None and self.phone_digits in _digits(text):
            return True
        return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", folded) for n in self.names)


def scrub(value: Any, identifiers: Identifiers, marker: str) -> tuple[Any, int]:
    """``value`` with every string that holds an identifier replaced; and how many were."""
    if isinstance(value, str):
        return (marker, 1) if identifiers.found_in(value) else (value, 0)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        count = 0
        for key, item in value.items():
            out[key], n = scrub(item, identifiers, marker)
            count += n
        return out, count
    if isinstance(value, list):
        items = [scrub(item, identifiers, marker) for item in value]
        return [v for v, _ in items], sum(n for _, n in items)
    return value, 0


def strings_in(value: Any) -> Iterable[str]:
    """Every string inside a JSON value (keys excluded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def _without_display(reference: Any) -> Any:
    if isinstance(reference, list):
        return [_without_display(r) for r in reference]
    if isinstance(reference, Mapping):
        return {k: v for k, v in reference.items() if k != "display"}
    return reference


def minimal_questionnaire_response(resource: Mapping[str, Any]) -> dict[str, Any]:
    """The posted response without narrative, contained resources or reference displays."""
    kept = {k: v for k, v in resource.items() if k not in _DROPPED_KEYS and k != "id"}
    for key in _REFERENCES:
        if key in kept:
            kept[key] = _without_display(kept[key])
    return kept
