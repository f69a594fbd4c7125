"""A generated clinic table with one planted value of every Safe Harbor identifier class."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import pytest

from acuneuro.analytics.deidentify import ColumnKind, ColumnSpec, DataDictionary

AS_OF = date(2026, 11, 24)

# Quasi-identifier groups of five patients each: (sex, state, age). The last group is over 89.
GROUPS = [("female", "WA", 54), ("male", "WA", 61), ("female", "OR", 72), ("male", "OR", 97)]
PER_GROUP = 5
VISITS = 3


@dataclass(frozen=True)
class Planted:
    frame: pd.DataFrame
    dictionary: DataDictionary
    # Safe Harbor letter -> every value planted for it (strings as a leak would show them).
    values: dict[str, list[str]]
    # Dates of care, kept apart: a shifted date may equal another patient's real one.
    visit_dates: list[str]


def _spec(name: str, kind: ColumnKind, code: str | None = None, qi: bool = False) -> ColumnSpec:
    return ColumnSpec(name=name, kind=kind, identifier=code, quasi_identifier=qi)


# Source column -> Safe Harbor letter, for the identifier columns. Relatives and employers are
# identifiers too (164.514(b)(2)(i)).
IDENTIFIER_COLUMNS = {
    "name": "A",
    "relative_name": "A",
    "employer": "A",
    "street_address": "B",
    "city": "B",
    "zip": "B",
    "phone": "D",
    "fax": "E",
    "email": "F",
    "ssn": "G",
    "mrn": "H",
    "health_plan_number": "I",
    "account_number": "J",
    "licence_number": "K",
    "vehicle_plate": "L",
    "device_serial": "M",
    "homepage": "N",
    "ip_address": "O",
    "fingerprint_id": "P",
    "photo_ref": "Q",
    "study_enrolment_code": "R",
}


def planted_dataset() -> Planted:
    """Twenty patients, three visits each, every identifier class planted per patient."""
    rows: list[dict[str, object]] = []
    values: dict[str, list[str]] = {}
    visit_dates: list[str] = []
    patient = 0
    for sex, state, age in GROUPS:
        for _ in range(PER_GROUP):
            patient += 1
            i = patient
            key = str(uuid.uuid4())  # the internal patient id must not survive either
            birth = date(AS_OF.year - age - 1, 1 + i % 12, 1 + (7 * i) % 28)
            ident = {
                "name": f"Zebulon Quixworth-{i}",
                "relative_name": f"Philomena Quixworth-{i}",
                "employer": f"Quillbrook Tannery No{i}",
                "street_address": f"{100 + i} Larkspur Lane",
                "city": f"Quillbrook{'xyz'[i % 3]}ville",
                "zip": f"{98100 + i}",
                "phone": f"(555) 010-{4000 + i}",
                "fax": f"(555) 020-{5000 + i}",
                "email": f"zq{i}@quixworth.example",
                "ssn": f"078-05-{1100 + i}",
                "mrn": f"MRN-QX{i:05d}",
                "health_plan_number": f"HPQX{i:07d}",
                "account_number": f"ACCT-QX-{i:04d}",
                "licence_number": f"DLQX{i:06d}WA",
                "vehicle_plate": f"QXP-{700 + i}",
                "device_serial": f"SN-NEUROSTIM-QX{i:05d}",
                "homepage": f"https://quixworth{i}.example.org/me",
                "ip_address": f"203.0.113.{i}",
                "fingerprint_id": f"FPRINT-QX-{i:05d}",
                "photo_ref": f"photos/face-quixworth-{i}.jpg",
                "study_enrolment_code": f"ENROL-QX-{i:05d}",
            }
            for column, value in ident.items():
                values.setdefault(IDENTIFIER_COLUMNS[column], []).append(value)
            values.setdefault("R", []).append(key)
            values.setdefault("C", []).extend([birth.isoformat(), birth.strftime("%m/%d/%Y")])
            first = date(2025, 1, 1) + timedelta(days=(37 * i) % 300)
            for visit in range(VISITS):
                day = first + timedelta(days=14 * visit)
                values["C"].extend([day.isoformat(), day.strftime("%m/%d/%Y")])
                visit_dates.extend([day.isoformat(), day.strftime("%m/%d/%Y")])
                rows.append(
                    {
                        "patient_id": key,
                        **ident,
                        "birth_date": birth,
                        "visit_date": day,
                        "age": age,
                        "sex": sex,
                        "state": state,
                        "nrs": (i + visit) % 11,
                        "dn4": 4 + (i % 5),
                        "note": f"Seen with {ident['relative_name']}; call {ident['phone']}.",
                    }
                )
    specs = [_spec("patient_id", ColumnKind.patient_key)]
    specs += [_spec(c, ColumnKind.identifier, code) for c, code in IDENTIFIER_COLUMNS.items()]
    specs += [
        _spec("birth_date", ColumnKind.birth_date),
        _spec("visit_date", ColumnKind.date),
        _spec("age", ColumnKind.age),
        _spec("sex", ColumnKind.quasi_identifier),
        _spec("state", ColumnKind.quasi_identifier),
        _spec("nrs", ColumnKind.attribute),
        _spec("dn4", ColumnKind.attribute),
        _spec("note", ColumnKind.free_text),
    ]
    return Planted(pd.DataFrame(rows), DataDictionary(columns=specs), values, visit_dates)


@pytest.fixture
def planted() -> Planted:
    return planted_dataset()
