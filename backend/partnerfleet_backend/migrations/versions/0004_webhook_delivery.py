"""webhook delivery

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:28:37.738672
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delivery", sa.String(length=12), nullable=False, server_default="pending")
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=300), nullable=True))
    op.create_index("ix_notifications_delivery", "notifications", ["delivery", "next_attempt_at"])

    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webhook_secret", sa.String(length=80), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_notifications_delivery", "notifications")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("webhook_secret")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("delivery")
