"""The facts a session's screen starts from: the plan's case, then every earlier session's facts.

Each recorded session keeps the facts its screen used, with their dates and origins, under
``facts`` in its ``screen_json`` (no schema change: the column is JSON); a later session reads
them back and updates them with its own day's entries (``clinical.day_facts``). Sessions
recorded before this was stored (and the synthetic demo's) hold no ``facts`` and add nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Protocol

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from acuneuro.clinical.day_facts import (
    DayFactError,
    KnownFact,
    check_day,
    facts_of,
    merge_facts,
)

__all__ = [
    "FACTS_KEY", "StoredPlan", "StoredSession", "day_facts_known", "relocated", "stored_facts",
]

FACTS_KEY = "facts"


class StoredSession(Protocol):
    """What the known facts read of a recorded session (a ``TreatmentSession`` row, or the few
    columns today's list reads of it)."""

    @property
    def plan_id(self) -> int | None: ...

    @property
    def occurred_on(self) -> date: ...

    @property
    def screen_json(self) -> dict[str, Any] | None: ...


class StoredPlan(Protocol):
    """What the known facts read of the accepted plan (a ``PlanRecord`` row, or today's list's
    own reading of it)."""

    @property
    def id(self) -> int: ...

    @property
    def case_json(self) -> dict[str, Any]: ...


def _error(loc: tuple[str | int, ...], message: str, value: Any, kind: str = "day_fact",
           ctx: Mapping[str, Any] | None = None) -> InitErrorDetails:
    # The message is a sentence for the clinician; braces would be read as a template. The
    # original error type and its context (a limit, the choices) are kept so that a form can
    # word its own sentence (services.messages).
    text = message.replace("{", "(").replace("}", ")")
    kept = {k: v for k, v in (ctx or {}).items() if isinstance(v, str | int | float)}
    return {"type": PydanticCustomError(kind, text, kept or None), "loc": loc, "input": value}


def _refuse(errors: list[InitErrorDetails]) -> ValidationError:
    return ValidationError.from_exception_data("day", errors)


def day_facts_known(plan_row: StoredPlan, sessions: Iterable[StoredSession],
                    day: Mapping[str, Any], on: date) -> dict[str, KnownFact]:
    """What is known on ``on``: the plan's facts, earlier sessions' and the day's entries.

    A day fact that cannot be used raises ``ValidationError`` located under ``day``.
    """
    case = plan_row.case_json
    known = facts_of(case, recorded_on=date.fromisoformat(str(case["assessed_on"])),
                     origin="plan")
    for row in sessions:
        stored = (row.screen_json or {}).get(FACTS_KEY)
        if row.plan_id == plan_row.id and row.occurred_on <= on and isinstance(stored, dict):
            known = merge_facts(known, {p: KnownFact.model_validate(f)
                                        for p, f in stored.items()})
    try:
        check_day(day, on)
        entered = facts_of(day, recorded_on=on, origin="today")
    except DayFactError as exc:
        raise _refuse([_error(("day", *exc.loc), exc.message, None)]) from None
    return merge_facts(known, entered)


def relocated(exc: ValidationError, day: Mapping[str, Any]) -> ValidationError:
    """A case validation error located under ``day`` where the day gave that part."""
    errors: list[InitErrorDetails] = []
    for e in exc.errors(include_url=False):
        loc = tuple(e["loc"])
        where = ("day", *loc) if loc and loc[0] in day else ("plan", *loc)
        errors.append(_error(where, e["msg"], e.get("input"), e["type"], e.get("ctx")))
    return _refuse(errors)


def stored_facts(known: Mapping[str, KnownFact], number: int) -> dict[str, Any]:
    """The known facts as a session keeps them: today's entries become this session's."""
    return {p: (f.model_copy(update={"origin": "session", "session": number})
                if f.origin == "today" else f).model_dump(mode="json")
            for p, f in known.items()}
