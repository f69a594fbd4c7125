"""Finding patients: each search form, accents and case, paging totals, sorting, clinic scope."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acuneuro.services import Context, PatientCreate
from acuneuro.services import patients as service
from acuneuro.services.patients import PatientSort
from acuneuro.store import Patient, PlannedSession, PlanRecord, TreatmentSession


def _new(given: str, family: str, born: str = "1961-05-02", **extra: Any) -> PatientCreate:
    return PatientCreate.model_validate({"given_name": given, "family_name": family,
                                         "date_of_birth": born, "confirm_duplicate": True,
                                         **extra})


def _found(ctx: Context, actor: Any, term: str) -> list[str]:
    return [f"{p.given_name} {p.family_name}" for p in service.list_patients(ctx, actor, term)]


def test_each_search_form_finds_the_patient(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    service.create_patient(ctx, alice, _new("Quinn", "Maple", "1984-07-09", record_number="R-77"))
    service.create_patient(ctx, alice, _new("Ada", "Lovelace", "1961-05-02", record_number="R-1"))
    for term in ("quinn maple", "maple quinn", "Maple, Quinn", "MAPLE,QUINN", "  maple  ",
                 "1984-07-09", "09/07/1984", "9/7/1984", "1984", "R-77", "r-77", "mapl"):
        assert _found(ctx, alice, term) == ["Quinn Maple"], term


def test_a_date_that_is_not_a_birth_date_finds_no_one(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    service.create_patient(ctx, alice, _new("Quinn", "Maple", "1984-07-09"))
    for term in ("1984-09-07", "07/09/1984", "1985", "31/02/1984", "quinn oak"):
        assert _found(ctx, alice, term) == [], term


def test_accents_and_case_are_ignored_both_ways(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    service.create_patient(ctx, alice, _new("Quinn", "Maple"))
    service.create_patient(ctx, alice, _new("Zoë", "Ødegård"))
    assert _found(ctx, alice, "Mäple") == ["Quinn Maple"]
    assert _found(ctx, alice, "QUÍNN MAPLÉ") == ["Quinn Maple"]
    assert _found(ctx, alice, "zoe odegard") == ["Zoë Ødegård"]
    assert _found(ctx, alice, "ODEGÅRD, zoë") == ["Zoë Ødegård"]


def test_a_renamed_patient_is_found_by_the_new_name_only(ctx: Context, actors: Any) -> None:
    from acuneuro.services import PatientUpdate

    alice = actors["alice"].actor
    created = service.create_patient(ctx, alice, _new("Quinn", "Maple"))
    service.update_patient(ctx, alice, created.id, PatientUpdate(family_name="Öak"))
    assert _found(ctx, alice, "quinn oak") == ["Quinn Öak"]
    assert _found(ctx, alice, "maple") == []


def test_another_clinics_patients_never_appear(ctx: Context, actors: Any) -> None:
    alice, charlie = actors["alice"].actor, actors["charlie"].actor
    service.create_patient(ctx, charlie, _new("Quinn", "Maple", record_number="R-77"))
    for term in ("quinn maple", "Maple, Quinn", "1961", "1961-05-02", "R-77", ""):
        page = service.search_patients(ctx, alice, term)
        assert (page.items, page.total) == ([], 0), term


def _many(ctx: Context, actor: Any, count: int) -> None:
    for n in range(count):
        service.create_patient(ctx, actor, _new(f"Given{n:03d}", f"Family{n:03d}"))


def test_a_page_of_exactly_100_has_no_next_page(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    _many(ctx, alice, 100)
    page = service.search_patients(ctx, alice, limit=100)
    assert (len(page.items), page.total) == (100, 100)
    assert service.search_patients(ctx, alice, limit=100, offset=100).items == []


def test_the_101st_patient_is_on_the_second_page_and_counted(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    _many(ctx, alice, 101)
    first = service.search_patients(ctx, alice, limit=100)
    second = service.search_patients(ctx, alice, limit=100, offset=100)
    assert (len(first.items), first.total) == (100, 101)
    assert [p.family_name for p in second.items] == ["Family100"]
    assert second.total == 101
    searched = service.search_patients(ctx, alice, "given", limit=100, offset=100)
    assert (len(searched.items), searched.total) == (1, 101)


def _visits(ctx: Context, patient_id: str, attended: list[date], planned: list[date]) -> None:
    with ctx.db.write() as session:
        patient = session.scalar(sa.select(Patient).where(Patient.pseudo_id == patient_id))
        assert patient is not None
        plan = PlanRecord(clinic_id=patient.clinic_id, patient_id=patient.id, status="accepted",
                          condition_kind="phn", safety_status="go", case_json={}, plan_json={})
        session.add(plan)
        session.flush()
        for number, due in enumerate(planned, 1):
            session.add(PlannedSession(clinic_id=patient.clinic_id, patient_id=patient.id,
                                       plan_id=plan.id, number=number, due_on=due))
        for day in attended:
            session.add(TreatmentSession(clinic_id=patient.clinic_id, patient_id=patient.id,
                                         occurred_on=day, attendance="attended", record_json={}))
        # A missed session is not a visit.
        session.add(TreatmentSession(clinic_id=patient.clinic_id, patient_id=patient.id,
                                     occurred_on=date.today(), attendance="missed",
                                     record_json={}))


def test_sort_orders_by_name_last_visit_and_next_appointment(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    today = date.today()
    ids = {name: service.create_patient(ctx, alice, _new("Pat", name)).id
           for name in ("Ash", "Birch", "Cedar", "Deodar")}
    _visits(ctx, ids["Ash"], [today - timedelta(days=30)], [today + timedelta(days=9)])
    _visits(ctx, ids["Birch"], [today - timedelta(days=2), today - timedelta(days=60)],
            [today - timedelta(days=1), today + timedelta(days=20)])
    _visits(ctx, ids["Cedar"], [], [today + timedelta(days=3)])

    def order(sort: PatientSort) -> list[str]:
        return [p.family_name for p in service.search_patients(ctx, alice, sort=sort).items]

    assert order(PatientSort.NAME) == ["Ash", "Birch", "Cedar", "Deodar"]
    assert order(PatientSort.LAST_VISIT) == ["Birch", "Ash", "Cedar", "Deodar"]
    assert order(PatientSort.NEXT_APPOINTMENT) == ["Cedar", "Ash", "Birch", "Deodar"]
    page = service.search_patients(ctx, alice)
    assert page.last_visit == {ids["Ash"]: today - timedelta(days=30),
                               ids["Birch"]: today - timedelta(days=2)}
    assert page.next_appointment == {ids["Ash"]: today + timedelta(days=9),
                                     ids["Birch"]: today + timedelta(days=20),
                                     ids["Cedar"]: today + timedelta(days=3)}


def test_a_search_is_audited_one_row_per_patient_returned(ctx: Context, actors: Any) -> None:
    from acuneuro.store import AuditEvent

    alice = actors["alice"].actor
    created = service.create_patient(ctx, alice, _new("Quinn", "Maple"))
    service.create_patient(ctx, alice, _new("Ada", "Lovelace"))
    with ctx.db.read() as session:
        before = session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    service.list_patients(ctx, alice, "maple quinn")
    with ctx.db.read() as session:
        rows = list(session.scalars(sa.select(AuditEvent).where(AuditEvent.id > (before or 0))))
    assert [(r.action, r.patient_pseudo_id) for r in rows] == [("list", created.id)]


_LETTERS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8)
_ACCENTS = ("\u0301", "\u0300", "\u0308", "\u0302", "\u030a", "\u0303")


def _disguise(word: str, draw: st.DrawFn) -> str:
    """``word`` with random case and random accents on random letters, composed (NFC)."""
    letters = []
    for letter in word:
        letter = letter.upper() if draw(st.booleans()) else letter
        if draw(st.booleans()):
            letter += draw(st.sampled_from(_ACCENTS))
        letters.append(letter)
    return unicodedata.normalize("NFC", "".join(letters))


@st.composite
def _name_and_query(draw: st.DrawFn) -> tuple[str, str, str]:
    given, family = draw(_LETTERS), draw(_LETTERS)
    stored_given, stored_family = (_disguise(w, draw) if draw(st.booleans()) else w
                                   for w in (given, family))
    words = [_disguise(given, draw), _disguise(family, draw)]
    style = draw(st.sampled_from(["given family", "family given", "family, given"]))
    if style == "given family":
        query = f"{words[0]} {words[1]}"
    elif style == "family given":
        query = f"{words[1]} {words[0]}"
    else:
        query = f"{words[1]}, {words[0]}"
    return stored_given, stored_family, query


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_name_and_query())
def test_any_order_casing_and_accenting_of_a_stored_name_finds_it(
    ctx: Context, actors: Any, case: tuple[str, str, str]
) -> None:
    alice = actors["alice"].actor
    stored_given, stored_family, query = case
    created = service.create_patient(ctx, alice, _new(stored_given, stored_family))
    assert created.id in {p.id for p in service.list_patients(ctx, alice, query, limit=500)}


def test_an_erased_patient_is_no_longer_found_by_the_old_name(ctx: Context, actors: Any) -> None:
    from acuneuro.services.subject_rights import erase_patient
    from acuneuro.store import PatientIdentity

    alice = actors["alice"].actor
    created = service.create_patient(ctx, alice, _new("Quinn", "Mäple"))
    erase_patient(ctx, actors["erin"].actor, created.id, "request 2026-301, Art. 17")
    assert _found(ctx, alice, "quinn maple") == []
    with ctx.db.read() as session:
        keys = list(session.scalars(sa.select(PatientIdentity.name_key)))
    assert not any("maple" in (k or "") or "quinn" in (k or "") for k in keys)
