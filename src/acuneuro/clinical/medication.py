"""Medication over a course: statements, daily morphine milligram equivalents, and change.

MME/day = daily dose x the CDC 2022 factor, summed over every opioid taken that day (Dowell et
al., MMWR Recomm Rep 2022;71(3):1-95, Table). Doses are mg/day, except transdermal fentanyl in
mcg/h. The table version is stored with every result.

**MME is a dose-burden measure only. Never use it to convert one opioid into another**: the
CDC 2022 guideline warns that cross-tolerance is incomplete and pharmacokinetics vary, so a new
opioid is started well below the calculated equivalent; methadone and transdermal fentanyl need
particular caution.

"Medication reduction" is computed from the statements, never typed in.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from acuneuro.clinical._medication_cautions import MedicationCaution, cautions_for_doses
from acuneuro.clinical.drug_names import match_drug
from acuneuro.knowledge.course import drug_knowledge

__all__ = [
    "DrugChange",
    "MedicationCaution",
    "MedicationChange",
    "MedicationStatement",
    "MmeContribution",
    "MmeResult",
    "daily_doses",
    "medication_cautions",
    "medication_change",
    "mme_factor",
    "mme_on",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MedicationStatement(_Frozen):
    """A drug taken at a constant total daily dose from ``start`` to ``stop`` (both inclusive).

    ``stop`` is the last day taken; ``None`` means still taken. A dose change is a new statement.
    """

    drug: str = Field(min_length=1)  # international non-proprietary name, lower case
    daily_dose: float = Field(gt=0, allow_inf_nan=False)
    unit: str = Field(min_length=1)
    start: date
    stop: date | None = None

    @field_validator("drug")
    @classmethod
    def _normalise(cls, v: str) -> str:
        return " ".join(v.strip().lower().split())

    @model_validator(mode="after")
    def _order(self) -> MedicationStatement:
        if self.stop is not None and self.stop < self.start:
            raise ValueError(
                f"medication {self.drug}: stop {self.stop} is before start {self.start}"
            )
        return self

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.stop is None or day <= self.stop)


def daily_doses(statements: list[MedicationStatement], day: date) -> dict[tuple[str, str], float]:
    """Total daily dose per (drug, unit) on ``day``; overlapping statements add up."""
    totals: dict[tuple[str, str], float] = {}
    for s in statements:
        if s.active_on(day):
            key = (s.drug, s.unit)
            totals[key] = totals.get(key, 0.0) + s.daily_dose
    return totals


def mme_factor(drug: str, unit: str) -> float | None:
    """The CDC 2022 factor for ``drug`` (INN, brand or salt, e.g. "OxyContin") dosed in ``unit``,
    or None when the table has none."""
    match = match_drug(drug)
    inn = match.inn if match is not None else drug
    for f in drug_knowledge().mme.factors:
        if f.drug == inn and f.unit == unit:
            return f.factor
    return None


class MmeContribution(_Frozen):
    drug: str  # as recorded ("oxycontin")
    inn: str  # as recognised ("oxycodone")
    daily_dose: float
    unit: str
    factor: float
    mme: float


class MmeResult(_Frozen):
    on: date
    total: float
    table_version: str
    contributions: list[MmeContribution]
    # Opioids taken that day that the table cannot convert (wrong unit, no factor), each with
    # the reason in words, e.g. "buprenorphine (CDC 2022 gives buprenorphine no MME factor ...)".
    not_convertible: list[str]
    # Drugs the medicine vocabulary cannot place: whether they are opioids is not known.
    unknown_drugs: list[str]
    # Opioids CDC 2022 leaves out of the table on purpose (INN), also listed in not_convertible.
    no_cdc_factor: list[str] = Field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every drug taken that day was either converted or known not to be an opioid."""
        return not self.not_convertible and not self.unknown_drugs


def mme_on(statements: list[MedicationStatement], day: date) -> MmeResult:
    """Daily MME on ``day`` across all overlapping statements (CDC 2022).

    Not for converting one opioid into another (see the module docstring).
    """
    k = drug_knowledge()
    excluded = {n.drug: n.reason for n in k.mme.no_factor}
    contributions: list[MmeContribution] = []
    not_convertible: list[str] = []
    unknown: list[str] = []
    no_factor: list[str] = []
    for (drug, unit), dose in sorted(daily_doses(statements, day).items()):
        match = match_drug(drug)
        if match is None:
            unknown.append(drug)
            continue
        if "opioid" not in match.classes:
            continue
        if match.inn in excluded:
            no_factor.append(match.inn)
            not_convertible.append(f"{drug} ({excluded[match.inn]})")
            continue
        factor = mme_factor(match.inn, unit)
        if factor is None:
            not_convertible.append(f"{drug} ({unit})")
            continue
        contributions.append(MmeContribution(drug=drug, inn=match.inn, daily_dose=dose, unit=unit,
                                             factor=factor, mme=dose * factor))
    return MmeResult(
        on=day,
        total=sum(c.mme for c in contributions),
        table_version=k.mme.version,
        contributions=contributions,
        not_convertible=not_convertible,
        unknown_drugs=unknown,
        no_cdc_factor=sorted(set(no_factor)),
    )


Direction = Literal["started", "stopped", "reduced", "increased", "unchanged"]


class DrugChange(_Frozen):
    drug: str
    unit: str
    baseline_dose: float
    dose: float
    change: float
    # Percent of the baseline dose (negative = reduction); None for a drug started after baseline.
    percent_change: float | None
    direction: Direction


class MedicationChange(_Frozen):
    baseline_date: date
    on: date
    drugs: list[DrugChange]
    mme_baseline: MmeResult
    mme: MmeResult
    mme_change: float
    overall: Literal["reduced", "increased", "mixed", "unchanged"]


def _direction(before: float, after: float) -> Direction:
    if before == 0:
        return "started"
    if after == 0:
        return "stopped"
    if after < before:
        return "reduced"
    if after > before:
        return "increased"
    return "unchanged"


def medication_change(
    statements: list[MedicationStatement], baseline: date, on: date
) -> MedicationChange:
    """Per-drug and overall change in medication between ``baseline`` and ``on``.

    Overall: ``reduced`` when at least one drug was reduced or stopped and none was increased or
    started; ``increased`` in the mirror case; ``mixed`` when both happened; else ``unchanged``.
    """
    before = daily_doses(statements, baseline)
    after = daily_doses(statements, on)
    drugs: list[DrugChange] = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key, 0.0), after.get(key, 0.0)
        drugs.append(
            DrugChange(
                drug=key[0],
                unit=key[1],
                baseline_dose=b,
                dose=a,
                change=a - b,
                percent_change=(a - b) / b * 100 if b else None,
                direction=_direction(b, a),
            )
        )
    down = any(d.direction in ("reduced", "stopped") for d in drugs)
    up = any(d.direction in ("increased", "started") for d in drugs)
    overall: Literal["reduced", "increased", "mixed", "unchanged"] = (
        "mixed" if down and up else "reduced" if down else "increased" if up else "unchanged"
    )
    m0, m1 = mme_on(statements, baseline), mme_on(statements, on)
    return MedicationChange(
        baseline_date=baseline,
        on=on,
        drugs=drugs,
        mme_baseline=m0,
        mme=m1,
        mme_change=m1.total - m0.total,
        overall=overall,
    )


def medication_cautions(
    statements: list[MedicationStatement], day: date, crcl_ml_min: float | None
) -> list[MedicationCaution]:
    """Cautions for the drugs taken on ``day``: kidney-function dose bands and combinations.

    Gabapentin and pregabalin bands by creatinine clearance (US labels); gabapentinoids with
    opioids or other CNS depressants (FDA Drug Safety Communication, 19 Dec 2019); tramadol with
    SSRIs/SNRIs (Park et al., J Pharm Pract 2014). ``crcl_ml_min`` None means not assessed, and
    a gabapentinoid is then reported as unchecked, never as within range.
    """
    return cautions_for_doses(daily_doses(statements, day), crcl_ml_min)
