"""Session revocation and room for sealed TOTP secrets.

``users.sessions_valid_after``: tokens and cookies issued before it are refused (logout,
second-factor reset, disabled account). ``mfa_credentials.secret`` grows from 64 to 255
characters to hold the sealed (encrypted) secret instead of the plain base32 text.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 03:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("sessions_valid_after", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("mfa_credentials") as batch_op:
        batch_op.alter_column(
            "secret",
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=False,
        )


def downgrade() -> None:
    """Downgrade schema (fails while a sealed secret is stored: no silent truncation)."""
    with op.batch_alter_table("mfa_credentials") as batch_op:
        batch_op.alter_column(
            "secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=False,
        )
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("sessions_valid_after")
