"""billing the partner's own customers: what a license's charge pays for (the time it covers,
its seats or units), the partner's resale prices

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("covers_from", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("covers_to", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("units", sa.BigInteger(), nullable=True))
    op.create_table(
        "resale_prices",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("partner_id", sa.String(length=40), sa.ForeignKey("partners.id"), nullable=False),
        sa.Column("product", sa.String(length=30), nullable=False),
        sa.Column("edition", sa.String(length=20), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=True),
        sa.Column("markup_bp", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "uq_resale_prices_partner_product_edition",
        "resale_prices",
        ["partner_id", "product", "edition"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_resale_prices_partner_product_edition", table_name="resale_prices")
    op.drop_table("resale_prices")
    with op.batch_alter_table("ledger_entries") as batch:
        for column in ("units", "covers_to", "covers_from"):
            batch.drop_column(column)
