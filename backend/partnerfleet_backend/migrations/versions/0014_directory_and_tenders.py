"""the partner directory and the tender platform

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "directory_entries",
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("approval", sa.String(length=10), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("registration_number", sa.String(length=60), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("tender_countries", sa.JSON(), nullable=True),
        sa.Column("tender_products", sa.JSON(), nullable=True),
        sa.Column("tender_services", sa.JSON(), nullable=True),
        sa.Column("receives_tenders", sa.Boolean(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("directory_entries", "partner_id", "partners"),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_directory_entries")),
    )
    op.create_table(
        "tenders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("product", sa.String(length=40), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("confirm_hash", sa.String(length=64), nullable=False),
        sa.Column("cancel_hash", sa.String(length=64), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenders")),
    )
    op.create_index("ix_tenders_status_expires_at", "tenders", ["status", "expires_at"])
    op.create_index("ix_tenders_email_created_at", "tenders", ["email", "created_at"])
    op.create_index("ix_tenders_client_created_at", "tenders", ["client_hash", "created_at"])
    op.create_index("uq_tenders_confirm_hash", "tenders", ["confirm_hash"], unique=True)
    op.create_index("uq_tenders_cancel_hash", "tenders", ["cancel_hash"], unique=True)
    op.create_table(
        "tender_recipients",
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        _fk("tender_recipients", "tender_id", "tenders"),
        _fk("tender_recipients", "partner_id", "partners"),
        sa.PrimaryKeyConstraint("tender_id", "partner_id", name=op.f("pk_tender_recipients")),
    )
    op.create_index("ix_tender_recipients_partner_id", "tender_recipients", ["partner_id"])
    op.create_table(
        "tender_offers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("tender_offers", "tender_id", "tenders"),
        _fk("tender_offers", "partner_id", "partners"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_offers")),
    )
    op.create_index(
        "uq_tender_offers_tender_id_partner_id",
        "tender_offers",
        ["tender_id", "partner_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("tender_offers")
    op.drop_table("tender_recipients")
    op.drop_table("tenders")
    op.drop_table("directory_entries")
