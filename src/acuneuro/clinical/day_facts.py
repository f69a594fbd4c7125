"""The day's facts: what is known before a session, each value with its date and origin.

The plan's case is the first set of known facts; each session's entries UPDATE it, field by
field, and never replace the set: entering today's INR keeps the plan's platelet count with the
plan's date. A fact is one field of a part of the case (``labs.inr``, ``patient.pregnant``) or a
whole part that is not a record (``skin``, ``medications``); fields listed ``together`` in
``knowledge/fact_windows.yaml`` (pregnancy and trimester) move as one. This works over whatever
fields :class:`~acuneuro.clinical.case.ClinicalCase` has, so a field added later is carried too.

The newest value of a fact wins (its own date: ``labs.taken`` for a blood value, else the day
its origin recorded it). On the day of a session each fact is checked against its window
(``knowledge/fact_windows.yaml``; blood counts take the chemotherapy rule's ``max_age_days``
while chemotherapy is active or recent): past it, the fact is left out of the case the screen
reads, so the core treats it as *not assessed*, and when that changes the screen a caution
names the fact and its last value. A stop or an exclusion its last value raised is kept, marked
as the last known value: age alone never lifts either. The merged case dates its blood count
(``labs.taken``) by the OLDEST of the counts the chemotherapy rule reads, so that rule's own
freshness check sees each count's date (``clinical.safety`` is unchanged).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from acuneuro.clinical._safety_case import chemotherapy_status
from acuneuro.clinical.case import STORED_CASE, ClinicalCase
from acuneuro.clinical.safety import screen
from acuneuro.clinical.safety_model import SafetyFinding, SafetyScreen, Severity
from acuneuro.i18n import format_date, format_decimal
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import ChemotherapyCountRule, FactWindow, fact_windows, safety_rules

__all__ = [
    "DayFactError",
    "DayFacts",
    "FactLine",
    "KnownFact",
    "check_day",
    "facts_of",
    "merge_facts",
    "screen_day",
]

Origin = Literal["plan", "session", "today"]
_DATE_KEY = "taken"  # a part's own date for its values (``labs.taken``)
_LABS = "labs"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KnownFact(_Frozen):
    """One known value with where it came from and when it was true."""

    path: str
    value: Any
    taken: date | None = None  # when the value was measured, if its part gives it
    recorded_on: date  # the day its origin recorded it (plan assessment, session day)
    origin: Origin
    session: int | None = None

    @property
    def on(self) -> date:
        """The value's own date: when it was measured, else when it was recorded."""
        return self.taken or self.recorded_on


class FactLine(_Frozen):
    """One fact as the session page shows it."""

    label: str
    shown: str
    came_from: str  # "from the plan, 2 Dec 2026", "entered today"
    current: bool
    note: str | None = None


class DayFacts(_Frozen):
    """The day's case, its screen, and each windowed fact with its date and origin."""

    case: ClinicalCase
    screen: SafetyScreen
    lines: list[FactLine]


class DayFactError(ValueError):
    """A day fact that cannot be used, with the field it is in (``("labs", "taken")``)."""

    def __init__(self, loc: tuple[str, ...], message: str) -> None:
        super().__init__(f"{'.'.join(loc)}: {message}")
        self.loc = loc
        self.message = message


@cache
def _covering(path: str) -> tuple[FactWindow, ...]:
    """The windows that cover ``path`` (knowledge is read once; a day asks thousands of times)."""
    return tuple(w for w in fact_windows() if w.covers(path))


def _window(path: str) -> FactWindow | None:
    return next(iter(_covering(path)), None)


def _group(path: str) -> str:
    window = _window(path)
    return f"window:{window.id}" if window is not None and window.together else path


def check_day(day: Mapping[str, Any], on: date) -> None:
    """Refuse a dated part of the day's facts that is not a date or is after ``on``."""
    for key, part in day.items():
        if not isinstance(part, Mapping) or part.get(_DATE_KEY) is None:
            continue
        try:
            taken = date.fromisoformat(str(part[_DATE_KEY]))
        except ValueError:
            raise DayFactError((key, _DATE_KEY), "is not a date (year-month-day)") from None
        if taken > on:
            raise DayFactError((key, _DATE_KEY), f"{taken.isoformat()} is after the session "
                               f"day {on.isoformat()}: a result cannot come from the future")


def facts_of(document: Mapping[str, Any], *, recorded_on: date, origin: Origin,
             session: int | None = None) -> dict[str, KnownFact]:
    """The facts a case document (or a day's partial one) states; ``None`` states nothing."""
    found: dict[str, KnownFact] = {}
    for key, value in document.items():
        if key == "assessed_on" or value is None:
            continue
        if isinstance(value, Mapping):
            given = value.get(_DATE_KEY)
            taken = date.fromisoformat(str(given)) if given is not None else None
            for sub, item in value.items():
                if sub != _DATE_KEY and item is not None:
                    found[f"{key}.{sub}"] = KnownFact(
                        path=f"{key}.{sub}", value=item, taken=taken, recorded_on=recorded_on,
                        origin=origin, session=session)
        else:
            found[key] = KnownFact(path=key, value=value, recorded_on=recorded_on,
                                   origin=origin, session=session)
    return found


def merge_facts(known: Mapping[str, KnownFact], new: Mapping[str, KnownFact]
                ) -> dict[str, KnownFact]:
    """``known`` updated by ``new``: a newer (or same-day) value replaces its fact, others stay."""
    merged = dict(known)
    groups: dict[str, list[KnownFact]] = {}
    for fact in new.values():
        groups.setdefault(_group(fact.path), []).append(fact)
    for group, facts in groups.items():
        old = [p for p in merged if _group(p) == group]
        if old and min(f.on for f in facts) < max(merged[p].on for p in old):
            continue  # what is known is newer than what was entered
        for path in old:
            del merged[path]
        merged.update((f.path, f) for f in facts)
    return merged


@cache
def _count_fields() -> frozenset[str]:
    # Knowledge only (read once per process, as ``_covering``); every case asked it again.
    return frozenset(f for r in safety_rules() if isinstance(r, ChemotherapyCountRule)
                     for f in r.fields)


def _case(facts: Mapping[str, KnownFact], on: date) -> ClinicalCase:
    document: dict[str, Any] = {}
    for path, fact in sorted(facts.items()):
        key, _, sub = path.partition(".")
        if not sub:
            document[key] = fact.value
        elif isinstance(document.setdefault(key, {}), dict):
            document[key][sub] = fact.value
    labs = [f for p, f in facts.items() if p.startswith(_LABS + ".")]
    if isinstance(document.get(_LABS), dict) and any(f.taken is not None for f in labs):
        counts = [f for f in labs if f.path.split(".", 1)[1] in _count_fields()] or labs
        dates = [f.taken for f in counts]
        # The oldest count dates the whole blood count; an undated one leaves it undated.
        document[_LABS][_DATE_KEY] = (None if None in dates
                                      else min(d for d in dates if d is not None).isoformat())
    document["assessed_on"] = on.isoformat()
    # Facts come from the record (today's entries were checked by check_day): a count dated
    # after an earlier session day is reported unusable by its rule, not refused here.
    return ClinicalCase.model_validate(document, context=STORED_CASE)


def _max_age(window: FactWindow, provisional: ClinicalCase) -> int | None:
    if window.chemotherapy_rule is None:
        return window.max_age_days
    rule = next(r for r in safety_rules() if r.id == window.chemotherapy_rule
                and isinstance(r, ChemotherapyCountRule))
    if (isinstance(rule, ChemotherapyCountRule)
            and chemotherapy_status(provisional, rule.after_last_dose_days) is not None):
        return rule.max_age_days
    return window.max_age_days


class _Cases:
    """The cases of one day's facts, each subset built (validated) once.

    ``screen_day`` reads the same subsets of ``facts`` several times (every fact, then those
    within their windows, then those with one window's stale facts back): each is one pydantic
    validation of the whole case, the largest cost of the screen. Within one call the facts and
    the day are fixed, so a subset is named by its paths.
    """

    def __init__(self, facts: Mapping[str, KnownFact], on: date) -> None:
        self.facts = facts
        self.on = on
        self._built: dict[frozenset[str], ClinicalCase] = {}

    def without(self, left_out: Iterable[str]) -> ClinicalCase:
        """The case of every fact but those at ``left_out``."""
        skipped = set(left_out)
        paths = frozenset(p for p in self.facts if p not in skipped)
        if paths not in self._built:
            self._built[paths] = _case({p: f for p, f in self.facts.items() if p in paths},
                                       self.on)
        return self._built[paths]


def _expired(facts: Mapping[str, KnownFact], on: date, cases: _Cases | None = None
             ) -> dict[str, int]:
    """Each fact past its window, with the window it passed."""
    cases = cases if cases is not None else _Cases(facts, on)
    late: dict[str, int] = {}
    for chemo_pass in (False, True):
        provisional = cases.without(late)
        for path, fact in facts.items():
            window = _window(path)
            if window is None or (window.chemotherapy_rule is not None) != chemo_pass:
                continue
            days = _max_age(window, provisional)
            if days is not None and (on - fact.on).days > days:
                late[path] = days
    return late


def _day_text(on: date) -> str:
    return format_date(on, "d MMM yyyy")  # "2 Dec 2026", "2 dic 2026"


def _came_from(fact: KnownFact, on: date) -> str:
    if fact.origin == "today":
        if fact.taken is not None and fact.taken != on:
            return _("entered today, taken %(day)s") % {"day": _day_text(fact.taken)}
        return _("entered today")
    if fact.origin == "plan":
        return _("from the plan, %(day)s") % {"day": _day_text(fact.on)}
    return _("from session %(number)s, %(day)s") % {"number": fact.session,
                                                      "day": _day_text(fact.on)}


def _shown(value: Any, unit: str | None) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        text = format_decimal(value, 0 if abs(value) >= 1000 else 2)
        return text + (unit or "")
    if isinstance(value, list):
        return "; ".join(_shown(v, unit) for v in value) or _("none")
    if isinstance(value, Mapping):
        if "name" in value:
            return str(value["name"])
        parts = [str(v).replace("_", " ") for v in value.values()
                 if v is not None and not isinstance(v, list | Mapping)]
        return ", ".join(parts)
    return str(value).replace("_", " ")


def _line(window: FactWindow, facts: list[KnownFact], late: Mapping[str, int], on: date
          ) -> FactLine:
    if not facts:
        return FactLine(label=window.label, shown=_("not recorded"), came_from="",
                        current=False, note=_("not assessed"))
    if len(facts) == 1 and facts[0].path in window.facts:
        shown = _shown(facts[0].value, window.unit)
    else:
        shown = "; ".join(f"{f.path.split('.')[-1].replace('_', ' ')} {_shown(f.value, None)}"
                          for f in facts)
    newest = max(facts, key=lambda f: f.on)
    days = next((late[f.path] for f in facts if f.path in late), None)
    note = None if days is None else _(
        "older than its %(days)s-day window: not assessed today") % {"days": days}
    return FactLine(label=window.label, shown=shown, came_from=_came_from(newest, on),
                    current=days is None, note=note)


def screen_day(known: Mapping[str, KnownFact], on: date, planned: Iterable[str] = ()
               ) -> DayFacts:
    """The day's screen of ``known`` facts on ``on`` for the ``planned`` point codes.

    Raises ``pydantic.ValidationError`` when the facts do not make a valid case.
    """
    codes = list(planned)
    cases = _Cases(known, on)
    late = _expired(known, on, cases)
    case = cases.without(late)
    base = screen(case, codes)
    notes: dict[int, list[str]] = {}
    extra: list[SafetyFinding] = []
    lines: list[FactLine] = []
    # Each window's facts in path order, grouped once by window id (unique in the knowledge;
    # asking ``window in _covering(p)`` per window and fact compared pydantic models field by
    # field, 130 comparisons a patient).
    covered: dict[str, list[KnownFact]] = {}
    for path, fact in sorted(known.items()):
        for window in _covering(path):
            covered.setdefault(window.id, []).append(fact)
    for window in fact_windows():
        facts = covered.get(window.id, [])
        line = _line(window, facts, late, on)
        lines.append(line)
        stale = {f.path: f for f in facts if f.path in late}
        if not stale:
            continue
        restored = screen(cases.without(p for p in late if p not in stale), codes)
        added = [f for f in restored.findings if f not in base.findings]
        raised = [i for i, f in enumerate(base.findings) if f not in restored.findings]
        if not added and not raised:
            continue  # the screen does not read this fact today
        days = late[next(iter(stale))]
        last = (f"{window.label}, last known: {line.shown}, {line.came_from}; older than its "
                f"{days}-day window, so not assessed today.")
        named = [i for i in raised if base.findings[i].not_assessed]
        for i in named:  # the rule already says the fact is missing: say what was known
            notes.setdefault(i, []).append(last)
        if not named:
            extra.append(SafetyFinding(
                rule=f"{window.id}-out-of-date", severity=Severity.caution, not_assessed=True,
                message=f"{last} Enter today's value.",
                sources=list(window.sources)))
        # Age alone never lifts a stop or an exclusion the last value raised.
        extra.extend(f.model_copy(update={"message": f"{last} {f.message}"})
                     for f in added if f.severity is not Severity.caution)
    findings = [f.model_copy(update={"message": " ".join([f.message, *notes[i]])})
                if i in notes else f for i, f in enumerate(base.findings)] + extra
    return DayFacts(case=case, lines=lines,
                    screen=SafetyScreen(status=SafetyScreen.verdict(findings), findings=findings))
