"""fleet loop: client versions, references released by a cancel

Licenses and add-ons get `row_version`, the ORM's guard against lost updates, bumped by every
write; `version` (ETag, If-Match) becomes the client's and changes only with what a client
sets, so usage reports and the calendar's own changes never make a client's If-Match fail.
A license's reference is unique among the partner's licenses that are not cancelled: a
cancelled one releases it (a moved license takes its reference along).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_FORCE = sa.text("status <> 'cancelled'")


def upgrade() -> None:
    for table in ("licenses", "addons"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("row_version", sa.Integer(), nullable=False, server_default="1")
            )
    op.execute("UPDATE licenses SET row_version = version")
    op.execute("UPDATE addons SET row_version = version")
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.drop_index("uq_licenses_partner_reference")
    op.create_index(
        "uq_licenses_partner_reference",
        "licenses",
        ["partner_id", "reference"],
        unique=True,
        sqlite_where=IN_FORCE,
        postgresql_where=IN_FORCE,
    )


def downgrade() -> None:
    op.drop_index("uq_licenses_partner_reference", table_name="licenses")
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.create_index(
            "uq_licenses_partner_reference", ["partner_id", "reference"], unique=True
        )
    for table in ("licenses", "addons"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("row_version")
