"""The clinical case: one document that describes the patient as the clinical core sees them.

The field names are the public contract of ``docs/architecture.md`` (and of
``case-example.json``). Every model forbids unknown keys, so a misspelt field is an error
that names it, never a silently ignored fact. ``None`` always means *not assessed*: the
clinical core reports it as such and never reads it as normal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = [
    "DERMATOMES",
    "STORED_CASE",
    "Chemotherapy",
    "ClinicalCase",
    "Condition",
    "ConditionKind",
    "DermatomeSite",
    "Device",
    "Findings",
    "HeartValve",
    "Labs",
    "Medication",
    "Pain",
    "Patient",
    "Region",
    "RegionSite",
    "Requested",
    "RiskFactors",
    "Side",
    "SkinFinding",
    "Symptom",
    "VertebralLevel",
    "case_json_schema",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConditionKind(StrEnum):
    """Cause of the neuropathic pain, as the source pathway names them."""

    dpn = "dpn"  # painful diabetic peripheral neuropathy
    phn = "phn"  # postherpetic neuralgia
    cipn = "cipn"  # chemotherapy-induced peripheral neuropathy
    sci = "sci"  # spinal cord injury
    ms = "ms"  # multiple sclerosis
    other = "other"


class Region(StrEnum):
    head = "head"
    face = "face"
    neck = "neck"
    shoulder = "shoulder"
    upper_arm = "upper_arm"
    forearm = "forearm"
    hand = "hand"
    chest = "chest"
    abdomen = "abdomen"
    upper_back = "upper_back"
    lower_back = "lower_back"
    buttock = "buttock"
    hip = "hip"
    thigh = "thigh"
    knee = "knee"
    leg = "leg"  # below the knee
    foot = "foot"


class Side(StrEnum):
    left = "left"
    right = "right"
    both = "both"


class Symptom(StrEnum):
    """Symptom profile words of the source pathway."""

    burning = "burning"
    electric_shocks = "electric_shocks"
    tingling = "tingling"
    allodynia = "allodynia"
    hyperalgesia = "hyperalgesia"
    numbness = "numbness"


class Device(StrEnum):
    pacemaker = "pacemaker"
    icd = "icd"
    neurostimulator = "neurostimulator"
    other = "other"
    # Further implanted electronics (issue 12): each is a reason to give no electroacupuncture.
    cochlear_implant = "cochlear_implant"
    drug_pump = "drug_pump"  # implanted infusion pump (intrathecal baclofen, morphine)
    insulin_pump = "insulin_pump"
    cardiac_monitor = "cardiac_monitor"  # implantable loop recorder


DERMATOMES: tuple[str, ...] = (
    *(f"C{i}" for i in range(2, 9)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    *(f"S{i}" for i in range(1, 6)),
)
_DERMATOME_RE = re.compile(r"^(C[2-8]|T([1-9]|1[0-2])|L[1-5]|S[1-5])$")

Dermatome = Annotated[str, Field(pattern=_DERMATOME_RE.pattern, examples=["T5"])]
# Neurological level of a spinal cord injury, or a vertebral level of spinal hardware (C1 to S5).
VertebralLevel = Annotated[
    str, Field(pattern=r"^(C[1-8]|T([1-9]|1[0-2])|L[1-5]|S[1-5])$", examples=["T6"])
]


class Patient(_Strict):
    age: int = Field(ge=0, le=120)
    sex: Literal["female", "male", "other", "unknown"]
    pregnant: bool | None = None
    trimester: int | None = Field(default=None, ge=1, le=3)

    @model_validator(mode="after")
    def _trimester_needs_pregnancy(self) -> Patient:
        if self.trimester is not None and self.pregnant is not True:
            raise ValueError("patient.trimester is given but patient.pregnant is not true")
        return self


class Condition(_Strict):
    kind: ConditionKind
    icd10: str | None = Field(default=None, pattern=r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?\*?$")
    onset: date | None = None  # onset of the neuropathic pain
    rash_onset: date | None = None  # herpes zoster rash, for postherpetic neuralgia
    # Neurological level of injury (ISNCSCI) when the patient has a spinal cord injury; in an SCI
    # case ``None`` means not assessed, and the screen says so.
    sci_level: VertebralLevel | None = None


class RegionSite(_Strict):
    region: Region
    side: Side


class DermatomeSite(_Strict):
    dermatome: Dermatome
    side: Side


class Pain(_Strict):
    regions: list[RegionSite] = Field(default_factory=list)
    dermatomes: list[DermatomeSite] = Field(default_factory=list)
    nrs: int | None = Field(default=None, ge=0, le=10)
    symptoms: list[Symptom] | None = None


class Chemotherapy(_Strict):
    agents: list[str] = Field(default_factory=list)
    active: bool | None = None
    start: date | None = None
    last_dose: date | None = None


class Findings(_Strict):
    """History and examination facts for the NeuPSIG grading (Finnerup 2016)."""

    lesion_or_disease: bool | None = None
    plausible_distribution: bool | None = None
    sensory_signs: bool | None = None
    confirmatory_test: bool | None = None
    protective_sensation_lost: bool | None = None


class Labs(_Strict):
    taken: date | None = None
    platelets_per_ul: float | None = Field(default=None, ge=0)
    anc_per_ul: float | None = Field(default=None, ge=0)
    inr: float | None = Field(default=None, gt=0)


class Medication(_Strict):
    """A medicine as the clinician wrote it: INN, brand or salt ("Eliquis", "warfarin sodium").

    ``clinical.drug_names`` recognises it (any case, accents, strength); a bare string is
    accepted as the name. The name keeps the clinician's spelling so a finding can quote it.
    """

    name: str = Field(min_length=1, max_length=200)
    daily_dose: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    unit: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data

    @field_validator("name")
    @classmethod
    def _tidy(cls, value: str) -> str:
        # Rules match through clinical.drug_names, case- and accent-insensitively.
        tidy = " ".join(value.split())
        if not tidy:
            raise ValueError("a medicine needs a name")
        return tidy


class SkinFinding(_Strict):
    finding: Literal["ulcer", "infection", "vesicles", "wound"]
    region: Region | None = None
    dermatome: Dermatome | None = None
    side: Side

    @model_validator(mode="after")
    def _needs_a_site(self) -> SkinFinding:
        if (self.region is None) == (self.dermatome is None):
            raise ValueError("skin finding needs exactly one of region or dermatome")
        return self


class HeartValve(StrEnum):
    none = "none"
    disease = "disease"  # native valve disease (or endocarditis before)
    prosthetic = "prosthetic"  # prosthetic heart valve


class RiskFactors(_Strict):
    """Further facts of the safety screen (issue 12); each ``None`` is *not assessed*.

    Site lists name the body region and side (a prosthetic knee is ``knee left``); an empty
    list means assessed and none found. ``spinal_hardware`` lists vertebral levels.
    """

    immunosuppressed: bool | None = None  # not neutropenic: drugs, transplant, HIV, asplenia
    systemic_infection: bool | None = None  # active systemic infection or fever today
    heart_valve: HeartValve | None = None
    epilepsy: bool | None = None
    peripheral_arterial_disease: bool | None = None
    prosthetic_joints: list[RegionSite] | None = None
    tumour_sites: list[RegionSite] | None = None  # tumour, port or catheter
    node_dissection: list[RegionSite] | None = None  # limb whose lymph nodes were removed
    spinal_hardware: list[VertebralLevel] | None = None  # metal at these vertebral levels

    @classmethod
    def none_present(cls) -> RiskFactors:
        """Every fact assessed and found absent (synthetic demo cases and tests)."""
        return cls(immunosuppressed=False, systemic_infection=False, heart_valve=HeartValve.none,
                   epilepsy=False, peripheral_arterial_disease=False, prosthetic_joints=[],
                   tumour_sites=[], node_dissection=[], spinal_hardware=[])  # fmt: skip


class Requested(_Strict):
    electroacupuncture: bool = False


Answer = bool | int | float | str | None

# Validation context for a case read back from the record (see ClinicalCase's date check).
STORED_CASE: Mapping[str, Any] = MappingProxyType({"stored": True})


class ClinicalCase(_Strict):
    """A patient as the clinical core sees them (``acuneuro schema case``).

    Lists that are ``None`` were not assessed; an empty list means assessed and none found.
    No clinical date (onset, rash onset, chemotherapy start and last dose, blood count) may be
    after ``assessed_on``; ``assessed_on`` itself is not compared with the clock (the clinical
    core reads none, and a case may be prepared for a session booked ahead).
    """

    patient: Patient
    condition: Condition
    pain: Pain = Field(default_factory=Pain)
    chemotherapy: Chemotherapy | None = None
    screening: dict[str, dict[str, Answer]] = Field(default_factory=dict)
    findings: Findings = Field(default_factory=Findings)
    labs: Labs | None = None
    medications: list[Medication] | None = None
    devices: list[Device] | None = None
    skin: list[SkinFinding] | None = None
    lymphoedema: list[RegionSite] | None = None
    bleeding_disorder: bool | None = None
    fainting_with_needles: bool | None = None
    requested: Requested = Field(default_factory=Requested)
    assessed_on: date
    risk_factors: RiskFactors = Field(default_factory=RiskFactors)

    @model_validator(mode="wrap")
    @classmethod
    def _no_date_after_the_assessment(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> ClinicalCase:
        # A lab, dose or onset dated after the assessment is a typing error, never a fact: it is
        # refused with the field that holds it, so nothing built from the case is stored. A case
        # read back from the record (STORED_CASE) was checked when it was made, and re-screening
        # it on an earlier session day must still work (the screen then reports the lab unusable).
        case: ClinicalCase = handler(data)
        # An instance handed to another model was checked when it was built.
        if isinstance(data, ClinicalCase) or (
                isinstance(info.context, Mapping) and info.context.get("stored")):
            return case
        errors = [
            InitErrorDetails(
                type=PydanticCustomError(
                    "date_after_assessment",
                    "{value} is after the assessment date ({assessed_on})",
                    {"value": str(value), "assessed_on": str(case.assessed_on)},
                ),
                loc=loc,
                input=str(value),
            )
            for loc, value in case._clinical_dates()
            if value > case.assessed_on
        ]  # fmt: skip
        chemo = case.chemotherapy
        if chemo is not None and chemo.start and chemo.last_dose and chemo.start > chemo.last_dose:
            errors.append(InitErrorDetails(
                type=PydanticCustomError(
                    "dose_before_start", "chemotherapy.last_dose is before chemotherapy.start"),
                loc=("chemotherapy", "last_dose"), input=str(chemo.last_dose),
            ))  # fmt: skip
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return case

    def _clinical_dates(self) -> list[tuple[tuple[str, str], date]]:
        found = [(("condition", "onset"), self.condition.onset),
                 (("condition", "rash_onset"), self.condition.rash_onset)]  # fmt: skip
        if self.chemotherapy is not None:
            found += [(("chemotherapy", "start"), self.chemotherapy.start),
                      (("chemotherapy", "last_dose"), self.chemotherapy.last_dose)]  # fmt: skip
        if self.labs is not None:
            found.append((("labs", "taken"), self.labs.taken))
        return [(loc, value) for loc, value in found if value is not None]


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`ClinicalCase`, as published by ``acuneuro schema case``."""
    schema = ClinicalCase.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://acuneuro.org/schema/case.json"
    return schema
