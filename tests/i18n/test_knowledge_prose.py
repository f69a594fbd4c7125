"""Every paragraph of the evidence library and of the patient leaflets has its Italian text.

The prose of ``knowledge/evidence/*.yaml`` and ``knowledge/patient_info/*.yaml`` is translated
through the catalogue (acuneuro.i18n.extract): a paragraph added without a translation, or a
new prose field that babel.cfg does not extract, fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po

from acuneuro.i18n import gettext, use_locale

ROOT = Path(__file__).parents[2]
KNOWLEDGE = ROOT / "src" / "acuneuro" / "knowledge"
PO = ROOT / "src" / "acuneuro" / "i18n" / "locale" / "it" / "LC_MESSAGES" / "messages.po"
FILES = sorted([*KNOWLEDGE.glob("evidence/*.yaml"), *KNOWLEDGE.glob("patient_info/*.yaml")])
# Fields that hold codes, ids or published names, not prose: shown as they are.
NOT_PROSE = {"id", "condition", "trial", "comparator", "kind", "status", "judgement", "group",
             "measure", "direction", "outcome"}


def prose(node: Any, key: str = "") -> Iterator[str]:
    """The texts of a knowledge file that a person reads: strings of three words or more."""
    if isinstance(node, dict):
        for k, value in node.items():
            yield from prose(value, str(k))
    elif isinstance(node, list):
        for item in node:
            yield from prose(item, key)
    elif isinstance(node, str) and key not in NOT_PROSE and len(node.split()) >= 3:
        yield node


def test_the_prose_walker_skips_codes_and_keeps_sentences() -> None:
    data = {"id": "lu2020", "points": ["LI4", "ST36"], "design": "Randomised pilot trial",
            "sources": ["lu2020"]}
    assert list(prose(data)) == ["Randomised pilot trial"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_paragraph_of_the_file_has_an_italian_text(path: Path) -> None:
    with PO.open("rb") as handle:
        translated = {m.id for m in read_po(handle, locale="it") if m.id and m.string}
    texts = list(prose(yaml.safe_load(path.read_text())))
    assert texts, f"no prose found in {path.name}"
    missing = [t for t in texts if t not in translated]
    assert not missing, f"run `make messages` and translate: {missing[:5]}"


def test_a_leaflet_paragraph_is_shown_in_italian_and_kept_in_english() -> None:
    text = "Is it safe?"
    with use_locale("it"):
        assert gettext(text) == "È sicura?"
    with use_locale("en"):
        assert gettext(text) == text
