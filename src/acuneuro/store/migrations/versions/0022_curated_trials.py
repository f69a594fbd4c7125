"""The clinic's curated trial library: revisions of trial data with provenance and verification.

``curated_trial_entries`` holds one row per added or corrected trial revision: the trial as
JSON, the source and page/table it was read from, who extracted it and when, and who verified
(or rejected) it. Only verified rows enter pooled estimates (services.evidence_library).

Revision ID: 0022
Revises: 0017
Create Date: 2026-12-06 04:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0022"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "curated_trial_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("extracted_by", sa.Integer(), nullable=False),
        sa.Column("extracted_by_email", sa.String(length=254), nullable=False),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("verified_by_email", sa.String(length=254), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"],
                                name=op.f("fk_curated_trial_entries_clinic_id_clinics")),
        sa.ForeignKeyConstraint(["extracted_by"], ["users.id"],
                                name=op.f("fk_curated_trial_entries_extracted_by_users")),
        sa.ForeignKeyConstraint(["verified_by"], ["users.id"],
                                name=op.f("fk_curated_trial_entries_verified_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_curated_trial_entries")),
        sa.UniqueConstraint("clinic_id", "trial_id", "revision",
                            name=op.f("uq_curated_trial_entries_clinic_id")),
    )
    op.create_index(op.f("ix_curated_trial_entries_clinic_id"), "curated_trial_entries",
                    ["clinic_id"])
    op.create_index(op.f("ix_curated_trial_entries_trial_id"), "curated_trial_entries",
                    ["trial_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_curated_trial_entries_trial_id"), table_name="curated_trial_entries")
    op.drop_index(op.f("ix_curated_trial_entries_clinic_id"), table_name="curated_trial_entries")
    op.drop_table("curated_trial_entries")
