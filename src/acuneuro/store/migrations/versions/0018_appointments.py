"""Appointments: practitioner profiles, the clinic calendar, appointments with reminders.

``practitioners`` gives a login account the name, qualification and registration number that
sign its records, and the SHA-256 of its calendar feed's secret; ``clinic_calendars`` holds
opening hours and closed days as JSON; ``appointments`` are clinic-local wall time with a
status (booked, proposed, cancelled, no-show) and when the reminder went out.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 04:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0018"
down_revision: str | Sequence[str] | None = "fhir_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "practitioners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("qualification", sa.String(length=200), nullable=True),
        sa.Column("registration_number", sa.String(length=100), nullable=True),
        sa.Column("feed_token_hash", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"],
                                name=op.f("fk_practitioners_clinic_id_clinics")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_practitioners_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practitioners")),
        sa.UniqueConstraint("user_id", name=op.f("uq_practitioners_user_id")),
        sa.UniqueConstraint("feed_token_hash", name=op.f("uq_practitioners_feed_token_hash")),
    )
    op.create_index(op.f("ix_practitioners_clinic_id"), "practitioners", ["clinic_id"])
    op.create_table(
        "clinic_calendars",
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("calendar_json", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"],
                                name=op.f("fk_clinic_calendars_clinic_id_clinics")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"],
                                name=op.f("fk_clinic_calendars_updated_by_users")),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_clinic_calendars")),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("planned_session_id", sa.Integer(), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('booked', 'proposed', 'cancelled', 'no-show')",
                           name=op.f("ck_appointments_status")),
        sa.CheckConstraint("minutes > 0 AND minutes <= 480", name=op.f("ck_appointments_minutes")),
        sa.ForeignKeyConstraint(["clinic_id", "patient_id"], ["patients.clinic_id", "patients.id"],
                                name=op.f("fk_appointments_clinic_id_patients")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"],
                                name=op.f("fk_appointments_clinic_id_clinics")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_appointments_created_by_users")),
        sa.ForeignKeyConstraint(["planned_session_id"], ["planned_sessions.id"],
                                name=op.f("fk_appointments_planned_session_id_planned_sessions")),
        sa.ForeignKeyConstraint(["practitioner_id"], ["practitioners.id"],
                                name=op.f("fk_appointments_practitioner_id_practitioners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    op.create_index(op.f("ix_appointments_patient_id"), "appointments", ["patient_id"])
    op.create_index("ix_appointments_practitioner_day", "appointments",
                    ["practitioner_id", "on_day"])
    op.create_index("ix_appointments_clinic_day", "appointments", ["clinic_id", "on_day"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_appointments_clinic_day", table_name="appointments")
    op.drop_index("ix_appointments_practitioner_day", table_name="appointments")
    op.drop_index(op.f("ix_appointments_patient_id"), table_name="appointments")
    op.drop_table("appointments")
    op.drop_table("clinic_calendars")
    op.drop_index(op.f("ix_practitioners_clinic_id"), table_name="practitioners")
    op.drop_table("practitioners")
