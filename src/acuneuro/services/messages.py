"""Refused input in the clinician's words: one sentence per field, naming the field's label.

Every interface turns a pydantic ``ValidationError`` into sentences here, so a web form, an
API 422 body and a command's error line say the same thing: "Needle depth (mm) of point 1
cannot be below 0." and never ``points.0.depth_mm: Input should be greater than or equal to
0``. Field and item words come from ``knowledge/labels.yaml`` (``fields``, ``items``); a
pattern is never shown, an example of the expected form is (``_EXAMPLES``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from acuneuro.i18n import gettext as _
from acuneuro.knowledge import code_label, code_labels

__all__ = ["FieldError", "field_errors", "field_label", "sentence_of", "validation_sentences"]

# What a well-formed value looks like, for fields refused by a pattern (the pattern itself is
# never shown). Examples only: the rule stays in the model.
_EXAMPLES = {
    "icd10": "E11.4",
    "dermatome": "T5",
    "phone": "+39 02 1234 5678",
    "email": "name@example.org",
    "record_number": "MRN-2024-001",
}


@dataclass(frozen=True)
class FieldError:
    """One refused field: its location (for machines), its label and the sentence."""

    location: tuple[str | int, ...]
    label: str
    sentence: str

    @property
    def field(self) -> str:
        """The last named part of the location (a form field's name), or ``""``."""
        return next((str(p) for p in reversed(self.location) if isinstance(p, str)), "")


def _word(kind: str, key: str) -> str | None:
    found = code_labels().get(kind, {}).get(key)
    return _(found) if found else None


def field_label(location: Sequence[str | int], labels: Mapping[str, str] | None = None) -> str:
    """The words for a location: ``("points", 0, "depth_mm")`` -> "needle depth (mm) of point 1".

    ``labels`` (by field name) override the shared table, so a form can use its own labels.
    """
    parts = [p for p in location if p not in ("body", "query", "form", "path")]
    # A key with no name (``{"": ...}`` in a file) says nothing: the field around it is named.
    named = [str(p) for p in parts if isinstance(p, str) and p.strip()]
    if not named:
        return _("this value")
    last = named[-1]
    if labels and last in labels:  # the form's own words say which field it is
        return labels[last]
    label = _word("fields", last) or code_label(last)
    # The nearest list item before the field: "of point 1".
    for i in range(len(parts) - 1, 0, -1):
        index, container = parts[i], parts[i - 1]
        if isinstance(index, int) and isinstance(container, str):
            item = _word("items", container) or code_label(container)
            if item == label:  # "dermatome 1", not "dermatome of dermatome 1"
                return f"{item} {index + 1}"
            return _("%(field)s of %(item)s %(n)d") % {
                "field": label, "item": item, "n": index + 1}
    return label


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# The label table of the codes a field takes, where a plain word means something of its own.
_KIND_OF_FIELD = {"kind": "conditions", "condition": "conditions", "relatedness": "relatedness",
                  "outcome": "adverse_event_outcomes", "attendance": "attendance",
                  "response_sought": "needle_response", "comparator": "comparators",
                  "action": "adverse_event_actions", "type": "adverse_event_types"}


def _choices(expected: str, field: str) -> str:
    kind = _KIND_OF_FIELD.get(field, "any")
    words = [code_label(w, kind) for w in re.findall(r"'([^']*)'", expected)]
    return ", ".join(words)


def _phrase(kind: str, ctx: Mapping[str, Any], msg: str, last: str) -> str:
    """The predicate of the sentence, for one pydantic error type."""
    if kind == "missing":
        return _("is required.")
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        return _("is required.") if n == 1 else _("needs at least %(n)s characters.") % {"n": n}
    if kind == "string_too_long":
        return _("is too long: at most %(n)s characters.") % {"n": ctx.get("max_length")}
    if kind == "string_pattern_mismatch":
        example = _EXAMPLES.get(last)
        if example:
            return _("is not in the expected form (for example %(example)s).") % {
                "example": example}
        return _("is not in the expected form.")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        key = {"greater_than_equal": "ge", "greater_than": "gt",
               "less_than_equal": "le", "less_than": "lt"}[kind]
        if ctx.get(key) is None:  # a limit the error does not carry
            return _("is too small.") if key in ("ge", "gt") else _("is too large.")
        if key == "ge" and ctx[key] == 0:
            return _("cannot be negative.")
        n = _number(ctx.get(key))
        texts = {"ge": _("cannot be below %(n)s."), "gt": _("must be more than %(n)s."),
                 "le": _("cannot be above %(n)s."), "lt": _("must be less than %(n)s.")}
        return texts[key] % {"n": n}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("must be a whole number.")
    if kind in ("float_parsing", "float_type", "finite_number", "decimal_parsing"):
        return _("must be a number.")
    if kind in ("date_parsing", "date_type", "date_from_datetime_parsing",
                "date_from_datetime_inexact", "datetime_parsing", "datetime_type",
                "datetime_from_date_parsing"):
        return _("must be a real date (day, month and year).")
    if kind in ("bool_parsing", "bool_type"):
        return _("must be yes or no.")
    if kind in ("enum", "literal_error"):
        if not ctx.get("expected"):
            return _("is not one of the choices offered.")
        choices = _choices(str(ctx.get("expected", "")), last)
        return _("must be one of: %(choices)s.") % {"choices": choices}
    if kind == "too_short":
        return _("needs at least %(n)s.") % {"n": ctx.get("min_length", 1)}
    if kind == "too_long":
        return _("can have at most %(n)s.") % {"n": ctx.get("max_length")}
    if kind == "extra_forbidden":  # the key as typed, so that it can be found and fixed
        return _("is not a field this form or document knows.")
    if kind in ("value_error", "assertion_error"):
        text = re.sub(r"^(Value|Assertion) error, ", "", msg).rstrip(".")
        return f": {text}."
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        return _("is not the right kind of value.")
    if msg and not re.match(r"(Input|String|List|Value|Field|Dictionary|Object) ", msg):
        return f": {msg.rstrip('.')}."  # the project's own sentence (a custom error)
    return _("is not valid.")


def sentence_of(error: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> FieldError:
    """One pydantic error (``exc.errors()`` item) as a :class:`FieldError`."""
    location = tuple(error.get("loc") or ())
    label = field_label(location, labels)
    if error.get("type") == "extra_forbidden" and location and isinstance(location[-1], str):
        where = field_label(location[:-1], labels) if location[:-1] else ""
        label = f'"{location[-1]}"' + (_(" (in %(where)s)") % {"where": where} if where else "")
    last = next((str(p) for p in reversed(location) if isinstance(p, str)), "")
    phrase = _phrase(str(error.get("type", "")), error.get("ctx") or {},
                     str(error.get("msg", "")), last)
    text = f"{label}{phrase}" if phrase.startswith(":") else f"{label} {phrase}"
    return FieldError(location, label, text[:1].upper() + text[1:])


def field_errors(exc: ValidationError | Sequence[Mapping[str, Any]],
                 labels: Mapping[str, str] | None = None) -> list[FieldError]:
    """Every error of ``exc`` as a sentence on its field's label, in order."""
    errors = exc.errors(include_url=False) if isinstance(exc, ValidationError) else exc
    return [sentence_of(e, labels) for e in errors]


def validation_sentences(exc: ValidationError | Sequence[Mapping[str, Any]],
                         labels: Mapping[str, str] | None = None) -> str:
    """All the sentences of ``exc`` as one text (a page's or a command's message)."""
    return " ".join(dict.fromkeys(e.sentence for e in field_errors(exc, labels)))
