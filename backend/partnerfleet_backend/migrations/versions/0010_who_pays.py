"""who pays: the customer's choice of payer; invoices to customers that pay for themselves,
with the partner's cashback fixed at the order

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(
            sa.Column("payer", sa.String(length=10), nullable=False, server_default="partner")
        )
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("object_type", sa.String(length=30), nullable=True),
        sa.Column("object_id", sa.String(length=40), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("cashback_bp", sa.Integer(), nullable=False),
        sa.Column("cashback_cents", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.Column("cashback_entry_id", sa.String(length=40), nullable=True),
        sa.Column("reversal_entry_id", sa.String(length=40), nullable=True),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_invoices_amount_positive")),
        sa.CheckConstraint("cashback_cents >= 0", name=op.f("ck_invoices_cashback_not_negative")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_invoices_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_invoices_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
    )
    op.create_index("uq_invoices_number", "invoices", ["number"], unique=True)
    op.create_index("ix_invoices_customer_id_id", "invoices", ["customer_id", "id"])
    op.create_index("ix_invoices_status_due_at", "invoices", ["status", "due_at"])


def downgrade() -> None:
    op.drop_table("invoices")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("payer")
