"""Corrections, never deletion: a version and a status on every clinical row, and their history.

``version`` (1 when written) and ``status`` (``active`` or ``entered-in-error``) go on
patients, episodes, scores, sessions, medicines and adverse events; plans get ``version``
and two more states, ``withdrawn`` (a proposal never accepted) and ``entered-in-error``.
``record_revisions`` keeps each row's previous columns with who, when and why
(``store._revisions``). Existing rows become version 1, active.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 04:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0019"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CORRECTABLE = ("patients", "episodes", "score_records", "treatment_sessions",
                "medication_statements", "adverse_events")
_OLD_PLAN_STATES = "status IN ('proposed', 'accepted', 'superseded')"
_NEW_PLAN_STATES = ("status IN ('proposed', 'accepted', 'superseded', 'withdrawn', "
                    "'entered-in-error')")


def upgrade() -> None:
    """Upgrade schema."""
    for table in _CORRECTABLE:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False,
                                       server_default="1"))
            batch.add_column(sa.Column("status", sa.String(length=20), nullable=False,
                                       server_default="active"))
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.drop_constraint(op.f("ck_plans_status"), type_="check")
        batch.create_check_constraint(op.f("ck_plans_status"), _NEW_PLAN_STATES)
    op.create_table(
        "record_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("previous_json", sa.JSON(), nullable=False),
        sa.Column("changed_json", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("by_label", sa.String(length=254), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"],
                                name=op.f("fk_record_revisions_clinic_id_clinics")),
        sa.ForeignKeyConstraint(["by_user_id"], ["users.id"],
                                name=op.f("fk_record_revisions_by_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_revisions")),
    )
    op.create_index("ix_record_revisions_record", "record_revisions",
                    ["clinic_id", "kind", "record_id", "version"])
    op.create_index("ix_record_revisions_patient", "record_revisions",
                    ["clinic_id", "patient_id"])


def downgrade() -> None:
    """Downgrade schema (withdrawn and entered-in-error plans go back to superseded)."""
    op.drop_index("ix_record_revisions_patient", table_name="record_revisions")
    op.drop_index("ix_record_revisions_record", table_name="record_revisions")
    op.drop_table("record_revisions")
    op.execute("UPDATE plans SET status = 'superseded' "
               "WHERE status IN ('withdrawn', 'entered-in-error')")
    with op.batch_alter_table("plans") as batch:
        batch.drop_constraint(op.f("ck_plans_status"), type_="check")
        batch.create_check_constraint(op.f("ck_plans_status"), _OLD_PLAN_STATES)
        batch.drop_column("version")
    for table in reversed(_CORRECTABLE):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("status")
            batch.drop_column("version")
