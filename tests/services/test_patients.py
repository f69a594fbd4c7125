"""Patient use cases: clinic scope in the query, role checks, one audit row per patient touched."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from acuneuro.services import (
    Conflict,
    Context,
    NotFound,
    PatientCreate,
    PatientUpdate,
    PermissionDenied,
)
from acuneuro.services import patients as service
from acuneuro.store import AuditEvent, Patient, PatientIdentity


def _new(given: str = "Ada", family: str = "Lovelace", **extra: Any) -> PatientCreate:
    return PatientCreate.model_validate(
        {"given_name": given, "family_name": family, "date_of_birth": "1961-05-02", **extra}
    )


def _audit(ctx: Context) -> list[AuditEvent]:
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


def test_it_creates_a_patient_with_identity_and_first_episode(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    view = service.create_patient(
        ctx, alice, _new(condition={"kind": "phn", "icd10": "B02.2", "onset": "2026-01-10"})
    )
    assert view.id.startswith("P") and len(view.id) == 13
    assert [(e.kind.value, e.icd10, e.onset) for e in view.episodes] == [
        ("phn", "B02.2", date(2026, 1, 10))
    ]
    with ctx.db.read() as session:
        patient = session.scalar(sa.select(Patient).where(Patient.pseudo_id == view.id))
        identity = session.scalar(sa.select(PatientIdentity))
    assert patient is not None and identity is not None
    assert patient.clinic_id == identity.clinic_id == alice.clinic_id
    assert identity.family_name == "Lovelace"


def test_pseudonymous_ids_are_random_not_derived(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    first = service.create_patient(ctx, alice, _new())
    second = service.create_patient(ctx, alice, _new(confirm_duplicate=True))
    assert first.id != second.id


def test_a_colleague_in_the_same_clinic_sees_the_patient(ctx: Context, actors: Any) -> None:
    created = service.create_patient(ctx, actors["alice"].actor, _new())
    assert service.get_patient(ctx, actors["bob"].actor, created.id).id == created.id


def test_an_outsider_gets_not_found_exactly_as_for_a_missing_id(
    ctx: Context, actors: Any
) -> None:
    created = service.create_patient(ctx, actors["alice"].actor, _new())
    charlie = actors["charlie"].actor
    with pytest.raises(NotFound) as foreign:
        service.get_patient(ctx, charlie, created.id)
    with pytest.raises(NotFound) as missing:
        service.get_patient(ctx, charlie, "PNOSUCHPATIENT")
    assert str(foreign.value) == str(missing.value)
    with pytest.raises(NotFound):
        service.update_patient(ctx, charlie, created.id, PatientUpdate(family_name="Hijack"))
    assert service.list_patients(ctx, charlie) == []
    assert service.get_patient(ctx, actors["alice"].actor, created.id).family_name == "Lovelace"


def test_each_read_and_write_is_audited_with_who_what_and_outcome(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    created = service.create_patient(ctx, alice, _new())
    service.get_patient(ctx, alice, created.id)
    service.update_patient(ctx, alice, created.id, PatientUpdate(phone="+41 44 000 00 00"))
    events = _audit(ctx)[-3:]
    assert [(e.action, e.outcome, e.patient_pseudo_id) for e in events] == [
        ("create", "success", created.id),
        ("read", "success", created.id),
        ("update", "success", created.id),
    ]
    for event in events:
        assert (event.user_id, event.role, event.clinic_id) == (alice.user_id, "clinician",
                                                                  alice.clinic_id)
        assert event.resource == "patient" and event.source_address == "testclient"
        assert event.at is not None and event.hmac is not None


def test_a_list_writes_one_audit_row_per_patient_returned(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    ids = {service.create_patient(ctx, alice, _new(given=g)).id for g in ("Ann", "Ben", "Cy")}
    before = len(_audit(ctx))
    listed = service.list_patients(ctx, alice)
    rows = _audit(ctx)[before:]
    assert {p.id for p in listed} == ids
    assert sorted(e.patient_pseudo_id or "" for e in rows) == sorted(ids)
    assert {e.action for e in rows} == {"list"}


def test_search_matches_names_case_insensitively_and_treats_wildcards_literally(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    service.create_patient(ctx, alice, _new(family="Okafor"))
    service.create_patient(ctx, alice, _new(family="Berg", record_number="R-100%"))
    assert [p.family_name for p in service.list_patients(ctx, alice, "OKA")] == ["Okafor"]
    assert [p.family_name for p in service.list_patients(ctx, alice, "100%")] == ["Berg"]
    assert service.list_patients(ctx, alice, "Ok_for") == []


def test_refusals_are_audited(ctx: Context, actors: Any) -> None:
    created = service.create_patient(ctx, actors["alice"].actor, _new())
    with pytest.raises(NotFound):
        service.get_patient(ctx, actors["charlie"].actor, created.id)
    with pytest.raises(PermissionDenied):
        service.get_patient(ctx, actors["dana"].actor, created.id)
    last_two = _audit(ctx)[-2:]
    assert [(e.actor, e.outcome, e.patient_pseudo_id) for e in last_two] == [
        ("charlie@example.org", "not_found", created.id),
        ("dana@example.org", "denied", created.id),
    ]


def test_a_researcher_cannot_create_or_list_identified_patients(
    ctx: Context, actors: Any
) -> None:
    dana = actors["dana"].actor
    with pytest.raises(PermissionDenied):
        service.create_patient(ctx, dana, _new())
    with pytest.raises(PermissionDenied):
        service.list_patients(ctx, dana)
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Patient)) == 0


def test_a_duplicate_record_number_is_a_conflict_and_writes_nothing(
    ctx: Context, actors: Any
) -> None:
    alice = actors["alice"].actor
    service.create_patient(ctx, alice, _new(record_number="MRN-1"))
    audit_before = len(_audit(ctx))
    with pytest.raises(Conflict, match="record_number"):
        service.create_patient(ctx, alice, _new(given="Other", record_number="MRN-1"))
    # Another clinic may use the same number for its own patient.
    service.create_patient(ctx, actors["charlie"].actor, _new(record_number="MRN-1"))
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Patient)) == 2
    assert len(_audit(ctx)) == audit_before + 1


def test_update_changes_only_the_fields_given(ctx: Context, actors: Any) -> None:
    alice = actors["alice"].actor
    created = service.create_patient(ctx, alice, _new(sex="female", email="ada@example.org"))
    updated = service.update_patient(ctx, alice, created.id,
                                     PatientUpdate.model_validate({"sex": "other", "email": None}))
    assert (updated.sex, updated.email, updated.given_name) == ("other", None, "Ada")


@pytest.mark.parametrize(
    ("field", "value"),
    [("date_of_birth", "2999-01-01"), ("icd10", "not-a-code"), ("given_name", "  ")],
)
def test_implausible_input_is_refused_by_the_model(field: str, value: str) -> None:
    data: dict[str, Any] = {"given_name": "A", "family_name": "B", "date_of_birth": "1960-01-01"}
    if field == "icd10":
        data["condition"] = {"kind": "dpn", "icd10": value}
    else:
        data[field] = value
    with pytest.raises(ValueError, match=field):
        PatientCreate.model_validate(data)


def test_required_fields_cannot_be_removed_by_an_update() -> None:
    with pytest.raises(ValueError, match="family_name"):
        PatientUpdate.model_validate({"family_name": None})
