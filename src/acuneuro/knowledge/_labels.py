"""One label for every code: the words a page, a PDF or a message shows instead of the code.

``labels.yaml`` holds the codes no other knowledge file labels; the adverse-event types and
actions and the outcome categories keep their labels where they are and are read from there,
so a label is written once. A code with no label is shown as its words (``upper_arm`` ->
"upper arm", ``resolvedWithSequelae`` -> "resolved with sequelae"), never as the code.
"""

from __future__ import annotations

import re
from functools import cache

import yaml

from acuneuro.i18n import gettext
from acuneuro.knowledge._bibliography import knowledge_text

__all__ = ["code_label", "code_labels"]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])")


@cache
def code_labels() -> dict[str, dict[str, str]]:
    """Every labelled code, by kind (``conditions``, ``relatedness``...; ``any`` merges all)."""
    from acuneuro.knowledge.course import (
        adverse_event_knowledge,
        foot_risk_knowledge,
        outcome_knowledge,
    )

    data: dict[str, dict[str, str]] = {
        kind: {str(k): str(v) for k, v in table.items()}
        for kind, table in yaml.safe_load(knowledge_text("labels.yaml")).items()
    }
    facts = yaml.safe_load(knowledge_text("foot_risk.yaml"))["facts"]
    data["foot_facts"] = {str(k): str(v) for k, v in facts.items()}
    events = adverse_event_knowledge()
    data["adverse_event_types"] = {t.id: t.label for t in events.types}
    data["adverse_event_actions"] = {a.id: a.label for a in events.actions}
    data["foot_facts"] = {str(k): v for k, v in foot_risk_knowledge().facts.items()}
    pain = outcome_knowledge().immpact_pain
    data["outcome_categories"] = {
        **{b.category: b.label for b in pain.bands},
        pain.below.category: pain.below.label, pain.worse.category: pain.worse.label,
    }
    merged: dict[str, str] = {}
    for kind, table in data.items():
        if kind in ("fields", "items"):  # the words of a location, not of a stored code
            continue
        for code, label in table.items():
            # A plain word ("possible") means different things by kind: only with its kind.
            if not code.isalpha() or not code.islower():
                merged.setdefault(code, label)
    data["any"] = merged
    return data


def _words(code: str) -> str:
    return _CAMEL.sub(" ", code).replace("_", " ").lower()


def code_label(code: object, kind: str = "any") -> str:
    """The translated label of ``code`` (an enum member's value is used), by ``kind`` first.

    Text that is not a code (already a label, a sentence) comes back as it is.
    """
    if code is None:
        return ""
    text = str(getattr(code, "value", code))
    tables = code_labels()
    label = tables.get(kind, {}).get(text) or tables["any"].get(text)
    if label is None:
        if " " in text.strip() or not re.fullmatch(r"[A-Za-z0-9_]+", text):
            return text
        label = _words(text) if ("_" in text or _CAMEL.search(text)) else text
    return gettext(label)
