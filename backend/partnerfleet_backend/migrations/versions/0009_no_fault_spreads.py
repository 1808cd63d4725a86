"""no fault spreads: calendar steps that failed for one partner, recorded and retried alone

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_failures",
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.Column("retry_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("step", "partner_id", name=op.f("pk_calendar_failures")),
    )


def downgrade() -> None:
    op.drop_table("calendar_failures")
