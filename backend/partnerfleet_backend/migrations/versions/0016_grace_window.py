"""the grace window: a purchase undone within 168 hours (a charge refunded at most once, the
license before an increase)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ledger_entries_object_id", "ledger_entries", ["object_id"])
    op.create_index(
        "uq_ledger_entries_refunds_entry_id",
        "ledger_entries",
        ["refunds_entry_id"],
        unique=True,
        sqlite_where=sa.text("refunds_entry_id IS NOT NULL"),
        postgresql_where=sa.text("refunds_entry_id IS NOT NULL"),
    )
    op.create_index("ix_invoices_object_id", "invoices", ["object_id"])
    op.create_table(
        "license_increases",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("license_id", sa.String(length=40), sa.ForeignKey("licenses.id"), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=True),
        sa.Column("invoice_id", sa.String(length=40), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("edition", sa.String(length=20), nullable=False),
        sa.Column("seats_next_term", sa.Integer(), nullable=True),
        sa.Column("edition_next_term", sa.String(length=20), nullable=True),
        sa.Column("made_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_license_increases_license_id", "license_increases", ["license_id"])


def downgrade() -> None:
    op.drop_index("ix_license_increases_license_id", table_name="license_increases")
    op.drop_table("license_increases")
    op.drop_index("ix_invoices_object_id", table_name="invoices")
    op.drop_index("uq_ledger_entries_refunds_entry_id", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_object_id", table_name="ledger_entries")
