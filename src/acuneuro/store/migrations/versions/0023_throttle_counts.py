"""Rate-limit counters shared by every server process (``store._counters``).

``throttle_counts`` holds, per rate-limit key (a digest) and slot of its window, the events
counted and the second the slot leaves the window; before, each worker process counted alone.

Revision ID: 0023
Revises: 0024
Create Date: 2026-12-06 07:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0023"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "throttle_counts",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("slot", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", "slot", name=op.f("pk_throttle_counts")),
    )
    op.create_index(op.f("ix_throttle_counts_expires_at"), "throttle_counts", ["expires_at"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_throttle_counts_expires_at"), table_name="throttle_counts")
    op.drop_table("throttle_counts")
