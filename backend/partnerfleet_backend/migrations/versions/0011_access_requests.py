"""access requests: a partner asks a customer org for access, its admins grant or decline

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_ONLY = "status = 'pending'"


def upgrade() -> None:
    op.create_table(
        "access_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("access", sa.String(length=10), nullable=False),
        sa.Column("access_products", sa.JSON(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("granted_access", sa.String(length=10), nullable=True),
        sa.Column("granted_products", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_access_requests_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_access_requests_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_requests")),
    )
    op.create_index(
        "uq_access_requests_one_pending",
        "access_requests",
        ["customer_id"],
        unique=True,
        sqlite_where=sa.text(PENDING_ONLY),
        postgresql_where=sa.text(PENDING_ONLY),
    )
    op.create_index("ix_access_requests_customer_id_id", "access_requests", ["customer_id", "id"])


def downgrade() -> None:
    op.drop_table("access_requests")
