"""no fault spreads: calendar steps that failed for one partner, recorded and retried alone;
an outbox mail's secret part (an invitation's link) kept apart from its body until it is sent;
password resets as links of their own kind

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

    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("secret", sa.String(length=2000), nullable=True))
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(
            sa.Column("purpose", sa.String(length=10), nullable=False, server_default="join")
        )
        batch.add_column(sa.Column("user_id", sa.String(length=40), nullable=True))
    op.create_index(
        "ix_invitations_partner_id_created_at", "invitations", ["partner_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_invitations_partner_id_created_at", table_name="invitations")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("user_id")
        batch.drop_column("purpose")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("secret")
    op.drop_table("calendar_failures")
