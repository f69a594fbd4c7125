"""FHIR logical ids stored on the exported rows, indexed, so a read or search is a lookup.

``fhir_id`` on episodes, plans, score_records, treatment_sessions, medication_statements and
adverse_events (and ``fhir_response_id`` on score_records, its QuestionnaireResponse), each
with a unique index. Existing rows are filled here with the id the export already gives them
(``store._fhir_ids.row_fhir_id``: UUID v5 of clinic, table and primary key); new rows get it on
insert.

Revision ID: 0024
Revises: 0021
Create Date: 2026-12-06 07:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from acuneuro.store._fhir_ids import row_fhir_id

# revision identifiers, used by Alembic.
revision: str = "0024"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> {column: part of the logical id}
_COLUMNS: dict[str, dict[str, str]] = {
    "episodes": {"fhir_id": ""},
    "plans": {"fhir_id": ""},
    "score_records": {"fhir_id": "", "fhir_response_id": "response"},
    "treatment_sessions": {"fhir_id": ""},
    "medication_statements": {"fhir_id": ""},
    "adverse_events": {"fhir_id": ""},
}
_BATCH = 1000


def _backfill(table: str, columns: dict[str, str]) -> None:
    bind = op.get_bind()
    t = sa.table(table, sa.column("id", sa.Integer), sa.column("clinic_id", sa.Integer),
                 *(sa.column(c, sa.String) for c in columns))
    rows = bind.execute(sa.select(t.c.id, t.c.clinic_id).order_by(t.c.id)).all()
    update = (sa.update(t).where(t.c.id == sa.bindparam("pk"))
              .values({c: sa.bindparam(f"v_{c}") for c in columns}))
    for start in range(0, len(rows), _BATCH):
        batch = [{"pk": pk, **{f"v_{c}": row_fhir_id(clinic, table, pk, part)
                               for c, part in columns.items()}}
                 for pk, clinic in rows[start:start + _BATCH]]
        bind.execute(update, batch)


def upgrade() -> None:
    """Upgrade schema: add the columns, fill them, index them."""
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.add_column(sa.Column(column, sa.String(length=36), nullable=True))
        _backfill(table, columns)
        for column in columns:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=True)


def downgrade() -> None:
    """Downgrade schema."""
    for table, columns in reversed(_COLUMNS.items()):
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        with op.batch_alter_table(table) as batch:
            for column in reversed(columns):
                batch.drop_column(column)
