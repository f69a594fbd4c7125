"""Index a patient's score series: (clinic_id, patient_id, taken_on, id) on score_records.

Without table statistics SQLite chose ix_score_records_clinic_id for a patient's scores, a
search through the whole clinic followed by a sort: 0.7-1.1 s per outcome read at 1,000,000
patients. This index serves the clinic scope, the patient and the date order at once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 04:20:00

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index(
        "ix_score_records_patient_series",
        "score_records",
        ["clinic_id", "patient_id", "taken_on", "id"],
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_score_records_patient_series", table_name="score_records")
