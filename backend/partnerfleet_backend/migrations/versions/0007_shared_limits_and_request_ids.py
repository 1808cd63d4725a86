"""shared limits, request ids, vendor holds: rate windows every worker sees; the client's
request id kept apart from the service's in audit events; a license suspended by the operator

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("bucket", sa.String(length=120), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "minute", name=op.f("pk_rate_counters")),
    )
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("client_request_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("licenses") as batch:
        batch.add_column(sa.Column("held_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("hold_reason", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("held_status", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("licenses") as batch:
        batch.drop_column("held_status")
        batch.drop_column("hold_reason")
        batch.drop_column("held_at")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("client_request_id")
    op.drop_table("rate_counters")
