"""levels by purchase behaviour and training: the partner's orders and trainings

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_orders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_type", sa.String(length=30), nullable=False),
        sa.Column("object_id", sa.String(length=40), nullable=False),
        sa.Column("ordered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_orders_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_orders")),
    )
    op.create_index(
        "ix_partner_orders_partner_id_ordered_at", "partner_orders", ["partner_id", "ordered_at"]
    )
    op.create_table(
        "partner_trainings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_trainings_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_trainings")),
    )
    op.create_index("ix_partner_trainings_partner_id", "partner_trainings", ["partner_id"])


def downgrade() -> None:
    op.drop_index("ix_partner_trainings_partner_id", table_name="partner_trainings")
    op.drop_table("partner_trainings")
    op.drop_index("ix_partner_orders_partner_id_ordered_at", table_name="partner_orders")
    op.drop_table("partner_orders")
