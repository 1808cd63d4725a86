"""never lapse by accident: top-up rules, top-up requests (at most one waiting per partner),
numbered top-up invoices, a renewal's grace

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "top_up_rules",
        sa.Column(
            "partner_id", sa.String(length=40), sa.ForeignKey("partners.id"), primary_key=True
        ),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("threshold_cents", sa.BigInteger(), nullable=True),
        sa.Column("before_renewal", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "top_up_requests",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("partner_id", sa.String(length=40), sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("requested_by", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("lot_id", sa.String(length=40), nullable=True),
    )
    op.create_index("ix_top_up_requests_partner_id_id", "top_up_requests", ["partner_id", "id"])
    op.create_index(
        "uq_top_up_requests_one_open",
        "top_up_requests",
        ["partner_id"],
        unique=True,
        sqlite_where=sa.text("status = 'requested'"),
        postgresql_where=sa.text("status = 'requested'"),
    )
    op.create_table(
        "number_sequences",
        sa.Column("name", sa.String(length=30), primary_key=True),
        sa.Column("last", sa.BigInteger(), nullable=False),
    )
    with op.batch_alter_table("credit_lots") as batch:
        batch.add_column(sa.Column("invoice_number", sa.String(length=30), nullable=True))
    op.create_index("uq_credit_lots_invoice_number", "credit_lots", ["invoice_number"], unique=True)
    with op.batch_alter_table("licenses") as batch:
        batch.add_column(sa.Column("grace_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("licenses") as batch:
        batch.drop_column("grace_until")
    op.drop_index("uq_credit_lots_invoice_number", table_name="credit_lots")
    with op.batch_alter_table("credit_lots") as batch:
        batch.drop_column("invoice_number")
    op.drop_table("number_sequences")
    op.drop_index("uq_top_up_requests_one_open", table_name="top_up_requests")
    op.drop_index("ix_top_up_requests_partner_id_id", table_name="top_up_requests")
    op.drop_table("top_up_requests")
    op.drop_table("top_up_rules")
