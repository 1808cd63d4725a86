"""signing in safely: a second factor (TOTP) with recovery codes, required by a partner's admin
or always (operators); sessions a person can list and revoke

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("public_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("address", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("agent", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("stage", sa.String(length=10), nullable=False, server_default="full")
        )
        batch.add_column(
            sa.Column("code_failures", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("partners") as batch:
        batch.add_column(
            sa.Column(
                "require_second_factor", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("user_id", sa.String(length=40), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_recovery_codes_user_id", table_name="recovery_codes")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("require_second_factor")
    with op.batch_alter_table("web_sessions") as batch:
        for column in ("code_failures", "stage", "agent", "address", "public_id"):
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        for column in ("totp_last_step", "totp_enabled_at", "totp_secret"):
            batch.drop_column(column)
