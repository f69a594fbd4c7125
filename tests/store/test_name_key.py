"""The folded name key: accents and case dropped; migration 0017 fills it for existing rows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import command
from hypothesis import given
from hypothesis import strategies as st

from acuneuro.services import Context, PatientCreate
from acuneuro.services import patients as service
from acuneuro.store import PatientIdentity, upgrade
from acuneuro.store._migrate import alembic_config
from acuneuro.store._name_key import fold, name_key


def test_accents_case_and_separators_fold_away() -> None:
    assert fold("Mäple") == fold("MAPLE") == "maple"
    assert fold("Ødegård-Łukasz") == "odegard lukasz"
    assert fold("O'Brien") == fold("O’BRIEN") == "obrien"
    assert fold("Straße") == "strasse"
    assert name_key("  Zoë ", "de la Cruz") == "zoe de la cruz"


@given(st.text(max_size=30))
def test_folding_is_idempotent_and_lower_case(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert once == once.casefold() and once == once.strip()


def test_the_migration_fills_the_key_of_patients_registered_before_it(
    ctx: Context, actors: Any
) -> None:
    engine = ctx.db.engine
    service.create_patient(ctx, actors["alice"].actor, PatientCreate.model_validate(
        {"given_name": "Zoë", "family_name": "Mäple", "date_of_birth": "1984-07-09"}))
    try:
        command.downgrade(alembic_config(engine), "0012")
        with engine.connect() as connection:
            columns = sa.inspect(connection).get_columns("patient_identities")
        assert "name_key" not in {c["name"] for c in columns}
    finally:
        upgrade(engine)
    with ctx.db.read() as session:
        assert list(session.scalars(sa.select(PatientIdentity.name_key))) == ["zoe maple"]
