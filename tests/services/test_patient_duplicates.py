"""Probable duplicates: nothing is written until the user confirms a second registration."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from acuneuro.services import Context, PatientCreate
from acuneuro.services import patients as service
from acuneuro.services._patient_duplicates import within_one_edit
from acuneuro.services.patients import ProbableDuplicate
from acuneuro.store import AuditEvent, Patient


def _new(given: str = "Quinn", family: str = "Maple", born: str = "1984-07-09",
         **extra: Any) -> PatientCreate:
    return PatientCreate.model_validate(
        {"given_name": given, "family_name": family, "date_of_birth": born, **extra})


def _count(ctx: Context) -> int:
    with ctx.db.read() as session:
        return session.scalar(sa.select(sa.func.count(Patient.id))) or 0


@pytest.mark.parametrize(("given_name", "family"), [
    ("Quinn", "Maple"), ("QUINN", "MÄPLE"), ("Maple", "Quinn"), ("Quin", "Maple"),
    ("Quinn", "Maples"), ("Quinm", "Maple"),
])
def test_it_refuses_a_probable_duplicate_and_writes_nothing(
    ctx: Context, actors: Any, given_name: str, family: str
) -> None:
    alice = actors["alice"].actor
    existing = service.create_patient(ctx, alice, _new())
    with pytest.raises(ProbableDuplicate) as refused:
        service.create_patient(ctx, alice, _new(given_name, family))
    assert [c.id for c in refused.value.candidates] == [existing.id]
    assert _count(ctx) == 1


def test_confirming_creates_the_second_patient(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    first = service.create_patient(ctx, alice, _new())
    second = service.create_patient(ctx, alice, _new(confirm_duplicate=True))
    assert first.id != second.id and _count(ctx) == 2


def test_a_different_birth_date_or_a_distinct_name_is_no_duplicate(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    service.create_patient(ctx, alice, _new())
    service.create_patient(ctx, alice, _new(born="1984-07-10"))
    service.create_patient(ctx, alice, _new("Robin", "Maple"))
    assert _count(ctx) == 3


def test_another_clinics_patient_is_never_a_candidate(ctx: Context, actors: Any) -> None:
    service.create_patient(ctx, actors["charlie"].actor, _new())
    service.create_patient(ctx, actors["alice"].actor, _new())
    assert _count(ctx) == 2


def test_the_candidates_shown_are_audited_as_reads(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    existing = service.create_patient(ctx, alice, _new())
    with pytest.raises(ProbableDuplicate):
        service.create_patient(ctx, alice, _new())
    with ctx.db.read() as session:
        last = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last is not None and (last.action, last.patient_pseudo_id) == ("read", existing.id)


@given(st.text(max_size=12), st.text(max_size=12))
def test_within_one_edit_agrees_with_the_levenshtein_distance(a: str, b: str) -> None:
    # Reference: the textbook dynamic programme (Levenshtein 1966).
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    assert within_one_edit(a, b) == (previous[-1] <= 1)
