"""a purchase corrected within the grace window (fewer seats) keeps the window of the purchase it
replaces: where a charge's or an invoice's window runs from

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("ledger_entries", "invoices"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("window_from", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table in ("invoices", "ledger_entries"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("window_from")
