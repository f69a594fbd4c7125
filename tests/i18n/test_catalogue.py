"""The Italian catalogue is complete and current, and no page text escapes translation.

``make messages`` collects the texts (babel.cfg) and merges them into the catalogue; these tests
fail on a text of the sources missing from the catalogue, on an entry without a translation or
marked fuzzy, on a translation that drops or invents a placeholder, and on a template text that
is not wrapped in ``_()``.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[2]
PO = ROOT / "src" / "acuneuro" / "i18n" / "locale" / "it" / "LC_MESSAGES" / "messages.po"
TEMPLATES = ROOT / "src" / "acuneuro" / "web" / "templates"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
_PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)s|%%")


def _catalogue() -> Catalog:
    with PO.open("rb") as handle:
        return read_po(handle, locale="it")


def _forms(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_every_italian_entry_has_a_translation_that_is_not_fuzzy() -> None:
    untranslated = [m.id for m in _catalogue() if m.id and (
        m.fuzzy or not all(_forms(m.string or "")) or len(_forms(m.string or "")) <
        len(_forms(m.id)))]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:10]}"


def test_every_translation_keeps_the_placeholders_of_its_text() -> None:
    wrong = []
    for m in _catalogue():
        if not m.id:
            continue
        wanted = sorted(_PLACEHOLDER.findall(_forms(m.id)[-1]))
        for form in _forms(m.string or ""):
            if form and sorted(_PLACEHOLDER.findall(form)) != wanted:
                wrong.append((m.id, form))
    assert not wrong, wrong[:5]


_FIELD = re.compile(r"\{(\w+)(?::[^{}]*)?\}")


def test_every_translated_template_keeps_the_named_fields_of_its_text() -> None:
    # Knowledge message templates ("INR {value:g} is above {above:g}: ...") are filled after
    # translation (acuneuro.i18n.prose): the same names, each format free to follow the
    # language ("{value:,.0f}" may become "{value:.0f}" where the comma is the decimal mark).
    wrong = []
    for m in _catalogue():
        fields = sorted(set(_FIELD.findall(m.id))) if isinstance(m.id, str) else []
        if m.string and fields != sorted(set(_FIELD.findall(str(m.string)))):
            wrong.append((m.id, m.string))
    assert not wrong, wrong[:5]


def test_the_catalogue_holds_every_translatable_text_of_the_sources() -> None:
    # The same extraction as `make messages`, in process: a new _() text without an entry
    # means the catalogue was not brought up to date.
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    found = {message if isinstance(message, str) else message[0]
             for _name, _line, message, *_rest in extract_from_dir(
                 ROOT, method_map, options_map, keywords=KEYWORDS)}
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue() if m.id}
    missing = sorted(found - known)
    assert not missing, f"run `make messages`; not in the catalogue: {missing[:10]}"


# A template scanner: the text between tags and outside {{ }} / {% %} / {# #} is what a person
# reads; every such text with letters must be inside a _() call.
_TOKEN = re.compile(r"(\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}|<script\b.*?</script>|<style\b.*?</style>"
                    r"|<!--.*?-->|<[^>]*>)", re.S)
_ATTRIBUTE = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"{}]*[A-Za-z][^"{}]*)"')
# Names, not words: shown the same in every language.
ALLOWED = {"acuneuro", "English", "Italiano"}


def unwrapped_texts(template: str) -> list[str]:
    """The visible texts of a template that are not translated."""
    found = []
    for index, piece in enumerate(_TOKEN.split(template)):
        if index % 2 == 0:
            words = re.sub(r"&[a-z]+;|&#\d+;", " ", piece).strip()
            if re.search(r"[A-Za-z]{2,}", " ".join(w for w in words.split() if w not in ALLOWED)):
                found.append(words)
        elif piece.startswith("<") and not piece.startswith(("<script", "<style", "<!--")):
            found.extend(_ATTRIBUTE.findall(piece))
    return found


def test_the_scanner_finds_a_text_outside_gettext() -> None:
    assert unwrapped_texts('<p>Save</p><p>{{ _("Save") }}</p><a title="Open">x</a>') == [
        "Save", "Open"]
    assert unwrapped_texts('<p>{{ _("Hello %(n)s", n=name) }}</p>{# a note #}') == []


def test_every_visible_template_text_goes_through_gettext() -> None:
    found = {str(path.relative_to(TEMPLATES)): unwrapped_texts(path.read_text())
             for path in sorted(TEMPLATES.rglob("*.html"))}
    assert not {k: v for k, v in found.items() if v}
