"""Referrers: the clinic's directory of referring doctors the referral letter is addressed to.

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-06 04:15:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from acuneuro.store._base import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "referrers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("practice", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("clinic_id", "name", "practice",
                            name="uq_referrers_clinic_name_practice"),
    )
    op.create_index("ix_referrers_clinic_id", "referrers", ["clinic_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_referrers_clinic_id", table_name="referrers")
    op.drop_table("referrers")
