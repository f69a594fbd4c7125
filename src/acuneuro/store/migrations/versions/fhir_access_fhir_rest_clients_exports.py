"""FHIR REST face: SMART backend clients, spent client assertions, Bulk Data export jobs.

``fhir_clients`` holds each registered backend client's public JWKS and granted scopes;
``fhir_assertions`` the ``jti`` of accepted client assertions until they expire (replay is
refused); ``fhir_export_jobs`` and ``fhir_export_files`` a ``$export`` and its NDJSON files.

Revision ID: fhir_access
Revises: 0017
Create Date: 2026-12-06 04:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "fhir_access"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "fhir_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("jwks_json", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.String(length=2000), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"],
                                name=op.f("fk_fhir_clients_clinic_id_clinics")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_fhir_clients_client_id")),
    )
    op.create_index(op.f("ix_fhir_clients_clinic_id"), "fhir_clients", ["clinic_id"])
    op.create_table(
        "fhir_assertions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_assertions")),
        sa.UniqueConstraint("client_id", "jti", name=op.f("uq_fhir_assertions_client_id")),
    )
    op.create_index(op.f("ix_fhir_assertions_expires_at"), "fhir_assertions", ["expires_at"])
    op.create_table(
        "fhir_export_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("request_url", sa.String(length=2000), nullable=False),
        sa.Column("types", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinics.id"],
                                name=op.f("fk_fhir_export_jobs_clinic_id_clinics")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_export_jobs")),
    )
    op.create_index(op.f("ix_fhir_export_jobs_clinic_id"), "fhir_export_jobs", ["clinic_id"])
    op.create_table(
        "fhir_export_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["fhir_export_jobs.id"], ondelete="CASCADE",
                                name=op.f("fk_fhir_export_files_job_id_fhir_export_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_export_files")),
    )
    op.create_index(op.f("ix_fhir_export_files_job_id"), "fhir_export_files", ["job_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_fhir_export_files_job_id"), table_name="fhir_export_files")
    op.drop_table("fhir_export_files")
    op.drop_index(op.f("ix_fhir_export_jobs_clinic_id"), table_name="fhir_export_jobs")
    op.drop_table("fhir_export_jobs")
    op.drop_index(op.f("ix_fhir_assertions_expires_at"), table_name="fhir_assertions")
    op.drop_table("fhir_assertions")
    op.drop_index(op.f("ix_fhir_clients_clinic_id"), table_name="fhir_clients")
    op.drop_table("fhir_clients")
