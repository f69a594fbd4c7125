"""pybabel extractor for the labels of the knowledge YAML files (babel.cfg, ``make messages``).

Codes stay in the data; the words a clinician reads beside a code (``label``, ``definition``,
the words of a ``labels`` list of codes) become catalogue entries, translated where they are
shown (``gettext(label)``, ``|translate`` in a page). One way for every knowledge label: no
``label_it`` fields in the data.

The same holds for long prose: the evidence library (``knowledge/evidence/*.yaml``: trial
designs and notes, RoB 2 support, guideline statements, review scopes) and the patient leaflets
(``knowledge/patient_info/*.yaml``) name their prose fields with ``keys`` in babel.cfg; each
paragraph is one catalogue entry, translated where the document is built
(``acuneuro.evidence.pages``). ``tests/i18n/test_knowledge_prose.py`` fails when a paragraph of
those files has no Italian translation, or a new prose field is not extracted. The clinical
prose (the message templates of the safety rules, a protocol's title and point rationales, the
danger zones) is named the same way and shown through ``acuneuro.i18n.prose``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

import yaml

__all__ = ["extract_yaml_labels", "label_words"]

_KEYS = frozenset({"label", "definition"})
# Lists of codes shown as words (PGIC labels, attribution levels, FHIR outcome codes).
_CODE_LISTS = frozenset({"labels", "levels", "outcomes"})


def label_words(code: str) -> str:
    """A code of a list of codes as the words it is shown with ("much_improved" -> "much
    improved", "resolvedWithSequelae" -> "resolved with sequelae")."""
    return re.sub(r"(?<=[a-z])([A-Z])", lambda m: " " + m.group(1).lower(), code).replace("_", " ")


def _walk(node: Any, keys: frozenset[str], maps: frozenset[str] = frozenset()) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and isinstance(value, str) and value.strip():
                yield value
            elif key in maps and isinstance(value, dict):  # {code: words} (device labels)
                yield from (str(v) for v in value.values() if str(v).strip())
            elif key in _CODE_LISTS and isinstance(value, list):
                for item in value:  # codes, or entries with their own labels
                    if isinstance(item, str):
                        yield label_words(item)
                    else:
                        yield from _walk(item, keys, maps)
            else:
                yield from _walk(value, keys, maps)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, keys, maps)


def extract_yaml_labels(fileobj: IO[bytes], keywords: object, comment_tags: object,
                        options: dict[str, str]) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel's extractor interface: (line, function, message, comments) per label."""
    data = yaml.safe_load(fileobj)
    # ``tables``: top-level {code: label} tables whose every label is a message ("*": all of
    # them, as in labels.yaml); the rest of the file is walked for its label keys (``keys``: the
    # prose fields of a file, such as a safety rule's message templates; ``maps``: {code: words}
    # tables inside it).
    named = options.get("tables", "").split()
    tables = [t for k, t in (data.items() if isinstance(data, dict) else ())
              if isinstance(t, dict) and ("*" in named or k in named)]
    messages = [str(label) for table in tables for label in table.values() if str(label).strip()]
    if "*" not in named:
        keys = frozenset(options.get("keys", "").split()) or _KEYS
        messages.extend(_walk(data, keys, frozenset(options.get("maps", "").split())))
    for message in dict.fromkeys(messages):
        yield 0, None, message, []
