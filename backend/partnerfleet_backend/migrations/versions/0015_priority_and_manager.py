"""the level's benefits made real: requests for quotes reach priority partners first, the
personal manager

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tender_recipients") as batch:
        batch.add_column(sa.Column("visible_from", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("told_at", sa.DateTime(), nullable=True))
    op.create_index(
        "ix_tender_recipients_told_at_visible_from",
        "tender_recipients",
        ["told_at", "visible_from"],
    )
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("manager", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("manager")
    op.drop_index("ix_tender_recipients_told_at_visible_from", table_name="tender_recipients")
    with op.batch_alter_table("tender_recipients") as batch:
        batch.drop_column("told_at")
        batch.drop_column("visible_from")
