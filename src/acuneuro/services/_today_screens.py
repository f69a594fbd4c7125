"""Today's list: each course's screen of the day, remembered by everything it is computed from.

What the list shows of a course's screen (the facts past their window, the cautions) is a pure
function of its inputs: the accepted plan's row (its id, its case and plan documents), every
session in force (its plan, its day and its stored screen, which holds the facts it kept), the
day and the day's entries (none on the list), the reader's language (the fact lines are worded
in it) and the knowledge this process read (fact windows, safety rules, the atlas, danger zones:
read once per process from the installed package, never changed while it runs).

The list reads those documents as the text the store holds (``CAST(... AS TEXT)``: decoding
them was most of what was left of its cost) and the key is a BLAKE2b digest of all of the above,
the texts as stored, so a changed plan, a session recorded, corrected or entered in error (it
leaves the sessions in force), another day or another language is another key: an entry is
found only by the very inputs it was computed from, and nothing is ever invalidated. On a miss
the documents are decoded and the screen is computed by ``sessions.day_facts_known`` and
``sessions.screened_from``, the session page's own functions; a screen that raises is not
remembered. Each process keeps the last ``MAX_ENTRIES`` (least recently used out); a clinic's
day is a few dozen. A plan document is validated once per text (``plan_of``).

Why: the screen was about 0.7 ms of CPU per patient, 40 patients a request (docs/performance.md,
"Today's list and calendar at scale"); the list is asked again and again through the day while
most courses do not change.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from acuneuro.clinical.planner import Plan
from acuneuro.clinical.safety_model import SafetyFinding
from acuneuro.i18n import current_locale
from acuneuro.knowledge import atlas, fact_windows, safety_rules
from acuneuro.services._day_facts import day_facts_known
from acuneuro.services.sessions import screened_from

__all__ = ["MAX_ENTRIES", "ListScreen", "PlanText", "SessionText", "list_screen", "plan_of"]

MAX_ENTRIES = 1024

_lock = threading.Lock()
_remembered: OrderedDict[bytes, ListScreen] = OrderedDict()


class PlanText(NamedTuple):
    """An accepted plan as the list reads it: its id and its documents as stored."""

    id: int
    plan_text: str
    case_text: str

    @property
    def case_json(self) -> dict[str, Any]:
        """The case document (decoded on a miss only)."""
        case: dict[str, Any] = json.loads(self.case_text)
        return case


class SessionText(NamedTuple):
    """A session in force as the list reads it: what the day's facts and the numbering read."""

    patient_id: int
    plan_id: int | None
    occurred_on: date
    screen_text: str | None  # None: SQL NULL; a JSON null is the text "null"
    session_number: int

    @property
    def screen_json(self) -> dict[str, Any] | None:
        """The stored screen (decoded on a miss only)."""
        screen: dict[str, Any] | None = (None if self.screen_text is None
                                         else json.loads(self.screen_text))
        return screen


class ListScreen(NamedTuple):
    """What today's list shows of the day's screen."""

    to_check: tuple[str, ...]  # the labels of the facts past their window
    cautions: tuple[SafetyFinding, ...]  # one per message, the not-assessed ones left out


@lru_cache(maxsize=1024)
def plan_of(text: str) -> Plan:
    """The plan document ``text``, validated (a pure function of the text; ``Plan`` is frozen)."""
    return Plan.model_validate(json.loads(text))


def _key(row: PlanText, recorded: Sequence[SessionText], on: date) -> bytes:
    # The knowledge loaders' objects stand for the knowledge read (a test that reloads one
    # makes new objects, so new keys); everything else is the inputs themselves, as stored.
    text = json.dumps([
        row.id, row.plan_text, row.case_text,
        [[s.plan_id, s.occurred_on.isoformat(), s.screen_text] for s in recorded],
        on.isoformat(), {}, current_locale(),
        [id(fact_windows()), id(safety_rules()), id(atlas())],
    ], separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=32).digest()


def list_screen(row: PlanText, recorded: Sequence[SessionText], on: date) -> ListScreen:
    """The screen of the course of ``row`` on ``on``, as the list shows it."""
    key = _key(row, recorded, on)
    with _lock:
        found = _remembered.get(key)
        if found is not None:
            _remembered.move_to_end(key)
            return found
    plan = plan_of(row.plan_text)
    known = day_facts_known(row, recorded, {}, on)
    facts, screen = screened_from(plan, known, {}, on, plan.points)
    found = ListScreen(
        to_check=tuple(f.label for f in facts.lines if not f.current),
        cautions=tuple({f.message: f for f in screen.cautions if not f.not_assessed}.values()))
    with _lock:
        _remembered[key] = found
        while len(_remembered) > MAX_ENTRIES:
            _remembered.popitem(last=False)
    return found
