"""Knowledge prose in the reader's language: message templates and stored English sentences.

Two ways prose reaches a page, both through the one catalogue (``messages.po``):

* A message made from a template with named placeholders (a safety rule's ``message`` in
  ``knowledge/safety/*.yaml``: ``"INR {value:g} is above {above:g}: ..."``) is kept as the
  template and its parameters; :func:`render` translates the template (the catalogue's msgid is
  the template itself, extracted by ``acuneuro.i18n.extract``) and then fills it, translating
  each text parameter too. :func:`fill` fills it in English, for the stored English message.
* A text stored in English before it could be kept as a key (a plan's point rationale, an old
  finding) is translated by :func:`prose`: whole, else sentence by sentence, where a sentence
  made from a known template (``patterns``) is read back into its template and parameters.

A translation whose placeholders do not match its template falls back to English: a wrong
sentence in a clinical message is worse than an English one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from acuneuro.i18n import N_, current_locale, format_number, gettext

__all__ = ["fill", "prose", "render"]

# A placeholder of a template: {name} or {name:format}.
_FIELD = re.compile(r"\{(\w+)(?::[^{}]*)?\}")
_AND = N_("and")  # between the two last items of a list written "a and b"
# Sentences end with ". ", "; " or ": " before the next one (not in "e.g. " or "2.5").
_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[A-Z(])")


class _Number(float):
    """A measured value that a template writes with the reader's decimal mark ("INR 6,2")."""

    def __format__(self, spec: str) -> str:
        return format_number(float(self), spec)


def _value(value: Any, translate: bool) -> Any:
    """One parameter as it is written in the message (a nested template is rendered)."""
    if translate and isinstance(value, float):
        return _Number(value)
    if isinstance(value, Mapping) and "template" in value:
        return _render(str(value["template"]), value.get("params", {}), translate)
    if isinstance(value, Mapping) and "items" in value:  # a list with its own separator
        sep = str(value.get("sep", ", "))
        if translate and sep == " and ":
            sep = f" {gettext(_AND)} "
        return sep.join(str(_value(v, translate)) for v in value["items"])
    if isinstance(value, list | tuple):
        items = [str(_value(v, translate)) for v in value]
        # A list of labels that hold commas themselves is separated by semicolons.
        return ("; " if any("," in i for i in items) else ", ").join(items)
    if isinstance(value, str):
        return _word(value) if translate else value
    return value


def _word(text: str) -> str:
    """A text parameter (a label, a side, a code) in the current language, else as it is."""
    translated = gettext(text)
    if translated == text and re.fullmatch(r"[a-z]+(_[a-z]+)+", text):
        words = text.replace("_", " ")  # a code shown as its words: upper_arm -> upper arm
        if gettext(words) != words:
            return gettext(words)
    if translated == text and text[:1].isupper() and text[1:].islower():
        lower = gettext(text.lower())  # a label capitalised to start a sentence ("Ulcer")
        if lower != text.lower():
            return lower[:1].upper() + lower[1:]
    return translated


def _render(template: str, params: Mapping[str, Any], translate: bool) -> str:
    values = {k: _value(v, translate) for k, v in params.items()}
    if translate:
        try:
            return gettext(template).format(**values)
        except (KeyError, IndexError, ValueError):
            pass  # the translation names another placeholder: English is still right
    return template.format(**values)


def fill(template: str, params: Mapping[str, Any]) -> str:
    """``template`` filled with ``params`` in English (the message that is stored)."""
    return _render(template, params, translate=False)


def render(template: str, params: Mapping[str, Any]) -> str:
    """``template`` and its ``params`` in the current language."""
    return _render(template, params, translate=current_locale() != "en")


@cache
def _pattern(template: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """A regular expression reading a sentence of ``template`` back into its parameters."""
    names: list[str] = []
    parts: list[str] = []
    last = 0
    for match in _FIELD.finditer(template):
        parts.append(re.escape(template[last:match.start()]))
        name = match.group(1)
        parts.append(f"(?P<{name}>.+?)" if name not in names else f"(?P={name})")
        names.append(name)
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts) + r"\Z", re.S), tuple(names)


def _sentence(text: str, patterns: Iterable[str]) -> str:
    translated = gettext(text)
    if translated != text:
        return translated
    for template in patterns:
        match = _pattern(template)[0].match(text)
        if match is not None:
            params = {k: _split(v) for k, v in match.groupdict().items()}
            try:
                return _render(template, params, translate=True)
            except (KeyError, IndexError, ValueError):
                continue  # a value read back that the template cannot format
    return text


def _split(value: str) -> Any:
    """A parameter read back from a sentence: a list when it was a list of words."""
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return float(value) if "." in value else int(value)
    return value.split(", ") if ", " in value else value


def prose(text: str | None, patterns: Iterable[str] = ()) -> str:
    """Stored English prose in the current language: the whole text when the catalogue has it,
    else each sentence that the catalogue has or that one of ``patterns`` (templates with named
    placeholders) reads; a sentence known to neither stays as it was written."""
    if not text:
        return text or ""
    if current_locale() == "en":
        return text
    whole = gettext(text)
    if whole != text:
        return whole
    patterns = tuple(patterns)
    whole = _sentence(text, patterns)  # a template of several sentences, read back whole
    if whole != text:
        return whole
    return " ".join(_sentence(s, patterns) for s in _SENTENCE.split(text))
