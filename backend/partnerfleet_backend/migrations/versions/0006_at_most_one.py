"""at most one: the database holds the program's "at most one" rules

One current single-instance add-on (premium-support, white-label, data-export-raw) per partner
and option; one trial per customer org and product. A check before the insert cannot hold them
under concurrency on PostgreSQL; these partial unique indexes do, and the pipeline answers
their violation with 409.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SINGLE = sa.text(
    "cancelled_at IS NULL AND status <> 'ended' "
    "AND option IN ('premium-support', 'white-label', 'data-export-raw')"
)
TRIAL = sa.text("trial")


def upgrade() -> None:
    op.create_index(
        "uq_addons_single_option",
        "addons",
        ["partner_id", "option"],
        unique=True,
        sqlite_where=SINGLE,
        postgresql_where=SINGLE,
    )
    op.create_index(
        "uq_licenses_one_trial",
        "licenses",
        ["customer_id", "product"],
        unique=True,
        sqlite_where=TRIAL,
        postgresql_where=TRIAL,
    )


def downgrade() -> None:
    op.drop_index("uq_licenses_one_trial", table_name="licenses")
    op.drop_index("uq_addons_single_option", table_name="addons")
