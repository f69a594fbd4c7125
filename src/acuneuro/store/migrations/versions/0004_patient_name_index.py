"""Index the patient list's order: (clinic_id, family_name, given_name) of patient identities.

The list of a clinic's patients is read in name order; without this index the database sorts
the whole clinic on every page (bench/api.py measured it).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 01:10:00

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index(
        "ix_patient_identities_clinic_name",
        "patient_identities",
        ["clinic_id", "family_name", "given_name"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_patient_identities_clinic_name", table_name="patient_identities")
