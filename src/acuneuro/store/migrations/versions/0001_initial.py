"""Initial schema: clinics, users, patients, identities, episodes, encounters, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 23:42:36.863128

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("clinic_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("patient_pseudo_id", sa.String(length=32), nullable=True),
        sa.Column("source_address", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("prev_hmac", sa.String(length=64), nullable=True),
        sa.Column("hmac", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_clinic_id"), "audit_events", ["clinic_id"], unique=False)
    op.create_index(
        op.f("ix_audit_events_patient_pseudo_id"),
        "audit_events",
        ["patient_pseudo_id"],
        unique=False,
    )
    op.create_table(
        "clinics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinics")),
        sa.UniqueConstraint("name", name=op.f("uq_clinics_name")),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("pseudo_id", sa.String(length=32), nullable=False),
        sa.Column("sex", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_patients_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("clinic_id", "id", name="uq_patients_clinic_id_id"),
        sa.UniqueConstraint("pseudo_id", name=op.f("uq_patients_pseudo_id")),
    )
    op.create_index(op.f("ix_patients_clinic_id"), "patients", ["clinic_id"], unique=False)
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "role", sa.Enum("clinician", "admin", "researcher", name="user_role"), nullable=False
        ),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_users_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_clinic_id"), "users", ["clinic_id"], unique=False)
    op.create_table(
        "episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column(
            "condition_kind",
            sa.Enum("dpn", "phn", "cipn", "sci", "ms", "other", name="condition_kind"),
            nullable=False,
        ),
        sa.Column("icd10", sa.String(length=8), nullable=True),
        sa.Column("onset", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "closed_on IS NULL OR onset IS NULL OR closed_on >= onset",
            name=op.f("ck_episodes_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id", "patient_id"],
            ["patients.clinic_id", "patients.id"],
            name=op.f("fk_episodes_clinic_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_episodes_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episodes")),
        sa.UniqueConstraint("clinic_id", "id", name="uq_episodes_clinic_id_id"),
    )
    op.create_index(op.f("ix_episodes_clinic_id"), "episodes", ["clinic_id"], unique=False)
    op.create_index(op.f("ix_episodes_patient_id"), "episodes", ["patient_id"], unique=False)
    op.create_table(
        "patient_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("record_number", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id", "patient_id"],
            ["patients.clinic_id", "patients.id"],
            name=op.f("fk_patient_identities_clinic_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_patient_identities_clinic_id_clinics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_identities")),
        sa.UniqueConstraint("clinic_id", "record_number", name="uq_patient_identities_record"),
        sa.UniqueConstraint("patient_id", name=op.f("uq_patient_identities_patient_id")),
    )
    op.create_index(
        op.f("ix_patient_identities_clinic_id"), "patient_identities", ["clinic_id"], unique=False
    )
    op.create_table(
        "encounters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id", "episode_id"],
            ["episodes.clinic_id", "episodes.id"],
            name=op.f("fk_encounters_clinic_id_episodes"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id", "patient_id"],
            ["patients.clinic_id", "patients.id"],
            name=op.f("fk_encounters_clinic_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_encounters_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_encounters_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encounters")),
    )
    op.create_index(op.f("ix_encounters_clinic_id"), "encounters", ["clinic_id"], unique=False)
    op.create_index(op.f("ix_encounters_patient_id"), "encounters", ["patient_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_encounters_patient_id"), table_name="encounters")
    op.drop_index(op.f("ix_encounters_clinic_id"), table_name="encounters")
    op.drop_table("encounters")
    op.drop_index(op.f("ix_patient_identities_clinic_id"), table_name="patient_identities")
    op.drop_table("patient_identities")
    op.drop_index(op.f("ix_episodes_patient_id"), table_name="episodes")
    op.drop_index(op.f("ix_episodes_clinic_id"), table_name="episodes")
    op.drop_table("episodes")
    op.drop_index(op.f("ix_users_clinic_id"), table_name="users")
    op.drop_table("users")
    op.drop_index(op.f("ix_patients_clinic_id"), table_name="patients")
    op.drop_table("patients")
    op.drop_table("clinics")
    op.drop_index(op.f("ix_audit_events_patient_pseudo_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_clinic_id"), table_name="audit_events")
    op.drop_table("audit_events")
    # PostgreSQL keeps enum types after their table is gone.
    sa.Enum(name="condition_kind").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="user_role").drop(op.get_bind(), checkfirst=True)
