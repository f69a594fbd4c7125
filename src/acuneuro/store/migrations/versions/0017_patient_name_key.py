"""Patient search: a folded name column, filled for existing rows, and two clinic indexes.

``patient_identities.name_key`` holds the given and family name lower-cased and without
accents (``store._name_key.name_key``), so "Mäple", "maple" and "MAPLE" find each other on
SQLite and PostgreSQL alike without database-specific collations or extensions. Existing
rows are filled here with the same function the application uses on every write.
``(clinic_id, name_key)`` lets a search read one clinic's narrow index instead of the table;
``(clinic_id, date_of_birth)`` serves the probable-duplicate check on create.

Revision ID: 0017
Revises: 0012
Create Date: 2026-12-06 02:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from acuneuro.store._name_key import name_key

# revision identifiers, used by Alembic.
revision: str = "0017"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("patient_identities", sa.Column("name_key", sa.String(length=402), nullable=True))
    identities = sa.table(
        "patient_identities",
        sa.column("id", sa.Integer()),
        sa.column("given_name", sa.String()),
        sa.column("family_name", sa.String()),
        sa.column("name_key", sa.String()),
    )
    connection = op.get_bind()
    last = 0
    while True:  # keyset batches: bounded memory however large the clinic
        rows = connection.execute(
            sa.select(identities.c.id, identities.c.given_name, identities.c.family_name)
            .where(identities.c.id > last).order_by(identities.c.id).limit(_BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            identities.update().where(identities.c.id == sa.bindparam("row_id"))
            .values(name_key=sa.bindparam("key")),
            [{"row_id": r.id, "key": name_key(r.given_name, r.family_name)} for r in rows],
        )
        last = rows[-1].id
    op.create_index(
        "ix_patient_identities_clinic_name_key", "patient_identities", ["clinic_id", "name_key"]
    )
    op.create_index(
        "ix_patient_identities_clinic_birth", "patient_identities", ["clinic_id", "date_of_birth"]
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_patient_identities_clinic_birth", table_name="patient_identities")
    op.drop_index("ix_patient_identities_clinic_name_key", table_name="patient_identities")
    with op.batch_alter_table("patient_identities") as batch:
        batch.drop_column("name_key")
