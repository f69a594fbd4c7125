"""Widen score_records.instrument_version to 128 characters.

Five instruments (npsi, dsis, monofilament, vibration, mnsi) carry version labels longer than
32 characters; PostgreSQL refused them while SQLite, which ignores lengths, stored them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 01:25:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("score_records") as batch_op:
        batch_op.alter_column(
            "instrument_version",
            existing_type=sa.String(length=32),
            type_=sa.String(length=128),
            existing_nullable=False,
        )


def downgrade() -> None:
    """Downgrade schema (fails if a longer label is stored, by design: no silent truncation)."""
    with op.batch_alter_table("score_records") as batch_op:
        batch_op.alter_column(
            "instrument_version",
            existing_type=sa.String(length=128),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
