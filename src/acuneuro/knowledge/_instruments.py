"""Validated instruments as data: the models and the loader of ``knowledge/instruments/*.yaml``.

Each YAML file describes one instrument exactly as its authors published it: the items in
their published order (short labels only for copyrighted instruments), the scoring rules,
the cut-offs with their reported accuracy, codes, licence and sources. The scoring engine
in ``acuneuro.clinical.scoring`` reads these definitions; adding an instrument is a data
change. A rule or cut-off whose published form could not be confirmed carries
``verified: false`` and a ``verification`` note, and the engine never applies it. Loading
refuses a score rule that some answer set could push outside its published range, and an
instrument that does not say who answers it (``answered_by``; examination and grading items
are ``clinician_only`` and never taken from the patient answering alone).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.knowledge._bibliography import check_cited

__all__ = [
    "Band",
    "Code",
    "Cutoff",
    "Instrument",
    "Item",
    "Licence",
    "Option",
    "ScoreRule",
    "instrument_ids",
    "load_instrument",
    "load_instruments",
    "reachable_range",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    """One answer option; ``value`` is its published score (``None``: not confirmed)."""

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str
    value: float | None
    # Where the published per-option value is unconfirmed but its range is known, the
    # engine carries the range through the score instead of guessing a number.
    value_bounds: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _value_or_bounds(self) -> Option:
        if self.value is None and self.value_bounds is None:
            raise ValueError(f"option {self.code}: needs a value or value_bounds")
        if self.value_bounds is not None and self.value_bounds[0] > self.value_bounds[1]:
            raise ValueError(f"option {self.code}: value_bounds must be (low, high)")
        return self

    def bounds(self) -> tuple[float, float]:
        """The value as an interval: a point when published, the bounds when not confirmed."""
        if self.value is not None:
            return (self.value, self.value)
        low, high = self.value_bounds or (0.0, 0.0)
        return (low, high)


class Item(_Strict):
    """One question or examination element, in the instrument's published order."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str
    type: Literal["boolean", "choice", "number"]
    options: list[Option] = Field(default_factory=list)
    min: float | None = None
    max: float | None = None
    integer: bool = True
    # Conditional items (e.g. "only if you drive") may be left out without making a score missing.
    optional: bool = False
    # An examination, bedside test or grading that only a clinician can record: never offered
    # to, nor accepted from, the patient answering alone (the patient-tablet mode).
    clinician_only: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Item:
        if self.type == "number":
            if self.min is None or self.max is None or self.min > self.max:
                raise ValueError(f"item {self.id}: a number item needs min <= max")
            if self.options:
                raise ValueError(f"item {self.id}: a number item has no options")
        else:
            if self.type == "boolean" and {o.code for o in self.options} != {"yes", "no"}:
                raise ValueError(f"item {self.id}: a boolean item has options yes and no")
            if self.type == "choice" and len(self.options) < 2:
                raise ValueError(f"item {self.id}: a choice item needs two options or more")
            codes = [o.code for o in self.options]
            if len(set(codes)) != len(codes):
                raise ValueError(f"item {self.id}: duplicate option codes")
        return self

    def value_range(self) -> tuple[float, float]:
        """Lowest and highest score this item can contribute."""
        if self.type == "number":
            return (float(self.min or 0), float(self.max or 0))
        bounds = [o.bounds() for o in self.options]
        return (min(b[0] for b in bounds), max(b[1] for b in bounds))


class ScoreRule(_Strict):
    """How one score (the total or a subscale) is computed from items.

    ``method``: ``sum`` of item values, ``mean`` of item values, or ``lookup`` of one item's
    option code in ``table``. Then, in order: ``reverse`` items are scored ``low + high - x``;
    the result is multiplied by ``multiplier``; ``rescale`` maps ``[low, high]`` linearly to
    0-100. ``min_answered`` enables the published prorating rule (mean of the answered items,
    times the item count for sums); without it every non-optional item is required.
    """

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str
    method: Literal["sum", "mean", "lookup"]
    items: list[str] = Field(min_length=1)
    reverse: list[str] = Field(default_factory=list)
    multiplier: float = 1.0
    rescale: tuple[float, float] | None = None
    table: dict[str, float] | None = None
    min_answered: int | None = Field(default=None, ge=1)
    range: tuple[float, float]
    verified: bool = True
    verification: str | None = None
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ScoreRule:
        if self.method == "lookup" and (self.table is None or len(self.items) != 1):
            raise ValueError(f"score {self.id}: a lookup needs one item and a table")
        if not set(self.reverse) <= set(self.items):
            raise ValueError(f"score {self.id}: reverse items must be among its items")
        if not self.verified and not self.verification:
            raise ValueError(f"score {self.id}: an unverified rule needs a verification note")
        return self


class Band(_Strict):
    """A closed interval of a score with its published meaning."""

    min: float
    max: float
    label: str
    positive: bool | None


class Cutoff(_Strict):
    """Published interpretation bands of one score, with the accuracy the authors reported."""

    score: str
    bands: list[Band] = Field(min_length=1)
    primary: bool = False
    sensitivity: float | None = Field(default=None, ge=0, le=1)
    specificity: float | None = Field(default=None, ge=0, le=1)
    population: str | None = None
    verified: bool = True
    verification: str | None = None
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _note(self) -> Cutoff:
        if not self.verified and not self.verification:
            raise ValueError(f"cut-off on {self.score}: unverified needs a verification note")
        return self


class Code(_Strict):
    """A terminology code of a score, only where one was found in a source."""

    system: str
    code: str
    display: str
    score: str = "total"
    sources: list[str] = Field(min_length=1)


class Licence(_Strict):
    holder: str
    free_to_embed: Literal["yes", "no", "unknown"]
    note: str


class Instrument(_Strict):
    """One validated instrument, as ``knowledge/instruments/<id>.yaml`` describes it."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    version: str
    purpose: Literal["screening", "outcome", "examination", "grading"]
    items: list[Item] = Field(min_length=1)
    total: str | None
    scores: list[ScoreRule] = Field(min_length=1)
    cutoffs: list[Cutoff] = Field(default_factory=list)
    # "primary": the result's positive/negative comes from the one primary cut-off;
    # "any": positive if any verified cut-off reads positive (e.g. either HADS subscale).
    positive_from: Literal["primary", "any"] = "primary"
    profile: list[str] = Field(default_factory=list)
    codes: list[Code] = Field(default_factory=list)
    licence: Licence
    verification: list[str] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)
    # Who may answer it, stated for every instrument (no default, so a new one fails closed):
    # "patient" every item is self-report; "clinician" none is; "both" the items marked
    # ``clinician_only`` are the clinician's and the rest the patient's.
    answered_by: Literal["patient", "clinician", "both"]

    @model_validator(mode="after")
    def _who_answers(self) -> Instrument:
        marked = [i.id for i in self.items if i.clinician_only]
        if self.answered_by != "both" and marked:
            raise ValueError(
                f"{self.id}: clinician_only items {marked} need answered_by: both"
            )
        if self.answered_by == "both" and not 0 < len(marked) < len(self.items):
            raise ValueError(
                f"{self.id}: answered_by both needs some clinician_only items and some not"
            )
        return self

    @model_validator(mode="after")
    def _ranges_hold(self) -> Instrument:
        # No answer set may give a score outside the range the authors published.
        item_ids = {i.id for i in self.items}
        for rule in self.scores:
            if not set(rule.items) <= item_ids:
                continue  # reported by _references_resolve
            low, high = reachable_range(self, rule)
            if low < rule.range[0] or high > rule.range[1]:
                raise ValueError(
                    f"{self.id}: score {rule.id} can reach {low:g} to {high:g}, outside its "
                    f"published range {rule.range[0]:g} to {rule.range[1]:g}"
                )
        return self

    @model_validator(mode="after")
    def _references_resolve(self) -> Instrument:
        item_ids = [i.id for i in self.items]
        if len(set(item_ids)) != len(item_ids):
            raise ValueError(f"{self.id}: duplicate item ids")
        score_ids = {s.id for s in self.scores}
        if len(score_ids) != len(self.scores):
            raise ValueError(f"{self.id}: duplicate score ids")
        if self.total is not None and self.total not in score_ids:
            raise ValueError(f"{self.id}: total {self.total!r} is not a score")
        for score in self.scores:
            unknown = set(score.items) - set(item_ids)
            if unknown:
                raise ValueError(f"{self.id}: score {score.id} names unknown items {unknown}")
            if score.table is not None:
                codes = {o.code for o in self.item(score.items[0]).options}
                if set(score.table) != codes:
                    raise ValueError(f"{self.id}: lookup {score.id} must map every option code")
        for cutoff in self.cutoffs:
            if cutoff.score not in score_ids:
                raise ValueError(f"{self.id}: cut-off on unknown score {cutoff.score!r}")
            bands = cutoff.bands
            if any(b.min > b.max for b in bands) or any(
                a.max >= b.min for a, b in pairwise(bands)
            ):
                raise ValueError(f"{self.id}: cut-off bands on {cutoff.score} must ascend")
        if sum(1 for c in self.cutoffs if c.primary) > 1:
            raise ValueError(f"{self.id}: at most one primary cut-off")
        if not set(self.profile) <= set(item_ids):
            raise ValueError(f"{self.id}: profile names unknown items")
        for code in self.codes:
            if code.score not in score_ids:
                raise ValueError(f"{self.id}: code on unknown score {code.score!r}")
        return self

    def item(self, item_id: str) -> Item:
        """The item with this id (``KeyError`` if there is none)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def is_clinician_only(self, item_id: str) -> bool:
        """Whether only a clinician may record this item (examination, bedside test, grading)."""
        return self.answered_by == "clinician" or self.item(item_id).clinician_only

    def self_report_items(self) -> list[Item]:
        """The items a patient may answer alone, in published order (may be empty)."""
        return [i for i in self.items if not self.is_clinician_only(i.id)]

    def score_rule(self, score_id: str) -> ScoreRule:
        """The scoring rule with this id (``KeyError`` if there is none)."""
        for rule in self.scores:
            if rule.id == score_id:
                return rule
        raise KeyError(score_id)


def reachable_range(instrument: Instrument, rule: ScoreRule) -> tuple[float, float]:
    """Lowest and highest value ``rule`` can give over every answer set, by its own arithmetic.

    Sum and mean take each item's value range (reversed items flipped, which keeps the range);
    prorating a sum (mean x item count) reaches the same extremes; then the multiplier and
    the linear rescaling apply, as in ``acuneuro.clinical._scoring_rules.compute``.
    """
    if rule.method == "lookup":
        values = list((rule.table or {}).values())
        return (min(values), max(values))
    ranges = [instrument.item(i).value_range() for i in rule.items]
    partial = rule.min_answered is not None or any(instrument.item(i).optional for i in rule.items)
    if partial and len(set(ranges)) > 1:
        # Prorating or leaving out an item can only stay in range if the items share one scale.
        raise ValueError(
            f"{instrument.id}: score {rule.id} may be computed from part of its items, "
            "so its items need one common value range"
        )
    low, high = sum(r[0] for r in ranges), sum(r[1] for r in ranges)
    if rule.method == "mean":
        low, high = low / len(ranges), high / len(ranges)
    low, high = sorted((low * rule.multiplier, high * rule.multiplier))
    if rule.rescale is not None:
        floor, ceiling = rule.rescale
        low = (low - floor) / (ceiling - floor) * 100
        high = (high - floor) / (ceiling - floor) * 100
    return (min(low, high), max(low, high))


_FOLDER = "instruments"


def _yaml(name: str) -> object:
    text = resources.files("acuneuro.knowledge").joinpath(_FOLDER, name).read_text("utf-8")
    return yaml.safe_load(text)


def _check_sources(instrument: Instrument) -> None:
    where = f"instruments/{instrument.id}.yaml"
    check_cited(instrument.sources, where)
    for rule in instrument.scores:
        check_cited(rule.sources, f"{where} score {rule.id}")
    for cutoff in instrument.cutoffs:
        check_cited(cutoff.sources, f"{where} cut-off on {cutoff.score}")
    for code in instrument.codes:
        check_cited(code.sources, f"{where} code {code.code}")


@cache
def load_instruments() -> dict[str, Instrument]:
    """Every instrument by id, validated and with every source checked."""
    folder = resources.files("acuneuro.knowledge").joinpath(_FOLDER)
    found: dict[str, Instrument] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml") or entry.name.startswith("_"):
            continue
        instrument = Instrument.model_validate(_yaml(entry.name))
        if f"{instrument.id}.yaml" != entry.name:
            raise ValueError(f"instruments/{entry.name}: id {instrument.id!r} differs from file")
        _check_sources(instrument)
        found[instrument.id] = instrument
    return found


def instrument_ids() -> list[str]:
    """Ids of every instrument, sorted."""
    return sorted(load_instruments())


def load_instrument(instrument_id: str) -> Instrument:
    """One instrument (``KeyError`` naming it if unknown)."""
    try:
        return load_instruments()[instrument_id]
    except KeyError:
        raise KeyError(instrument_id) from None
