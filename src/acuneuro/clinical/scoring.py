"""One scoring engine for every validated instrument in ``knowledge/instruments``.

``score(instrument_id, answers)`` checks the answers, computes every score the instrument's
data defines (sum, mean, lookup, reverse items, multipliers, linear rescaling to 0-100,
published prorating rules) and reads the published cut-offs. Rules or cut-offs that the
data marks ``verified: false`` are never applied; the result says so instead.

References
----------
Each instrument's YAML file cites the original publication of its items, rules and
cut-offs (``sources``), and the result lists the sources actually used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from acuneuro.clinical._scoring_answers import AnswerError, Normalised, normalise_answers
from acuneuro.clinical._scoring_rules import Interval, band_of, compute
from acuneuro.i18n import N_
from acuneuro.i18n.prose import fill, prose, render
from acuneuro.knowledge import Instrument, load_instrument, load_instruments

__all__ = [
    "AnswerError",
    "ClinicianOnlyError",
    "ScoreResult",
    "UnknownInstrumentError",
    "check_patient_answers",
    "describe_instrument",
    "get_instrument",
    "list_instruments",
    "normalise_answers",
    "score",
    "score_checked",
]


class UnknownInstrumentError(KeyError):
    """No instrument has this id."""

    def __init__(self, instrument_id: str) -> None:
        self.instrument_id = instrument_id
        super().__init__(instrument_id)

    def __str__(self) -> str:
        return f"unknown instrument {self.instrument_id!r}"


class ScoreResult(BaseModel):
    """What ``acuneuro score`` prints: the public contract of a scored instrument."""

    model_config = ConfigDict(frozen=True)

    instrument: str
    version: str
    total: float | None
    subscales: dict[str, float | None] = Field(default_factory=dict)
    positive: bool | None
    interpretation: str
    missing: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    # The parts of the interpretation as message templates with their parameters, so that a
    # page shows it in the reader's language (:meth:`shown_interpretation`); not in the JSON.
    said: list[dict[str, Any]] = Field(default_factory=list, exclude=True)

    def shown_interpretation(self) -> str:
        """The interpretation in the current language (English: ``interpretation``)."""
        if not self.said:
            return prose(self.interpretation)
        return "; ".join(render(n["template"], n["params"]) for n in self.said)

    @field_serializer("total")
    def _total_json(self, value: float | None) -> float | int | None:
        return _number(value)

    @field_serializer("subscales")
    def _subscales_json(self, value: dict[str, float | None]) -> dict[str, float | int | None]:
        return {key: _number(v) for key, v in value.items()}


def _number(value: float | None) -> float | int | None:
    # Whole scores print as whole numbers (6, not 6.0), as the published forms show them.
    if value is not None and float(value).is_integer():
        return int(value)
    return value


class ClinicianOnlyError(AnswerError):
    """A patient answering alone gave an answer only a clinician may record."""


def check_patient_answers(instrument: Instrument, answers: Mapping[str, object]) -> None:
    """Refuse, naming the item, any answer a patient may not give alone (patient-tablet mode).

    Examination findings, bedside tests and gradings (``clinician_only`` items, or every item
    of an instrument ``answered_by: clinician``) need the clinician's hands and eyes: the DN4
    examination items 8-10 (Bouhassira 2005), the LANSS bedside tests (Bennett 2001), the
    MNSI examination and the CTCAE grading. Unanswered (``None``) and unknown items are left
    to :func:`normalise_answers`.
    """
    if not isinstance(answers, Mapping):
        return
    for item in instrument.items:
        if answers.get(item.id) is not None and instrument.is_clinician_only(item.id):
            raise ClinicianOnlyError(
                instrument.id,
                item.id,
                f"'{item.text}' is recorded by the clinician (examination or grading); "
                "it cannot be answered on the patient's own form",
            )


def list_instruments() -> list[dict[str, str]]:
    """Every instrument as ``{"id", "name", "version"}``, sorted by id."""
    return [
        {"id": i.id, "name": i.name, "version": i.version}
        for _, i in sorted(load_instruments().items())
    ]


def get_instrument(instrument_id: str) -> Instrument:
    """The instrument definition (:class:`UnknownInstrumentError` if there is none)."""
    try:
        return load_instrument(instrument_id)
    except KeyError:
        raise UnknownInstrumentError(instrument_id) from None


def describe_instrument(instrument_id: str) -> dict[str, Any]:
    """The public description printed by ``acuneuro instruments ID``: items in published order."""
    instrument = get_instrument(instrument_id)
    return {
        "id": instrument.id,
        "name": instrument.name,
        "version": instrument.version,
        "answered_by": instrument.answered_by,
        "items": [
            {
                "id": item.id,
                "text": item.text,
                "type": item.type,
                "clinician_only": instrument.is_clinician_only(item.id),
                "options": [
                    {"code": o.code, "label": o.label, "value": _number(o.value)}
                    for o in item.options
                ],
                "min": _number(item.min),
                "max": _number(item.max),
            }
            for item in instrument.items
        ],
        "cutoffs": [c.model_dump(mode="json") for c in instrument.cutoffs],
        "sources": list(instrument.sources),
    }


def _dedup(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _fmt(value: float) -> str:
    return f"{value:g}"


def _note(template: str, **params: Any) -> dict[str, Any]:
    """One part of an interpretation: a catalogue template and what fills it."""
    return {"template": template, "params": params}


def _describe(label: str, value: Interval | None) -> dict[str, Any]:
    if value is None:
        return _note(N_("{label}: not computed"), label=label)
    exact = value.exact
    if exact is not None:
        return _note(N_("{label}: {value}"), label=label, value=_fmt(exact))
    return _note(N_("{label}: between {low} and {high}"), label=label, low=_fmt(value.low),
                 high=_fmt(value.high))


def _positive(instrument: Instrument, readings: dict[int, bool | None]) -> bool | None:
    if instrument.positive_from == "primary":
        for index, cutoff in enumerate(instrument.cutoffs):
            if cutoff.primary:
                return readings.get(index)
        return None
    values = list(readings.values())
    if any(v is True for v in values):
        return True
    if values and all(v is False for v in values) and len(values) == sum(
        1 for c in instrument.cutoffs if c.verified
    ):
        return False
    return None


def score_checked(instrument: Instrument, answers: Normalised) -> ScoreResult:
    """Score answers already checked by :func:`normalise_answers`."""
    values: dict[str, Interval | None] = {}
    notes: list[dict[str, Any]] = []
    missing: list[str] = []
    sources = list(instrument.sources)
    for rule in instrument.scores:
        if not rule.verified:
            values[rule.id] = None
            notes.append(_note(N_("{label}: not computed, rule unverified ({why})"),
                               label=rule.label, why=rule.verification))
            continue
        value, lacking = compute(instrument, rule, answers)
        values[rule.id] = value
        missing.extend(lacking if value is None else [])
        sources.extend(rule.sources)
        notes.append(_describe(rule.label, value))
        if value is not None and value.exact is None:
            notes.append(_note(N_("{label} is a range because a published option value is "
                                  "unconfirmed"), label=rule.label))
    readings: dict[int, bool | None] = {}
    for index, cutoff in enumerate(instrument.cutoffs):
        if not cutoff.verified:
            notes.append(_note(N_("cut-off on {score} not applied: {why}"), score=cutoff.score,
                               why=cutoff.verification))
            continue
        value = values.get(cutoff.score)
        if value is None:
            continue
        band = band_of(cutoff.bands, value)
        if band is None:
            notes.append(_note(N_("{score}: range spans cut-off bands, no reading"),
                               score=cutoff.score))
            readings[index] = None
            continue
        readings[index] = band.positive
        notes.append(_note(band.label))
        sources.extend(cutoff.sources)
    if not any(c.verified for c in instrument.cutoffs):
        notes.append(_note(N_("no validated cut-off")))
    if instrument.profile:
        if all(i in answers for i in instrument.profile):
            levels = [instrument.item(i).options for i in instrument.profile]
            digits = "".join(
                _fmt(next(o.value or 0 for o in opts if o.code == answers[i]))
                for i, opts in zip(instrument.profile, levels, strict=True)
            )
            notes.append(_note(N_("health profile {digits}"), digits=digits))
        else:
            notes.append(_note(N_("health profile: incomplete")))
    if missing:
        ordered = [i.id for i in instrument.items if i.id in set(missing)]
        # Named by their wording: the interpretation is read by clinicians, not by code.
        texts = [instrument.item(i).text for i in ordered]
        notes.append(_note(N_("missing items: {items}"), items={"items": texts, "sep": "; "}))
        missing = ordered
    total_value = values.get(instrument.total) if instrument.total else None
    return ScoreResult(
        instrument=instrument.id,
        version=instrument.version,
        total=total_value.exact if total_value is not None else None,
        subscales={
            rule.id: (v.exact if (v := values[rule.id]) is not None else None)
            for rule in instrument.scores
            if rule.id != instrument.total
        },
        positive=_positive(instrument, readings),
        interpretation="; ".join(fill(n["template"], n["params"]) for n in notes),
        said=notes,
        missing=missing,
        sources=_dedup(sources),
    )


def score(instrument_id: str, answers: Mapping[str, Any]) -> ScoreResult:
    """Score one instrument from ``{item id: answer}``.

    Raises :class:`UnknownInstrumentError` for an unknown id and :class:`AnswerError`
    (naming the item) for an unknown item, a wrong type or an out-of-range answer.
    """
    instrument = get_instrument(instrument_id)
    return score_checked(instrument, normalise_answers(instrument, answers))
