"""FHIR search parameters: which ones each resource type supports, how they are read and matched.

``SEARCH_PARAMETERS`` is the one table the search and the CapabilityStatement both use, so the
statement lists exactly what the server does. Matching is done on the built resources, so it
follows whatever the builders put in them.

References
----------
HL7 FHIR R4 (4.0.1) search.html: 3.1.1.4.2 date (prefixes ``eq gt lt ge le``; a date is an
implicit range, e.g. ``2026-11`` is the whole month), 3.1.1.4.3 token (``[system]|[code]``,
``|[code]``, ``[system]|``, ``[code]``; a comma means OR), 3.1.1.4.5 reference; the
search parameter registry (searchparameter-registry.html) for names and definitions.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from acuneuro.i18n import gettext as _
from acuneuro.services._errors import ServiceError

__all__ = ["SEARCH_PARAMETERS", "Query", "SearchParameter", "day_range", "parse"]

_SP = "http://hl7.org/fhir/SearchParameter/"


@dataclass(frozen=True, slots=True)
class SearchParameter:
    """One supported parameter: its FHIR type, the elements it reads, its HL7 definition."""

    name: str
    kind: str  # FHIR search parameter type: date, token, reference
    elements: tuple[str, ...]
    definition: str | None = None
    documentation: str = ""


def _patient(kind: str) -> SearchParameter:
    return SearchParameter("patient", "reference", ("subject", "patient"),
                           f"{_SP}clinical-patient", f"The patient the {kind} is about.")


def _date(elements: tuple[str, ...], definition: str | None, doc: str) -> SearchParameter:
    return SearchParameter("date", "date", elements, definition, doc)


def _code(elements: tuple[str, ...], definition: str | None, doc: str,
          name: str = "code") -> SearchParameter:
    return SearchParameter(name, "token", elements, definition, doc)


SEARCH_PARAMETERS: dict[str, tuple[SearchParameter, ...]] = {
    "Patient": (
        SearchParameter("_id", "token", ("id",), f"{_SP}Resource-id",
                        "The patient's id (the pseudonymous id)."),
        SearchParameter("identifier", "token", ("identifier",), f"{_SP}Patient-identifier",
                        "The pseudonymous identifier, system|value."),
    ),
    "Condition": (
        _patient("condition"),
        _code(("code",), f"{_SP}clinical-code", "The condition's code (system|code)."),
        _date(("onsetDateTime", "onsetPeriod"), None, "When the condition began."),
        SearchParameter("onset-date", "date", ("onsetDateTime", "onsetPeriod"),
                        f"{_SP}Condition-onset-date", "When the condition began."),
    ),
    "Observation": (
        _patient("observation"),
        _code(("code",), f"{_SP}clinical-code", "The score's code, e.g. http://loinc.org|..."),
        _date(("effectiveDateTime", "effectivePeriod"), f"{_SP}clinical-date",
              "The day the score was taken."),
    ),
    "QuestionnaireResponse": (
        _patient("response"),
        _date(("authored",), None, "The day the questionnaire was answered."),
        SearchParameter("authored", "date", ("authored",),
                        f"{_SP}QuestionnaireResponse-authored",
                        "The day the questionnaire was answered."),
        SearchParameter("questionnaire", "uri", ("questionnaire",),
                        f"{_SP}QuestionnaireResponse-questionnaire",
                        "The questionnaire answered (its canonical URL)."),
    ),
    "Procedure": (
        _patient("procedure"),
        _code(("code",), f"{_SP}clinical-code", "The procedure's code."),
        _date(("performedDateTime", "performedPeriod"), f"{_SP}clinical-date",
              "The day of the session."),
    ),
    "MedicationStatement": (
        _patient("statement"),
        _code(("medicationCodeableConcept",), f"{_SP}medications-code", "The medicine's code."),
        _date(("effectiveDateTime", "effectivePeriod"), f"{_SP}MedicationStatement-effective",
              "When the medicine was taken."),
    ),
    "AdverseEvent": (
        _patient("event"),
        _code(("event",), None, "The event's code.", name="code"),
        _code(("event",), f"{_SP}AdverseEvent-event", "The event's code.", name="event"),
        _date(("date",), f"{_SP}AdverseEvent-date", "When the event occurred."),
    ),
    "CarePlan": (
        _patient("plan"),
        _code(("category",), None, "The plan's category.", name="code"),
        _date(("period",), f"{_SP}clinical-date", "The plan's period."),
    ),
}
# Result parameters every type takes.
CONTROL = ("_count", "_offset")
# Taken and needing nothing: the format is always JSON, the total always counted exactly.
_IGNORED = frozenset({"_format", "_total", "_totalMethod"})
_DATE = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?$")


class SearchRefused(ServiceError):
    """A search parameter that cannot be run; the message names it."""


Range = tuple[date, date]


def _range(text: str) -> Range | None:
    match = _DATE.match(text)
    if match is None:
        return None
    _prefix, year, month, day = match.groups()
    y = int(year)
    try:
        if month is None:
            return date(y, 1, 1), date(y, 12, 31)
        m = int(month)
        if day is None:
            return date(y, m, 1), date(y, m, monthrange(y, m)[1])
        one = date(y, m, int(day))
    except ValueError:
        return None
    return one, one


def day_range(text: str) -> Range | None:
    """The first and last day a search date means (``2026-11`` is the whole month)."""
    return _range(text)


def _value_range(value: Any) -> Range | None:
    if isinstance(value, str):
        return _range(value)
    if isinstance(value, Mapping):
        start = _range(str(value["start"])) if value.get("start") else None
        end = _range(str(value["end"])) if value.get("end") else None
        if start is None and end is None:
            return None
        return (start or (date.min, date.min))[0], (end or (date.max, date.max))[1]
    return None


@dataclass(frozen=True, slots=True)
class _Test:
    parameter: SearchParameter
    values: tuple[str, ...]

    def matches(self, resource: Mapping[str, Any]) -> bool:
        found = [resource.get(e) for e in self.parameter.elements if resource.get(e)]
        return any(_matches(self.parameter.kind, v, value)
                   for value in found for v in self.values)


def _codings(value: Any) -> list[tuple[Any, Any]]:
    items = value if isinstance(value, list) else [value]
    pairs: list[tuple[Any, Any]] = []
    for item in items:
        if isinstance(item, str):
            pairs.append((None, item))
        elif isinstance(item, Mapping):
            if "value" in item:  # Identifier
                pairs.append((item.get("system"), item.get("value")))
            pairs.extend((c.get("system"), c.get("code")) for c in item.get("coding", []))
    return pairs


def _matches(kind: str, wanted: str, value: Any) -> bool:
    if kind == "date":
        prefix = wanted[:2] if wanted[:2].isalpha() else "eq"
        have, want = _value_range(value), _range(wanted)
        if have is None or want is None:
            return False
        return {"eq": want[0] <= have[0] and have[1] <= want[1], "gt": have[1] > want[1],
                "ge": have[1] >= want[0], "lt": have[0] < want[0],
                "le": have[0] <= want[1]}[prefix]
    if kind == "reference":
        reference = value.get("reference", "") if isinstance(value, Mapping) else ""
        return bool(reference) and reference.removeprefix("Patient/") == \
            wanted.removeprefix("Patient/")
    if kind == "uri":
        return isinstance(value, str) and value.split("|")[0] == wanted.split("|")[0]
    system, bar, code = wanted.rpartition("|")
    for have_system, have_code in _codings(value):
        if bar and (have_system or "") != system:
            continue
        if code == "" or have_code == code:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search: the tests every match passes, the page asked for, a patient hint."""

    tests: tuple[_Test, ...] = ()
    count: int = 50
    offset: int = 0
    patient: str | None = None
    names: tuple[str, ...] = field(default=())

    def matches(self, resource: Mapping[str, Any]) -> bool:
        """True when the resource passes every parameter (parameters repeated are ANDed)."""
        return all(test.matches(resource) for test in self.tests)


def _whole(name: str, text: str, low: int, high: int) -> int:
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise SearchRefused(_("%(name)s must be a whole number from %(low)d to %(high)d.") % {
            "name": name, "low": low, "high": high})
    return int(text)


def parse(resource_type: str, params: list[tuple[str, str]],
          default_count: int = 50, max_count: int = 500) -> Query:
    """Check and parse the query of a search on ``resource_type``."""
    supported = {p.name: p for p in SEARCH_PARAMETERS[resource_type]}
    tests: list[_Test] = []
    count, offset, patient = default_count, 0, None
    for name, value in params:
        if name == "_count":
            count = _whole("_count", value, 0, max_count)
        elif name == "_offset":
            offset = _whole("_offset", value, 0, 10**9)
        elif name in _IGNORED:
            continue
        elif (base := name.split(":")[0]) == "subject" and "patient" in supported:
            tests.append(_test(supported["patient"], value))
            patient = value.removeprefix("Patient/")
        elif base not in supported or ":" in name:
            names = ", ".join(sorted([*supported, *CONTROL]))
            raise SearchRefused(_("Searching %(type)s by '%(name)s' is not supported; "
                                  "you can search by: %(names)s.") % {
                                      "type": resource_type, "name": name, "names": names})
        else:
            tests.append(_test(supported[base], value))
            if base in {"patient", "_id"} and "," not in value:
                patient = value.removeprefix("Patient/")
    return Query(tuple(tests), count, offset, patient, tuple(n for n, _v in params))


def _test(parameter: SearchParameter, value: str) -> _Test:
    values = tuple(v for v in value.split(",") if v)
    if not values:
        raise SearchRefused(_("The search parameter '%(name)s' has no value.") % {
            "name": parameter.name})
    if parameter.kind == "date":
        for v in values:
            prefix = v[:2] if v[:2].isalpha() else "eq"
            if _range(v) is None:
                raise SearchRefused(_("'%(value)s' is not a date: write it as 2026-11-24, "
                                      "2026-11 or 2026, optionally after ge, gt, le, lt or eq.") % {
                                          "value": v})
            if prefix not in {"eq", "gt", "ge", "lt", "le"}:
                raise SearchRefused(_("The date comparison '%(prefix)s' is not supported; "
                                      "use eq, gt, ge, lt or le.") % {"prefix": prefix})
    return _Test(parameter, values)
