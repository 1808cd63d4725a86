"""the second way into a partnership (an org invites a partner) and staff rights (team keys)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_ONLY = "status = 'pending'"


def upgrade() -> None:
    op.create_table(
        "partner_invitations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("access", sa.String(length=10), nullable=False),
        sa.Column("access_products", sa.JSON(), nullable=True),
        sa.Column("payer", sa.String(length=10), nullable=False),
        sa.Column("invited_by", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_partner_invitations_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_invitations_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_invitations")),
    )
    op.create_index(
        "uq_partner_invitations_one_pending",
        "partner_invitations",
        ["customer_id"],
        unique=True,
        sqlite_where=sa.text(PENDING_ONLY),
        postgresql_where=sa.text(PENDING_ONLY),
    )
    op.create_index(
        "ix_partner_invitations_partner_id_status", "partner_invitations", ["partner_id", "status"]
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("customer_ids", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("label", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("label")
        batch.drop_column("customer_ids")
    op.drop_table("partner_invitations")
