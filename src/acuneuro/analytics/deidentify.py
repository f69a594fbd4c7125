"""De-identify a table of patient data for research, and refuse it when it is too identifying.

Pure over pandas: a :class:`DataDictionary` declares what every column is, and
:func:`deidentify` returns a new frame plus what was done. Two profiles:

``safe-harbor``
    45 CFR 164.514(b)(2): every declared identifier column (the 18 classes, of the patient or of
    relatives, employers and household members) and all free text are removed; dates keep only the
    year; ages over 89 and birth years that may mean 90 or older become ``"90+"``; the patient key
    becomes a random surrogate (164.514(c): never derived from the record).
``limited``
    A limited data set for research under a data use agreement (164.514(e)): the same removals,
    but dates of care are shifted by one random offset per patient so intervals are kept.

Both pass a k-anonymity gate (Sweeney 2002): the number of *patients* sharing each combination of
quasi-identifier values must reach ``k`` (5 unless overridden with a reason, never below 2; the
figures live in ``knowledge/privacy.yaml``). A refusal reports the smallest class size, never its
members. Any column the dictionary does not declare is an error: the export fails closed, and so
does a kept column holding text that is not a code (``_coded``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from acuneuro.analytics._coded import refuse_free_text
from acuneuro.knowledge import privacy_policy

__all__ = [
    "RESEARCH_ID",
    "ColumnKind",
    "ColumnSpec",
    "DataDictionary",
    "Deidentified",
    "KAnonymityError",
    "OutputColumn",
    "Profile",
    "deidentify",
    "smallest_class_size",
]

RESEARCH_ID = "research_id"


class Profile(StrEnum):
    safe_harbor = "safe-harbor"
    limited = "limited"


class ColumnKind(StrEnum):
    """What a source column is, which decides what happens to it."""

    patient_key = "patient_key"  # internal id of the patient: replaced by a random surrogate
    identifier = "identifier"  # one of the 18 Safe Harbor classes: removed
    birth_date = "birth_date"  # reduced to a top-coded year in both profiles
    date = "date"  # a date of care: year (safe-harbor) or shifted (limited)
    age = "age"  # years; over 89 becomes "90+"
    free_text = "free_text"  # removed: it can name anyone
    quasi_identifier = "quasi_identifier"  # kept, and counted by the k-anonymity gate
    attribute = "attribute"  # kept as is: a clinical value that identifies no one


class ColumnSpec(BaseModel):
    """One source column as the data dictionary declares it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: ColumnKind
    # Letter A-R of 164.514(b)(2)(i), required for (and only for) kind "identifier".
    identifier: str | None = Field(default=None, pattern=r"^[A-R]$")
    description: str = ""
    # A date of care that, with the others, could single a patient out (e.g. a first visit).
    quasi_identifier: bool = False
    # The only texts a kept column may carry; ``None``: any value shaped like a code (_coded).
    codes: frozenset[str] | None = None

    @model_validator(mode="after")
    def _coherent(self) -> ColumnSpec:
        if (self.kind is ColumnKind.identifier) != (self.identifier is not None):
            raise ValueError(f"{self.name}: 'identifier' is given exactly for identifier columns")
        if self.quasi_identifier and self.kind is not ColumnKind.date:
            raise ValueError(f"{self.name}: only a date column takes quasi_identifier")
        return self


class DataDictionary(BaseModel):
    """Every column of the source table, declared; exactly one is the patient key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: list[ColumnSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_key_unique_names(self) -> DataDictionary:
        names = [c.name for c in self.columns]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"columns declared twice: {', '.join(duplicated)}")
        keys = [c for c in self.columns if c.kind is ColumnKind.patient_key]
        if len(keys) != 1:
            raise ValueError("the dictionary needs exactly one patient_key column")
        if RESEARCH_ID in names:
            raise ValueError(f"{RESEARCH_ID!r} is the name of the surrogate id column")
        return self

    @property
    def key(self) -> str:
        return next(c.name for c in self.columns if c.kind is ColumnKind.patient_key)


@dataclass(frozen=True)
class OutputColumn:
    """One column of the export, for its data dictionary."""

    name: str
    kind: str
    description: str
    transform: str


class KAnonymityError(ValueError):
    """The export would hold a quasi-identifier combination shared by fewer than k patients."""

    def __init__(self, smallest: int, k: int) -> None:
        super().__init__(
            f"k-anonymity gate: the smallest equivalence class holds {smallest} patient(s), "
            f"fewer than k={k}; generalise or drop quasi-identifiers before exporting"
        )
        self.smallest = smallest
        self.k = k


@dataclass(frozen=True)
class Deidentified:
    """A de-identified table and the facts its manifest reports."""

    frame: pd.DataFrame
    columns: tuple[OutputColumn, ...]
    profile: Profile
    k: int
    k_override_reason: str | None
    smallest_class: int
    quasi_identifiers: tuple[str, ...]
    rows_in: int
    patients: int
    # Surrogate -> source key. The re-identification key stays inside the clinic (164.514(c)):
    # the export writer never writes it.
    reidentification: dict[str, str] = field(repr=False)


def _checked_k(k: int | None, reason: str | None) -> int:
    policy = privacy_policy().k_anonymity
    if k is None:
        return policy.default_k
    if k < policy.minimum_k:
        raise ValueError(f"k={k} is below the floor of {policy.minimum_k}; no override allows it")
    if k < policy.default_k and not (reason and reason.strip()):
        raise ValueError(
            f"k={k} is below the default of {policy.default_k}; "
            "give a written reason (k_override_reason) to lower it"
        )
    return k


def _surrogates(keys: pd.Series) -> dict[object, str]:
    size = privacy_policy().surrogate_ids.bytes
    mapping: dict[object, str] = {}
    used: set[str] = set()
    for key in pd.unique(keys):
        token = secrets.token_hex(size)
        while token in used:  # pragma: no cover - 2**-96 per pair
            token = secrets.token_hex(size)
        used.add(token)
        mapping[key] = token
    return mapping


def _dates(values: pd.Series, name: str) -> pd.Series:
    try:
        parsed = pd.to_datetime(values, errors="raise", format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name}: not a date ({exc})") from exc
    return parsed


def _birth_years(values: pd.Series, name: str, as_of: date) -> pd.Series:
    sh = privacy_policy().safe_harbor
    years = _dates(values, name).dt.year
    # A birth year from which the person may be 90 or older on as_of is "indicative of such
    # age" (164.514(b)(2)(i)(C)), so it is aggregated too.
    # Born in this year or earlier: 90 or older on as_of if the birthday has passed.
    last_aggregated = as_of.year - sh.top_coded_age

    def label(year: float) -> str | None:
        if pd.isna(year):
            return None
        return sh.top_coded_label if int(year) <= last_aggregated else str(int(year))

    return years.map(label).astype("object")


def _ages(values: pd.Series, name: str) -> pd.Series:
    sh = privacy_policy().safe_harbor
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        raise ValueError(f"{name}: not a number in row {int(bad.to_numpy().nonzero()[0][0])}")

    def label(age: float) -> str | None:
        if pd.isna(age):
            return None
        return sh.top_coded_label if age >= sh.top_coded_age else str(int(age))

    return numbers.map(label).astype("object")


def _offsets(surrogate_ids: pd.Series) -> pd.Series:
    span = privacy_policy().limited_data_set.date_shift_max_days
    offsets: dict[str, int] = {}
    for sid in pd.unique(surrogate_ids):
        magnitude = 1 + secrets.randbelow(span)
        offsets[str(sid)] = magnitude if secrets.randbelow(2) else -magnitude
    return surrogate_ids.map(offsets)


def _looks_unique(values: pd.Series, research_id: pd.Series) -> bool:
    """True for a text column whose every value belongs to one patient (a code, class R)."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    pairs = pd.DataFrame({"v": values.astype("object"), "p": research_id}).dropna()
    distinct = pairs["v"].nunique()
    owners = pairs.drop_duplicates().groupby("v")["p"].nunique()
    return bool(distinct >= privacy_policy().k_anonymity.default_k and owners.max() == 1)


def smallest_class_size(frame: pd.DataFrame, quasi: list[str], key: str) -> int:
    """Fewest distinct ``key`` values sharing one combination of ``quasi`` values (nulls too)."""
    if frame.empty:
        return 0
    if not quasi:
        return int(frame[key].nunique())
    grouped = frame.astype({q: "object" for q in quasi}).groupby(quasi, dropna=False)[key]
    return int(grouped.nunique().min())


def deidentify(
    frame: pd.DataFrame,
    dictionary: DataDictionary,
    profile: Profile,
    *,
    as_of: date,
    k: int | None = None,
    k_override_reason: str | None = None,
) -> Deidentified:
    """De-identify ``frame`` under ``profile`` and enforce the k-anonymity gate.

    ``as_of`` is the export date (birth years that may mean 90 or older on it are top-coded).
    Raises ``ValueError`` for an undeclared column, a bad value or a bad ``k`` and
    :class:`KAnonymityError` when a quasi-identifier class holds fewer than ``k`` patients.
    """
    profile = Profile(profile)  # a plain "limited" string must not fall through to safe-harbor
    k_used = _checked_k(k, k_override_reason)
    declared = {c.name for c in dictionary.columns}
    undeclared = [str(c) for c in frame.columns if c not in declared]
    if undeclared:
        raise ValueError(f"columns not in the data dictionary: {', '.join(undeclared)}")
    missing = [c.name for c in dictionary.columns if c.name not in frame.columns]
    if missing:
        raise ValueError(f"declared columns missing from the table: {', '.join(missing)}")
    if frame.empty:
        raise ValueError("nothing to export: the table has no rows")
    if frame[dictionary.key].isna().any():
        raise ValueError(f"{dictionary.key}: every row needs a patient key")

    source = frame.reset_index(drop=True)
    mapping = _surrogates(source[dictionary.key])
    research_id = source[dictionary.key].map(mapping).astype("object")
    out: dict[str, pd.Series] = {RESEARCH_ID: research_id}
    described = [
        OutputColumn(RESEARCH_ID, "patient_key", "random surrogate id", "secrets.token_hex")
    ]
    quasi: list[str] = []
    shift = _offsets(research_id) if profile is Profile.limited else None
    for spec in dictionary.columns:
        values = source[spec.name]
        if spec.kind in (ColumnKind.patient_key, ColumnKind.identifier, ColumnKind.free_text):
            continue
        if spec.kind is ColumnKind.birth_date:
            out[spec.name] = _birth_years(values, spec.name, as_of)
            transform = "birth year; '90+' when the person may be 90 or older"
            quasi.append(spec.name)
        elif spec.kind is ColumnKind.age:
            out[spec.name] = _ages(values, spec.name)
            transform = "whole years; '90+' for 90 or older"
            quasi.append(spec.name)
        elif spec.kind is ColumnKind.date and shift is None:
            years = _dates(values, spec.name).dt.year
            out[spec.name] = years.astype("Int64")
            transform = "year only"
        elif spec.kind is ColumnKind.date and shift is not None:
            days = shift.map(lambda d: timedelta(days=int(d)))
            shifted = _dates(values, spec.name).dt.normalize() + pd.to_timedelta(days)
            out[spec.name] = shifted.dt.date.astype("object").where(shifted.notna(), None)
            transform = "date shifted by one random offset per patient (intervals kept)"
        else:
            if spec.kind is ColumnKind.attribute and _looks_unique(values, research_id):
                # Safe Harbor class R: a value no two patients share identifies one of them.
                raise ValueError(
                    f"{spec.name}: every value belongs to a single patient, so it may be an "
                    "identifying code; declare it as identifier or quasi_identifier"
                )
            refuse_free_text(spec.name, values, spec.codes)
            out[spec.name] = values
            transform = "unchanged"
            if spec.kind is ColumnKind.quasi_identifier:
                quasi.append(spec.name)
        if spec.kind is ColumnKind.date and spec.quasi_identifier:
            quasi.append(spec.name)
        described.append(OutputColumn(spec.name, spec.kind.value, spec.description, transform))

    result = pd.DataFrame(out)
    smallest = smallest_class_size(result, quasi, RESEARCH_ID)
    if smallest < k_used:
        raise KAnonymityError(smallest, k_used)
    # Rows ordered by the random surrogate, so row order says nothing about record numbers.
    result = result.sort_values(RESEARCH_ID, kind="stable").reset_index(drop=True)
    return Deidentified(
        frame=result,
        columns=tuple(described),
        profile=profile,
        k=k_used,
        k_override_reason=k_override_reason
        if k_used < privacy_policy().k_anonymity.default_k
        else None,
        smallest_class=smallest,
        quasi_identifiers=tuple(quasi),
        rows_in=len(frame),
        patients=len(mapping),
        reidentification={v: str(key) for key, v in mapping.items()},
    )
